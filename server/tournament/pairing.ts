/**
 * The inputs of a pairing pass, read from the store for the pure rules (arena.ts, swiss.ts),
 * and the score a finished game gives its first player. Reads only: the Tournament object
 * writes the pairings.
 */
import type { TournamentGameResult } from "../contracts.ts";
import { pairArena, type ArenaPair, type ArenaRules } from "./arena.ts";
import type { GameScore } from "./scoring.ts";
import type { Entrant, GameRow, TournamentStore } from "./store.ts";
import { pairSwiss, type SwissRound } from "./swiss.ts";
import { rankByScore, type Loaded } from "./views.ts";

/** An arena pass over whoever is free: closeness in score, ties by standing (`order` is the place in the standings). */
export function arenaPass(
  store: TournamentStore,
  free: readonly Entrant[],
  now: number,
  rules: ArenaRules,
): { pairs: ArenaPair[]; retryAt: number | null } {
  const places = new Map(rankByScore(store).map((pid, index) => [pid, index]));
  return pairArena(
    free.map((entrant) => ({
      pid: entrant.pid,
      score: entrant.score,
      order: places.get(entrant.pid) ?? entrant.order,
      lastOpponent: entrant.lastOpponent,
      freeSince: entrant.freeSince,
      seats: entrant.seats,
    })),
    now,
    store.count("active"),
    rules,
  );
}

/** A Swiss round over the free entrants, with everyone's past opponents and byes. */
export function swissPass(store: TournamentStore, free: readonly Entrant[]): SwissRound {
  const games = store.games();
  const byes = store.byes();
  return pairSwiss(
    free.map((entrant) => ({
      pid: entrant.pid,
      score: entrant.score,
      rating: entrant.rating,
      order: entrant.order,
      opponents: games.flatMap((game) =>
        game.p0 === entrant.pid ? [game.p1] : game.p1 === entrant.pid ? [game.p0] : [],
      ),
      byes: byes.filter((pid) => pid === entrant.pid).length,
      seats: entrant.seats,
    })),
  );
}

/**
 * What a finished game gives its first player, or null when it doesn't count: an arena game
 * counts if it was paired before the end (no game is paired after it); an aborted game never counts.
 */
export function firstScore(loaded: Loaded, game: GameRow, result: TournamentGameResult): GameScore | null {
  const counts =
    result.outcome !== "aborted" &&
    !(loaded.config.kind === "arena" && game.createdAt >= (loaded.progress.endsAt ?? Infinity));
  return !counts
    ? null
    : result.outcome === "draw"
      ? 0.5
      : result.winners.includes(game.p0) === result.winners.includes(game.p1)
        ? 0.5
        : result.winners.includes(game.p0)
          ? 1
          : 0;
}
