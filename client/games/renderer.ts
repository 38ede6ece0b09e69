/** What a game's renderer is given and must do: one module per game in this folder. */
import type { Seat } from "../../shared/game.ts";

export interface RenderContext {
  /** The game view (as the server sent it for this viewer); null before the match starts. */
  readonly view: unknown;
  /** The seat this browser plays, or null when watching or replaying. */
  readonly mySeat: Seat | null;
  /** True when a move from this browser would be accepted now (as far as the client knows). */
  readonly canMove: boolean;
  /** Sends a move; the renderer never checks rules itself (the SDK runs the shared rules). */
  readonly play: (move: unknown) => void;
  /** The move that led to `view`, for games whose view does not say (highlighted). */
  readonly lastMove?: unknown;
}

export interface Renderer {
  /** Draws `context` into `root`, reusing what is there so the layout never jumps. */
  render(root: HTMLElement, context: RenderContext): void;
  /** A short text for a logged move, for the move list ("column 4", "centre"). */
  describe(move: unknown): string;
  /** What each seat plays with, for seat cards and the turn line ("Red", "Yellow"; "X", "O"). */
  readonly pieces: readonly string[];
  /** A sentence for a refusal by the game's rules (`reason` is the game's code), if it has a better one. */
  explain?(reason: string, move: unknown): string | null;
}
