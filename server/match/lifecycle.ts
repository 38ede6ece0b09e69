/**
 * A match's life outside play: making it (from what a creator, a Matchmaker or a rematch asks
 * for to the config the store writes), who may join or start it, and the log lines of its start
 * and end. Pure but for the seed it draws and the logs it writes.
 */
import { nanoid } from "nanoid";
import { botFor } from "../../shared/bots.ts";
import type { BotKind } from "../../shared/bots/kinds.ts";
import type { TimeControl } from "../../shared/clock.ts";
import { createEngine, type Engine } from "../../shared/engine.ts";
import { findGame } from "../../shared/games/index.ts";
import { LIMITS, nextGameId, type SpectatorDelay } from "../../shared/protocol.ts";
import { fail, ok, type Result } from "../../shared/result.ts";
import type { MatchEvent } from "../../shared/events.ts";
import type { Seat } from "../../shared/game.ts";
import { parseOptions } from "../../shared/schema-issues.ts";
import type { PlayerRef, ReservedMatch } from "../contracts.ts";
import { log } from "../log.ts";
import type { Archive, Loaded, MatchConfig } from "./store.ts";

/** Why a match could not be created. */
export type CreationError = "match-exists" | "unknown-game" | "bad-options";

/** Why a creator's match could not be created: the server's secret, the bots asked for, or the rest. */
export type CreateError = "server-misconfigured" | "bad-bots" | CreationError;

/** Why a player could not join the match. */
export type JoinError = "not-found" | "already-joined" | "match-full";

/** Why the creator could not start the match now. */
export type StartError = "not-found" | "not-creator" | "already-started" | "not-enough-players";

/** POST /api/matches as the route hands it to the Match: the creator takes seat 0, bots the seats after. */
export interface CreateMatch {
  readonly gameId: string;
  readonly options: unknown;
  readonly timeControl: TimeControl | undefined;
  readonly spectatorDelay: SpectatorDelay | undefined;
  readonly graceMs: number | undefined;
  readonly isPrivate: boolean;
  readonly creator: PlayerRef;
  readonly bots: readonly BotKind[];
}

/** A match to write, whoever asked for it. */
export interface NewMatch {
  readonly gameId: string;
  readonly options: unknown;
  readonly timeControl?: TimeControl | undefined;
  readonly spectatorDelay?: SpectatorDelay | null | undefined;
  readonly graceMs?: number | undefined;
  readonly creatorId: string | null;
  readonly isPrivate: boolean;
  readonly rated: boolean;
  /** Seats assigned up front (quick match, rematch): nobody joins, and the start is asked for. */
  readonly reserved: boolean;
  /** The tournament whose game this is (it hears the result); null for any other match. */
  readonly tournamentId: string | null;
}

/** A creator's match: unrated, open to joiners. */
export function fromCreator(input: CreateMatch): NewMatch {
  return { ...input, creatorId: input.creator.pid, rated: false, reserved: false, tournamentId: null };
}

/** A Matchmaker's or a rematch's match: seats assigned, private only when a private match is played again. */
export function fromReserved(spec: ReservedMatch): NewMatch {
  return {
    gameId: spec.gameId,
    options: JSON.parse(spec.optionsJson),
    creatorId: null,
    isPrivate: spec.source === "rematch" && spec.private === true,
    rated: spec.rated,
    reserved: true,
    timeControl: spec.timeControl ?? (spec.turnMs === undefined ? undefined : { kind: "move", ms: spec.turnMs }),
    spectatorDelay: spec.spectatorDelay,
    graceMs: spec.graceMs,
    tournamentId: spec.tournament?.id ?? null,
  };
}

/** The config, seed and engine of a new match with id `matchId`, made at `now`; or why it can't be made. */
export function configure(
  matchId: string,
  input: NewMatch,
  now: number,
): Result<{ config: MatchConfig; seed: string; engine: Engine }, "unknown-game" | "bad-options"> {
  const game = findGame(input.gameId);
  if (!game) return fail("unknown-game", `no game called ${input.gameId}`);
  const options = parseOptions(game, input.options);
  if (!options.ok) return options;
  const seed = nanoid(32);
  const timeControl = input.timeControl ?? game.defaultTimeControl;
  const config: MatchConfig = {
    matchId,
    gameId: game.id,
    options: options.value,
    capacity: game.maxPlayers,
    minPlayers: game.minPlayers,
    timeControl,
    spectatorDelay: input.spectatorDelay ?? null,
    graceMs: input.graceMs ?? LIMITS.defaultGraceMs,
    createdAt: now,
    creatorId: input.creatorId,
    isPrivate: input.isPrivate,
    rated: input.rated,
    reserved: input.reserved,
    tournamentId: input.tournamentId,
  };
  return ok({ config, seed, engine: createEngine(game, options.value, seed, timeControl) });
}

