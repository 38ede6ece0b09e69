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
import { deliver, matchReports, rematchPlayers, rematchSpec } from "./outbox.ts";
import type { Archived, Loaded, MatchConfig, MatchStore, NewSeat } from "./store.ts";
import type { SeatedPlayer } from "../contracts.ts";
import type { Timers } from "./timers.ts";
import type { MatchSummary } from "../../shared/protocol.ts";

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
