/**
 * Glicko-2 ratings, one per player per game. The maths is glicko2-lite's; this module fixes the
 * system's constants and treats each rated match as one rating period against its opponents.
 */
import rate from "glicko2-lite";
import type { Rating } from "../shared/protocol.ts";

export type { Rating };

/** Where every player starts (Glickman's suggested defaults). */
export const INITIAL_RATING: Rating = { rating: 1500, rd: 350, vol: 0.06 };

/** The system constant τ: how much volatility may change; Glickman suggests 0.3–1.2. */
export const TAU = 0.5;

/** A result against one opponent, from the rated player's side: 1 win, 0.5 draw, 0 loss. */
export interface Outcome {
  readonly opponent: Rating;
  readonly score: 0 | 0.5 | 1;
}

/** The rating after one rating period with these outcomes. */
export function rated(player: Rating, outcomes: readonly Outcome[]): Rating {
  if (outcomes.length === 0) return player;
  // glicko2-lite takes opponents as [rating, rd, score].
  const next = rate(
    player.rating,
    player.rd,
    player.vol,
    outcomes.map(({ opponent, score }) => [opponent.rating, opponent.rd, score] as [number, number, number]),
    { rating: INITIAL_RATING.rating, tau: TAU },
  );
  return { rating: next.rating, rd: next.rd, vol: next.vol };
}
