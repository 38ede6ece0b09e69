/**
 * Seat (colour) balance for two-player tournament games: who takes seat 0 (White in chess,
 * the first mover in most games). Pure; arena and Swiss share it.
 */

/** How often a player has sat in each seat, and where they sat last. */
export interface SeatHistory {
  readonly seat0: number;
  readonly seat1: number;
  /** The seat of their last game; null before their first. */
  readonly last: 0 | 1 | null;
}

/** No games yet. */
export const NO_SEATS: SeatHistory = { seat0: 0, seat1: 0, last: null };

/** The history after one more game in `seat`. */
export function sat(history: SeatHistory, seat: 0 | 1): SeatHistory {
  return seat === 0
    ? { seat0: history.seat0 + 1, seat1: history.seat1, last: 0 }
    : { seat0: history.seat0, seat1: history.seat1 + 1, last: 1 };
}

/**
 * Orders two players as [seat 0, seat 1]. The one who has had seat 0 fewer times (relative to
 * seat 1) takes it; on a tie, the one who sat in seat 1 last; on a tie again, `a` (callers pass
 * the better placed player first).
 */
export function seatOrder<T extends { readonly seats: SeatHistory }>(a: T, b: T): [T, T] {
  const da = a.seats.seat0 - a.seats.seat1;
  const db = b.seats.seat0 - b.seats.seat1;
  if (da !== db) return da < db ? [a, b] : [b, a];
  if (a.seats.last !== b.seats.last) {
    if (a.seats.last === 1 || b.seats.last === 0) return [a, b];
    if (b.seats.last === 1 || a.seats.last === 0) return [b, a];
  }
  return [a, b];
}