/** Logs a match just created. */
export function logCreated({ matchId, gameId, isPrivate, rated, reserved }: MatchConfig): void {
  log("info", "match-created", { matchId, gameId, private: isPrivate, rated, reserved });
}

/** Whether `bots` can sit beside a creator in `gameId` (an unknown game is refused later, as such). */
export function checkBots(gameId: string, bots: readonly BotKind[]): Result<true, "bad-bots"> {
  const game = findGame(gameId);
  if (!game) return ok(true);
  if (bots.length > game.maxPlayers - 1) {
    return fail("bad-bots", `${game.name} has room for ${game.maxPlayers - 1} bot(s) beside you`);
  }
  const unsupported = bots.find((kind) => !botFor(kind, game));
  return unsupported ? fail("bad-bots", `there is no ${unsupported} bot for ${game.name}`) : ok(true);
}

/** The match `pid` may join now, or why not. */
export function mayJoin(loaded: Loaded | Archive | null, pid: string): Result<Loaded, JoinError> {
  if (!loaded) return fail("not-found", "no such match");
  // An earlier game of a series, asked for by its id: over, nobody joins or starts it.
  if ("summary" in loaded) return fail("match-full", "this game is over; its players have moved on to the next");
  if (loaded.seats.some((seat) => seat.pid === pid))
    return fail("already-joined", "you already hold a seat in this match");
  if (loaded.config.reserved || loaded.state.status !== "waiting" || loaded.seats.length >= loaded.config.capacity) {
    return fail("match-full", "every seat of this match is taken");
  }
  return ok(loaded);
}

/** The match `pid` may start now (only its creator may, with enough players), or why not. */
export function mayStart(loaded: Loaded | Archive | null, pid: string): Result<Loaded, StartError> {
  if (!loaded) return fail("not-found", "no such match");
  if ("summary" in loaded) return fail("already-started", "this game is over; its players have moved on to the next");
  if (loaded.config.creatorId !== pid) return fail("not-creator", "only the match's creator can start it");
  if (loaded.state.status !== "waiting") return fail("already-started", "the match has started already");
  if (loaded.seats.length < loaded.config.minPlayers) {
    return fail("not-enough-players", `${loaded.config.minPlayers} players are needed to start`);
  }
  return ok(loaded);
}

/** The events that seat `players` after the seats taken, and start the match when it is full (or `startNow`). */
export function seatingEvents(loaded: Loaded, players: readonly { name: string }[], startNow: boolean): MatchEvent[] {
  const first = loaded.seats.length;
  const events: MatchEvent[] = players.map(({ name }, index) => ({ kind: "join", seat: first + index, name }));
  const seated = first + players.length;
  const full = seated >= loaded.config.capacity && !loaded.config.reserved;
  if (full || startNow) events.push({ kind: "start", players: seated });
  return events;
}

/**
 * `seat` asks for a rematch (in the cache; the caller writes it): the id fixed for the new match
 * when this was the last seat to ask, else null; undefined when the seat had asked already.
 */
export function offerRematch(loaded: Loaded, seat: Seat): string | null | undefined {
  const row = loaded.seats[seat];
  if (!row || row.rematch) return undefined;
  row.rematch = true;
  const everyone = loaded.seats.every((other) => other.rematch);
  // The next game of the series: the id is fixed before it starts, so a retry starts it once.
  return everyone && loaded.rematchId === null ? nextGameId(loaded.config.matchId) : null;
}

/** Logs a match's start or end, as a commit brings it (`loaded` is the match after the commit). */
export function logTransition(loaded: Loaded, started: boolean, finished: boolean, now: number): void {
  const { matchId, gameId } = loaded.config;
  const { state, seq } = loaded;
  if (started) log("info", "match-started", { matchId, gameId, players: state.players });
  if (!finished) return;
  const durationMs = loaded.startedAt === null ? null : now - loaded.startedAt;
  const { result, moves } = state;
  log("info", "match-ended", { matchId, gameId, result: result?.kind, reason: result?.reason, moves, seq, durationMs });
}
