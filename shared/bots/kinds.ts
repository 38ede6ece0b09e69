/** The kinds of server-side bot, weakest first, and what a bot is: the protocol names them without importing any bot. */
import type { AnyGame, Seat } from "../game.ts";
import type { Random } from "../random.ts";

export const BOT_KINDS = ["random", "search"] as const;
export type BotKind = (typeof BOT_KINDS)[number];

/** A move chooser for the games it supports. */
export interface Bot {
  readonly kind: BotKind;
  /** What the UI calls it. */
  readonly label: string;
  supports(game: AnyGame): boolean;
  /**
   * A move `game.validate` accepts for `seat`, which must be active in `state` (the game's own
   * state, never mutated). Throws only on a defect: an unsupported game, or no legal move.
   */
  choose(game: AnyGame, state: unknown, seat: Seat, random: Random): unknown;
}
