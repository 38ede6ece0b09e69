/**
 * Arena pairing: pure. Whoever is free (not playing, not paused) is paired with the free
 * player closest in score, never twice in a row with the same opponent unless both have
 * waited `repeatAfterMs` for anyone else (or nobody else is there to play).
 */
import { seatOrder, type SeatHistory } from "./seats.ts";

/** A free player, as the pairing pass sees them. */
export interface ArenaCandidate {
  readonly pid: string;
  readonly score: number;
  /** Their place in the standings or, before any, join order: closer in the list is closer in score. */
  readonly order: number;
  /** Their last game's opponent, if any: an immediate repeat is avoided. */
  readonly lastOpponent: string | null;
  /** Since when they wait. */
  readonly freeSince: number;
  readonly seats: SeatHistory;
}

export interface ArenaRules {
  /** Two players who just met meet again only once both have waited this long for anyone else. */
  readonly repeatAfterMs: number;
}

export const ARENA_RULES: ArenaRules = { repeatAfterMs: 10_000 };

/** A pairing: seat 0 first. */
export type ArenaPair = readonly [string, string];

/**
 * Pairs the free players. `active` is how many entrants could play at all (free or busy, not
 * paused or withdrawn): when only these two exist, a repeat is the only game there is.
 * `retryAt`: when a player left waiting for a repeat could be paired, if that is what they wait for.
 */
export function pairArena(
  free: readonly ArenaCandidate[],
  now: number,
  active: number,
  rules: ArenaRules = ARENA_RULES,
): { pairs: ArenaPair[]; retryAt: number | null } {
  const queue = [...free].sort((a, b) => b.score - a.score || a.order - b.order);
  const pairs: ArenaPair[] = [];
  let retryAt: number | null = null;
  while (queue.length >= 2) {
    const first = queue[0] as ArenaCandidate;
    // The closest in score who is not the one they just played.
    let index = queue.findIndex((other, at) => at > 0 && !justMet(first, other));
    if (index < 0) {
      const other = queue[1] as ArenaCandidate;
      const since = Math.max(first.freeSince, other.freeSince);
      if (active <= 2 || now - since >= rules.repeatAfterMs) index = 1;
      else {
        // `first` waits for someone new (or for the repeat to be allowed).
        const at = since + rules.repeatAfterMs;
        retryAt = retryAt === null ? at : Math.min(retryAt, at);
        queue.shift();
        continue;
      }
    }
    const [other] = queue.splice(index, 1) as [ArenaCandidate];
    queue.shift();
    const [seat0, seat1] = seatOrder(first, other);
    pairs.push([seat0.pid, seat1.pid]);
  }
  return { pairs, retryAt };
}

function justMet(a: ArenaCandidate, b: ArenaCandidate): boolean {
  return a.lastOpponent === b.pid || b.lastOpponent === a.pid;
}
