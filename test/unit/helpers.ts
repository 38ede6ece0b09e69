/** Helpers shared by the unit tests (in Node). */
import { createEngine, type MatchState } from "../../shared/engine.ts";
import type { MatchEvent } from "../../shared/events.ts";
import type { AnyGame } from "../../shared/game.ts";
import { parseOptions } from "../../shared/schema-issues.ts";
import type { Loaded, MatchConfig, SeatRow } from "../../server/match/store.ts";

/** Freezes `value` and everything it holds, so a test proves code under test never mutates it. */
export function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
  if (typeof value === "object" && value !== null && !seen.has(value)) {
    seen.add(value);
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key], seen);
  }
  return value;
}

/** A fixed clock for the fixtures: 2025-01-01T00:00:00Z. */
export const T0 = Date.UTC(2025, 0, 1);

/**
 * The Match's cache as it would be loaded from SQLite, built in memory: `game` with `seats`
 * (names; a string "bot:<kind>" seats a bot), after `events` (applied at T0 + their index).
 */
export function loadedMatch(
  game: AnyGame,
  options: {
    seats?: readonly string[];
    events?: readonly MatchEvent[];
    config?: Partial<MatchConfig>;
    startedAt?: number | null;
  } = {},
): Loaded {
  const parsed = parseOptions(game, {});
  if (!parsed.ok) throw new Error(`${game.id}: its default options do not parse`);
  const engine = createEngine(game, parsed.value, "fixture-seed");
  const names = options.seats ?? ["Ada", "Brian"];
  const seats: SeatRow[] = names.map((name, seat) => {
    const bot = name.startsWith("bot:") ? (name.slice(4) as "random" | "search") : null;
    return { seat, pid: bot ? `bot-${bot}-${seat}` : `pid-${name}`, name, rating: null, bot, rematch: false };
  });
  let state: MatchState = engine.initial();
  (options.events ?? []).forEach((event, index) => {
    state = engine.apply(state, event, T0 + index);
  });
  const config: MatchConfig = {
    matchId: "match-fixture",
    gameId: game.id,
    options: parsed.value,
    capacity: game.maxPlayers,
    minPlayers: game.minPlayers,
    timeControl: engine.control,
    spectatorDelay: null,
    graceMs: 60_000,
    createdAt: T0,
    creatorId: null,
    isPrivate: false,
    rated: false,
    reserved: false,
    tournamentId: null,
    ...options.config,
  };
  const started = state.status !== "waiting" && state.players > 0;
  return {
    config,
    engine,
    seed: "fixture-seed",
    state,
    seq: options.events?.length ?? 0,
    seats,
    startedAt: options.startedAt !== undefined ? options.startedAt : started ? T0 : null,
    finishedAt: state.status === "finished" ? T0 : null,
    rematchId: null,
    base: 0,
  };
}
