/**
 * Tournament scoring and standings: pure functions over the games and byes, no I/O. The
 * Tournament object calls `scoreGame` as each result arrives (to pair by score at once) and
 * `standings` to rank everyone with their tie-breaks; both fold the same rule.
 *
 * - Arena: a win 2, a draw 1, a loss 0; after two wins in a row each further win counts 4 (a
 *   streak), until a game is not won. Ranked by score, then performance, then fewer games.
 * - Swiss: a win 1, a draw ½, a loss 0, a bye 1. Ranked by score, then Buchholz (the sum of the
 *   opponents' scores), then Sonneborn–Berger (the sum of the scores of the opponents beaten,
 *   and half those drawn), then rating, then who joined first.
 */
import type { EntrantState, StandingRow, TournamentKind } from "../../shared/tournament.ts";

/** One player's score from one game: 1 a win, ½ a draw, 0 a loss. */
export type GameScore = 0 | 0.5 | 1;

/** What a player has made so far (what `scoreGame` updates). */
export interface Tally {
  readonly score: number;
  /** Wins in a row now (arena streaks). */
  readonly streak: number;
}

export const EMPTY_TALLY: Tally = { score: 0, streak: 0 };

/** The points a game is worth to a player in an arena, and their streak after it. */
export function arenaPoints(streak: number, result: GameScore): { points: number; streak: number } {
  if (result === 1) return { points: streak >= 2 ? 4 : 2, streak: streak + 1 };
  return { points: result === 0.5 ? 1 : 0, streak: 0 };
}

/** A player's tally after one more game. */
export function scoreGame(kind: TournamentKind, tally: Tally, result: GameScore): Tally {
  if (kind === "arena") {
    const { points, streak } = arenaPoints(tally.streak, result);
    return { score: tally.score + points, streak };
  }
  return { score: tally.score + result, streak: result === 1 ? tally.streak + 1 : 0 };
}

/** A player's tally after a bye (Swiss: it scores as a win; it does not count as a game). */
export function scoreBye(tally: Tally): Tally {
  return { score: tally.score + 1, streak: tally.streak };
}

/** An entrant as standings need them. */
export interface StandingEntrant {
  readonly pid: string;
  readonly name: string;
  readonly rating: number;
  /** Join order, the last tie-break. */
  readonly order: number;
  readonly state: EntrantState;
  readonly playing: string | null;
}

/** A game as standings need it; only finished games with a score count. */
export interface StandingGame {
  readonly matchId: string;
  readonly p0: string;
  readonly p1: string;
  /** Seat 0's score; null while running or when the game did not count (aborted). */
  readonly score0: GameScore | null;
  /** Games are folded in the order they ended (streaks depend on it), then by match id. */
  readonly endedAt: number | null;
}

interface Acc {
  tally: Tally;
  games: number;
  wins: number;
  draws: number;
  losses: number;
  byes: number;
  /** Per game: the opponent and this player's score against them. */
  met: { opponent: string; result: GameScore }[];
}

/** Everyone ranked, with their tie-breaks. */
export function standings(
  kind: TournamentKind,
  entrants: readonly StandingEntrant[],
  games: readonly StandingGame[],
  byes: readonly string[],
): StandingRow[] {
  const acc = new Map<string, Acc>();
  for (const entrant of entrants) {
    acc.set(entrant.pid, { tally: EMPTY_TALLY, games: 0, wins: 0, draws: 0, losses: 0, byes: 0, met: [] });
  }
  const played = games
    .filter((game) => game.score0 !== null && game.endedAt !== null)
    .sort(
      (a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0) || (a.matchId < b.matchId ? -1 : a.matchId > b.matchId ? 1 : 0),
    );
  for (const game of played) {
    const score0 = game.score0 as GameScore;
    const sides: [string, string, GameScore][] = [
      [game.p0, game.p1, score0],
      [game.p1, game.p0, (1 - score0) as GameScore],
    ];
    for (const [pid, opponent, result] of sides) {
      const row = acc.get(pid);
      if (!row) continue;
      row.tally = scoreGame(kind, row.tally, result);
      row.games++;
      if (result === 1) row.wins++;
      else if (result === 0.5) row.draws++;
      else row.losses++;
      row.met.push({ opponent, result });
    }
  }
  for (const pid of byes) {
    const row = acc.get(pid);
    if (!row) continue;
    row.tally = scoreBye(row.tally);
    row.byes++;
  }
  const ratings = new Map(entrants.map((entrant) => [entrant.pid, entrant.rating]));
  const scoreOf = (pid: string) => acc.get(pid)?.tally.score ?? 0;
  const rows = entrants.map((entrant) => {
    const row = acc.get(entrant.pid) as Acc;
    const buchholz = row.met.reduce((sum, game) => sum + scoreOf(game.opponent), 0);
    const sonnebornBerger = row.met.reduce((sum, game) => sum + game.result * scoreOf(game.opponent), 0);
    const performance =
      row.games === 0
        ? null
        : Math.round(
            row.met.reduce((sum, game) => sum + (ratings.get(game.opponent) ?? entrant.rating), 0) / row.games +
              (400 * (row.wins - row.losses)) / row.games,
          );
    return { entrant, row, buchholz, sonnebornBerger, performance };
  });
  rows.sort((a, b) => {
    const byScore = b.row.tally.score - a.row.tally.score;
    if (byScore !== 0) return byScore;
    if (kind === "swiss") {
      const byBuchholz = b.buchholz - a.buchholz;
      if (byBuchholz !== 0) return byBuchholz;
      const bySb = b.sonnebornBerger - a.sonnebornBerger;
      if (bySb !== 0) return bySb;
      const byRating = b.entrant.rating - a.entrant.rating;
      if (byRating !== 0) return byRating;
    } else {
      // Nobody's performance yet (no game) ranks after any performance.
      const pa = a.performance ?? Number.NEGATIVE_INFINITY;
      const pb = b.performance ?? Number.NEGATIVE_INFINITY;
      if (pa !== pb) return pb > pa ? 1 : -1;
      const byGames = a.row.games - b.row.games;
      if (byGames !== 0) return byGames;
    }
    return a.entrant.order - b.entrant.order;
  });
  return rows.map(
    ({ entrant, row, buchholz, sonnebornBerger, performance }, index): StandingRow => ({
      rank: index + 1,
      playerId: entrant.pid,
      name: entrant.name,
      score: row.tally.score,
      games: row.games,
      wins: row.wins,
      draws: row.draws,
      losses: row.losses,
      streak: kind === "arena" ? row.tally.streak : 0,
      byes: row.byes,
      buchholz,
      sonnebornBerger,
      performance,
      rating: Math.round(entrant.rating),
      state: entrant.state,
      playing: entrant.playing,
    }),
  );
}
