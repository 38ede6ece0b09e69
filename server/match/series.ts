/**
 * A series: the agreed rematch is played as the next game in the same object, on the same
 * sockets, under the id `<first game's id>.<n>` (docs/protocol.md). Creating an object, running
 * its schema and opening new sockets for every game cost more than a game of Connect Four's
 * moves; the next game here costs one transaction. This module gets the switch ready: the old
 * game's deliveries that read the current game go out first, and the new game is configured.
 * The Match then archives the old game and seats the new one in one commit (store.restart).
 */
import type { Engine } from "../../shared/engine.ts";
import * as lifecycle from "./lifecycle.ts";
import { DESTINATIONS, deliver, matchReports } from "./outbox.ts";
import type { Archived, Loaded, MatchConfig, MatchStore, NewSeat } from "./store.ts";
import { botPlayer } from "../bots.ts";
import type { ReservedMatch, SeatedPlayer } from "../contracts.ts";
import { INITIAL_RATING } from "../ratings.ts";
import type { Timers } from "./timers.ts";
import type { MatchSummary } from "../../shared/protocol.ts";

/**
 * The rematch as the new match is asked to create it: the same settings, seats rotated by one.
 * `players` are the rotated seats with the ratings they bring.
 */
export function rematchSpec(loaded: Loaded, players: readonly SeatedPlayer[]): ReservedMatch {
  return {
    gameId: loaded.config.gameId,
    optionsJson: JSON.stringify(loaded.config.options),
    players,
    rated: loaded.config.rated,
    startNow: true,
    source: "rematch",
    private: loaded.config.isPrivate,
    timeControl: loaded.config.timeControl,
    spectatorDelay: loaded.config.spectatorDelay,
    graceMs: loaded.config.graceMs,
  };
}

/**
 * The players of the agreed rematch, seats rotated by one. A rated one takes the players'
 * ratings from their records, which hear of this result first (a repeated report is ignored).
 */
export async function rematchPlayers(
  env: Env,
  loaded: Loaded,
  now: number,
  store: MatchStore,
): Promise<SeatedPlayer[]> {
  if (loaded.config.rated) await DESTINATIONS.report(env, loaded, now, store);
  // A bot is named for the seat it takes (bot-<kind>-<seat>); a person brings their rating.
  return Promise.all(
    rotatedSeats(loaded.seats).map(async (seat, index) =>
      seat.bot
        ? botPlayer(seat.bot, index)
        : {
            pid: seat.pid,
            name: seat.name,
            rating: loaded.config.rated
              ? await env.Player.getByName(seat.pid).rating(loaded.config.gameId)
              : INITIAL_RATING,
          },
    ),
  );
}

/** The seats of a rematch: rotated by one, so everyone plays from another seat. */
export function rotatedSeats<T>(seats: readonly T[]): T[] {
  return [...seats.slice(1), ...seats.slice(0, 1)];
}

/** The next game, ready to be written: its config, seed and engine, its players, and the old game as archived. */
export interface NextGame {
  readonly config: MatchConfig;
  readonly seed: string;
  readonly engine: Engine;
  readonly players: readonly NewSeat[];
  readonly archived: Archived;
}

/**
 * Readies the next game of `loaded`'s series (its id fixed when the last player asked); null when
 * another object could not be reached (the `rematch` timer retries). `summary` is the old game's
 * final summary, which its id keeps serving.
 */
export async function prepareNextGame(
  env: Env,
  loaded: Loaded,
  store: MatchStore,
  timers: Timers,
  summary: MatchSummary,
  now: number,
): Promise<NextGame | null> {
  const matchId = loaded.rematchId;
  if (!matchId) return null;
  // The lobby and a tournament read the current game: they hear of its end before it is archived.
  for (const kind of ["directory", "tournament"] as const) {
    if (!timers.pending({ kind })) continue;
    if (!(await deliver(kind, env, loaded, now, store))) return null;
    timers.clear({ kind });
  }
  let players: SeatedPlayer[];
  try {
    players = await rematchPlayers(env, loaded, now, store);
  } catch {
    return null;
  }
  // A rated game's reports went out with the ratings; an unrated one's wait for the report timer, in the archive.
  if (loaded.config.rated) timers.clear({ kind: "report" });
  const reports = timers.pending({ kind: "report" }) ? matchReports(loaded, now) : [];
  const made = lifecycle.configure(matchId, lifecycle.fromReserved(rematchSpec(loaded, players)), now);
  // The settings are those of a game that was played: a refusal here is a defect.
  if (!made.ok)
    throw new Error(`the next game of ${loaded.config.matchId} could not be configured: ${made.error.code}`);
  return { ...made.value, players, archived: { summary, reports } };
}

/** The cache of a next game before its first commit: nobody seated, nothing logged. */
export function blankGame(next: NextGame, base: number): Loaded {
  const { config, seed, engine } = next;
  const state = engine.initial();
  return { config, engine, seed, state, seq: 0, seats: [], startedAt: null, finishedAt: null, rematchId: null, base };
}
