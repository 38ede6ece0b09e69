/**
 * Small helpers of the SDK (client/sdk.ts): the optimistic view, the random source its apply
 * is given, and the default move ids.
 */
import { hasHiddenInformation } from "../shared/engine.ts";
import type { AnyGame, Seat } from "../shared/game.ts";
import type { MatchView } from "../shared/protocol.ts";
import type { Random } from "../shared/random.ts";
import type { PendingMove } from "./sdk-types.ts";

/** Randomness stays on the server: an optimistic apply that needs it is skipped. */
const serverSide = (): never => {
  throw new Error("randomness is server-side");
};
export const NO_RANDOM: Random = { next: serverSide, int: serverSide, shuffle: serverSide, state: serverSide };

/** A move id: 20 characters from 12 random bytes. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (byte) => byte.toString(36).padStart(2, "0"))
    .join("")
    .slice(0, 20);
}

/**
 * The confirmed view with `seat`'s pending moves applied on top (for games without hidden
 * information, whose view is the whole state). A pending move the rules no longer allow on the
 * state it would follow (the server is about to refuse it: another tab moved first) is not
 * shown, nor any after it. While the log (last seq `logSeq`) catches up on a newer state
 * (after a reconnect), pending moves may be in that state already: none is shown.
 */
export function withPending(
  confirmed: MatchView | null,
  game: AnyGame | null,
  seat: Seat | null,
  pending: readonly PendingMove[],
  logSeq: number,
): MatchView | null {
  if (!confirmed || !game || hasHiddenInformation(game) || pending.length === 0 || seat === null) return confirmed;
  if (confirmed.status !== "playing" || logSeq < confirmed.seq) return confirmed;
  let state: unknown = confirmed.view;
  let moves = confirmed.moves;
  try {
    for (const { move } of pending) {
      if (!game.activeSeats(state).includes(seat) || game.validate(state, seat, move)) break;
      state = game.apply(state, seat, move, NO_RANDOM);
      moves += 1;
    }
  } catch {
    // A game whose moves need chance: show the confirmed view until the server answers.
    return confirmed;
  }
  if (moves === confirmed.moves) return confirmed;
  const outcome = game.outcome(state);
  const seats = outcome ? [] : [...game.activeSeats(state)];
  // The clocks stay the server's (its numbers from the last frame): only the server knows when
  // the move lands, so it alone charges the time and starts the next clock.
  return {
    ...confirmed,
    view: state,
    moves,
    status: outcome ? "finished" : confirmed.status,
    result: outcome ?? confirmed.result,
    turn: confirmed.turn && seats.length > 0 ? { ...confirmed.turn, seats } : null,
    // A move withdraws every offer but the mover's own (as the engine does).
    drawOffers: confirmed.drawOffers.filter((offerer) => offerer === seat),
  };
}
