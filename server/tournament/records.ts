/**
 * The Tournament object's writes of pairings and results, each called inside the caller's
 * transaction: a pairing and its players' `playing` marks commit together, and so do a result,
 * its players' tallies and their release.
 */
import { nanoid } from "nanoid";
import type { TournamentGameResult } from "../contracts.ts";
import type { ArenaPair } from "./arena.ts";
import { TOURNAMENT_TIMES } from "./config.ts";
import { scoreBye, scoreGame, type GameScore } from "./scoring.ts";
import type { GameRow, TournamentStore } from "./store.ts";
import type { Loaded } from "./views.ts";

/** Writes new pairings (a game row each, both players seated); their match ids, to create. */
export function writePairs(
  store: TournamentStore,
  round: number | null,
  pairs: readonly ArenaPair[],
  now: number,
): string[] {
  // Should this object die before the creations, the alarm creates what is left.
  if (pairs.length > 0) store.armBy("create", now + TOURNAMENT_TIMES.retryMs);
  return pairs.map(([p0, p1]) => {
    const matchId = nanoid();
    store.addGame(matchId, round, p0, p1, now);
    store.seat(matchId, p0, p1);
    return matchId;
  });
}

/** A Swiss bye: recorded for the round, and scored. */
export function writeBye(store: TournamentStore, round: number, pid: string): void {
  const entrant = store.entrant(pid);
  store.addBye(round, pid);
  if (entrant) store.setScore(pid, scoreBye({ score: entrant.score, streak: entrant.streak }));
}

/** A finished game: its score, both players' tallies (when it counts), and both players freed. */
export function writeResult(
  store: TournamentStore,
  loaded: Loaded,
  game: GameRow,
  score0: GameScore | null,
  result: TournamentGameResult,
  now: number,
): void {
  store.finishGame(game.matchId, score0, result.reason, result.finishedAt);
  for (const [pid, mine] of [
    [game.p0, score0],
    [game.p1, score0 === null ? null : 1 - score0],
  ] as const) {
    const entrant = store.entrant(pid);
    const tally =
      entrant && mine !== null
        ? scoreGame(loaded.config.kind, { score: entrant.score, streak: entrant.streak }, mine as GameScore)
        : null;
    store.release(pid, game.matchId, now, tally);
  }
}
