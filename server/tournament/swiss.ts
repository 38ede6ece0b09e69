/**
 * Swiss pairing: pure and deterministic, so a round can be recomputed and checked by hand.
 *
 * Players are ranked by score, then rating, then join order. With an odd number, the
 * lowest-ranked player who has not had a bye gets it. Then, from the top, each unpaired player
 * meets, within their score group, the player at the top of the group's lower half (1 v 3 and
 * 2 v 4 in a group of four: the Dutch system's first choice), else the next ones down, else
 * those above in the group; a player left over meets the best-placed player of the next group.
 * Nobody meets an opponent twice while some pairing avoids it: the search backtracks (within
 * a budget), and only when no repeat-free pairing is found does it pair greedily, repeats last.
 * Seats are then balanced (see seats.ts).
 *
 * Why not the `tournament-pairings` package (installed, version 2)? It pairs Swiss rounds well
 * (weighted blossom matching) but: it shuffles players with Math.random, so a round cannot be
 * reproduced or checked against a hand-computed table; it mutates the players it is given; its
 * repeat avoidance is a hard constraint, so late rounds of a small event come back with
 * several byes instead of one repeat; and it is GPL-3.0-or-later, a licence the whole Worker
 * bundle would then carry. The rules above fit in a
 * page and are tested table by table in test/unit/tournament-swiss.test.ts.
 */
import { seatOrder, type SeatHistory } from "./seats.ts";

/** A player as a round's pairing sees them. */
export interface SwissPlayer {
  readonly pid: string;
  readonly score: number;
  readonly rating: number;
  /** Join order. */
  readonly order: number;
  /** Everyone they have played (repeats allowed in the list). */
  readonly opponents: readonly string[];
  readonly byes: number;
  readonly seats: SeatHistory;
}

/** A round's pairing: games with seat 0 first, and who has the bye. */
export interface SwissRound {
  readonly pairs: readonly (readonly [string, string])[];
  readonly bye: string | null;
  /** Games between players who met before (0 unless no repeat-free pairing was found). */
  readonly repeats: number;
}

/** Steps of backtracking before falling back to allowing repeats. */
export const SWISS_SEARCH_BUDGET = 50_000;

/** The ranking pairing works from. */
export function swissRank<T extends SwissPlayer>(players: readonly T[]): T[] {
  return [...players].sort((a, b) => b.score - a.score || b.rating - a.rating || a.order - b.order);
}

/** Pairs one round. */
export function pairSwiss(players: readonly SwissPlayer[], budget = SWISS_SEARCH_BUDGET): SwissRound {
  const ranked = swissRank(players);
  let bye: SwissPlayer | null = null;
  if (ranked.length % 2 === 1) {
    const lowest = [...ranked].reverse();
    bye = lowest.find((player) => player.byes === 0) ?? (lowest[0] as SwissPlayer);
    ranked.splice(ranked.indexOf(bye), 1);
  }
  const met = (a: SwissPlayer, b: SwissPlayer) => a.opponents.includes(b.pid);
  let steps = 0;
  const search = (rest: readonly SwissPlayer[]): [SwissPlayer, SwissPlayer][] | null => {
    if (rest.length === 0) return [];
    const [first, ...others] = rest as [SwissPlayer, ...SwissPlayer[]];
    for (const other of candidates(first, others)) {
      if (met(first, other)) continue;
      if (++steps > budget) return null;
      const after = search(others.filter((player) => player !== other));
      if (after) return [[first, other], ...after];
      if (steps > budget) return null;
    }
    return null;
  };
  let games = search(ranked);
  if (games === null) {
    // No repeat-free pairing found: the same order, but the first opponent not yet met, else the first.
    games = [];
    const rest = [...ranked];
    while (rest.length >= 2) {
      const first = rest.shift() as SwissPlayer;
      const order = candidates(first, rest);
      const other = order.find((player) => !met(first, player)) ?? (order[0] as SwissPlayer);
      rest.splice(rest.indexOf(other), 1);
      games.push([first, other]);
    }
  }
  return {
    pairs: games.map(([a, b]) => {
      const [seat0, seat1] = seatOrder(a, b);
      return [seat0.pid, seat1.pid] as const;
    }),
    bye: bye?.pid ?? null,
    repeats: games.filter(([a, b]) => met(a, b)).length,
  };
}

/** The opponents `first` (the best-placed unpaired player) should meet, best first. */
function candidates(first: SwissPlayer, others: readonly SwissPlayer[]): SwissPlayer[] {
  const group = others.filter((player) => player.score === first.score);
  const below = others.filter((player) => player.score !== first.score);
  // `first` tops a group of group.length + 1; its lower half starts at index half - 1 of `group`.
  const half = Math.floor((group.length + 1) / 2);
  const lowerHalf = group.slice(Math.max(0, half - 1));
  const upperHalf = group.slice(0, Math.max(0, half - 1)).reverse();
  return [...lowerHalf, ...upperHalf, ...below];
}
