/** What a game's renderer is given and must do: one module per game, `client/games/<id>/renderer.ts`. */
import type { TimeControl } from "../../shared/clock.ts";
import type { GameResult, MatchResult, MoveOf, Seat, ViewOf } from "../../shared/game.ts";
import type { GameId, GameOf } from "../../shared/games/index.ts";

/** `V` is the game's view (what its rules show a viewer), `M` its move. */
export interface RenderContext<V = unknown, M = unknown> {
  /** The game view (as the server sent it for this viewer); null before the match starts. */
  readonly view: V | null;
  /** The seat this browser plays, or null when watching or replaying. */
  readonly mySeat: Seat | null;
  /** True when a move from this browser would be accepted now (as far as the client knows). */
  readonly canMove: boolean;
  /** Sends a move; the renderer never checks rules itself (the SDK runs the shared rules). */
  readonly play: (move: M) => void;
  /** The move that led to `view`, for games whose view does not say (highlighted). */
  readonly lastMove?: M;
}

/**
 * A game's renderer. Members are methods so that every `Renderer<V, M>` is a `Renderer` (what
 * the generic pages hold). The optional members are the hooks by which a game changes what
 * the generic pages show, instead of the pages naming games.
 */
export interface Renderer<V = unknown, M = unknown> {
  /** Draws `context` into `root`, reusing what is there so the layout never jumps. */
  render(root: HTMLElement, context: RenderContext<V, M>): void;
  /** A short text for a logged move, for the move list ("column 4", "centre"). */
  describe(move: M): string;
  /** What each seat plays with, for seat cards and the turn line ("Red", "Yellow"; "X", "O"). */
  readonly pieces: readonly string[];
  /** A sentence for a refusal by the game's rules (`reason` is the game's code), if it has a better one. */
  explain?(reason: string, move: M): string | null;
  /**
   * How people say the game's result reasons, for the result line: a phrase ("four-in-a-row":
   * "four in a row"), or a function for a sentence that names the players or depends on the result.
   */
  readonly reasons?: Readonly<Record<string, ResultReason>>;
  /** The text on a seat's token (tic-tac-toe: its X or O); absent: the token is a plain coloured piece. */
  token?(seat: Seat): string;
  /** Clocks the lobby offers for this game besides its default and the blitz ones (chess: correspondence). */
  readonly controls?: readonly TimeControl[];
  /**
   * For games whose moves are written against the game so far (chess's SAN): a fresh record
   * for one move list. Its move list is drawn in numbered pairs, with the position to copy and
   * the finished game to download.
   */
  record?(): GameRecord;
}

/** A result reason as people say it: a phrase, or the whole sentence made from the result and who played. */
export type ResultReason = string | ((result: GameResult, names: ResultNames) => string);

/** The players of a finished match as the result line names them, from this viewer's side ("You", "Bob"). */
export interface ResultNames {
  /** The winners, joined with "and" ("You", "Alice and Bob"); empty for a draw. */
  readonly winners: string;
  /** The other seats (every seat, for a draw), joined the same way. */
  readonly losers: string;
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

/** The renderer of game `K`, typed by its rules' view and move. */
export type RendererOf<K extends GameId> = Renderer<ViewOf<GameOf<K>>, MoveOf<GameOf<K>>>;
/** What the renderer of game `K` is given. */
export type RenderContextOf<K extends GameId> = RenderContext<ViewOf<GameOf<K>>, MoveOf<GameOf<K>>>;
