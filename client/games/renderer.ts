/** What a game's renderer is given and must do: one module per game in this folder. */
import type { MatchResult, Seat } from "../../shared/game.ts";

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
  /**
   * For games whose moves are written against the game so far (chess's SAN): a fresh record
   * for one move list. Its move list is drawn in numbered pairs, with the position to copy and
   * the finished game to download.
   */
  record?(): GameRecord;
}

/** A game followed move by move (see `Renderer.record`). */
export interface GameRecord {
  /** Plays the next move and answers how the move list writes it; null if it does not fit. */
  play(move: unknown): string | null;
  /** A copy to play moves on without changing this one. */
  fork(): GameRecord;
  /** The position now, as players copy it (chess: FEN). */
  readonly fen: string;
  /** The game as a file players keep (chess: PGN). */
  pgn(headers: {
    white: string;
    black: string;
    site?: string;
    playedAt?: number;
    result: MatchResult | null;
    event?: string;
  }): string;
}
