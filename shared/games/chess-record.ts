/**
 * A chess game written the way chess players read it: each move in SAN as it is played, the
 * moves in numbered pairs ("1. e4 Nc6 2. Nf3"), the position as FEN, and the finished game as
 * PGN (written by chess.js). Moves are followed with the game's own rules (`chess.apply`), so
 * the SAN is exactly what the server recorded, whichever notation a move was sent in.
 */
import { Chess } from "chess.js";
import type { MatchResult } from "../game.ts";
import type { Random } from "../random.ts";
import { chess, type ChessState } from "./chess.ts";

/** Chess uses no chance: a random source that is never called. */
const NO_RANDOM: Random = {
  next: unused,
  int: unused,
  shuffle: unused,
  state: unused,
};

function unused(): never {
  throw new Error("chess uses no randomness");
}

/** What a PGN's header says about a game (the seven-tag roster, less Round, plus Termination). */
export interface PgnHeaders {
  readonly white: string;
  readonly black: string;
  readonly event?: string;
  readonly site?: string;
  /** When the game was played (epoch ms); written as PGN's YYYY.MM.DD in UTC. */
  readonly playedAt?: number;
  readonly result: MatchResult | null;
  /** Why the game ended, in words ("time forfeit", "White resigned"). */
  readonly termination?: string;
}

/** Follows a game of chess from the start, move by move. */
export class ChessRecord {
  #state: ChessState = chess.setup(2, {}, NO_RANDOM);
  readonly #san: string[] = [];

  /** Every move so far in SAN, White's first. */
  get san(): readonly string[] {
    return this.#san;
  }

  /** The position now, as FEN. */
  get fen(): string {
    return this.#state.fen;
  }

  /**
   * Plays `move` (UCI or SAN) for the side to move and answers its SAN; null when it is not a
   * legal move here (nothing changes).
   */
  play(move: unknown): string | null {
    if (typeof move !== "string") return null;
    const seat = this.#san.length % 2;
    if (this.#state.ended || chess.validate(this.#state, seat, move) !== null) return null;
    this.#state = chess.apply(this.#state, seat, move, NO_RANDOM);
    const san = this.#state.last?.san ?? move;
    this.#san.push(san);
    return san;
  }

  /** A copy to play moves on without changing this record (moves not yet confirmed). */
  fork(): ChessRecord {
    const copy = new ChessRecord();
    for (const san of this.#san) copy.play(san);
    return copy;
  }

  /** The moves as numbered pairs: "1. e4 Nc6 2. Nf3". */
  movetext(): string {
    return pairs(this.#san)
      .map((pair) => `${pair.number}. ${pair.white}${pair.black === null ? "" : ` ${pair.black}`}`)
      .join(" ");
  }

  /** The game as PGN, with its headers and result. */
  pgn(headers: PgnHeaders): string {
    const board = new Chess();
    for (const san of this.#san) board.move(san);
    board.setHeader("Event", headers.event ?? "Casual game");
    board.setHeader("Site", headers.site ?? "?");
    board.setHeader("Date", headers.playedAt === undefined ? "????.??.??" : pgnDate(headers.playedAt));
    board.setHeader("White", headers.white);
    board.setHeader("Black", headers.black);
    board.setHeader("Result", pgnResult(headers.result));
    if (headers.termination) board.setHeader("Termination", headers.termination);
    return `${board.pgn({ maxWidth: 80 })}\n`;
  }
}

/** One numbered line of a move list: White's move and Black's reply (null until it is played). */
export interface MovePair {
  readonly number: number;
  readonly white: string;
  readonly black: string | null;
}

/** Moves (White's first) as numbered pairs. */
export function pairs(san: readonly string[]): MovePair[] {
  const list: MovePair[] = [];
  for (let index = 0; index < san.length; index += 2)
    list.push({ number: index / 2 + 1, white: san[index]!, black: san[index + 1] ?? null });
  return list;
}

/** PGN's result token: "1-0", "0-1", "1/2-1/2", or "*" for a game without a result. */
export function pgnResult(result: MatchResult | null): string {
  if (!result || result.kind === "aborted") return "*";
  if (result.kind === "draw") return "1/2-1/2";
  return result.winners.includes(0) ? "1-0" : "0-1";
}

function pgnDate(epochMs: number): string {
  const date = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}.${two(date.getUTCMonth() + 1)}.${two(date.getUTCDate())}`;
}
