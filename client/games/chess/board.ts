/**
 * The chess board's model: the state one drawn board keeps between renders, the pieces of a FEN,
 * and where each square sits in the grid (which turns with the board).
 */
import type { Seat } from "../../../shared/game.ts";
import type { ChessMove, ChessState } from "../../../shared/games/chess.ts";
import type { RenderContext } from "../renderer.ts";

export const FILES = "abcdefgh";
export const PIECES = ["White", "Black"] as const;

export type Color = "w" | "b";
export type PieceType = "k" | "q" | "r" | "b" | "n" | "p";
export interface Piece {
  readonly color: Color;
  readonly type: PieceType;
}

// The filled glyphs for both sides (colour comes from CSS); U+FE0E asks for text, not emoji.
export const GLYPHS: Record<PieceType, string> = {
  k: "♚\uFE0E",
  q: "♛\uFE0E",
  r: "♜\uFE0E",
  b: "♝\uFE0E",
  n: "♞\uFE0E",
  p: "♟\uFE0E",
};
export const NAMES: Record<PieceType, string> = {
  k: "king",
  q: "queen",
  r: "rook",
  b: "bishop",
  n: "knight",
  p: "pawn",
};
export const PROMOTIONS = ["q", "r", "b", "n"] as const;

export interface Drag {
  readonly from: string;
  readonly pointer: number;
  readonly x: number;
  readonly y: number;
  readonly wasSelected: boolean;
  moving: boolean;
}

export interface Board {
  readonly wrap: HTMLElement;
  readonly grid: HTMLElement;
  readonly squares: Map<string, HTMLButtonElement>;
  readonly glyphs: Map<string, HTMLElement>;
  readonly picker: HTMLElement;
  readonly choices: HTMLButtonElement[];
  readonly ghost: HTMLElement;
  readonly flip: HTMLButtonElement;
  context: RenderContext<ChessState, ChessMove> | null;
  state: ChessState | null;
  pieces: Map<string, Piece>;
  /** Legal moves (UCI) of this browser's seat in the drawn position; empty when it may not move. */
  legal: readonly string[];
  /** The FEN last drawn: a new one drops the selection. */
  fen: string;
  flipped: boolean;
  selected: string | null;
  promotion: { readonly from: string; readonly to: string } | null;
  drag: Drag | null;
  focus: string;
}

/** The pieces of a FEN's placement field, by square. */
export function piecesOf(fen: string): Map<string, Piece> {
  const pieces = new Map<string, Piece>();
  const rows = (fen.split(" ")[0] ?? "").split("/");
  rows.forEach((row, index) => {
    let file = 0;
    for (const char of row) {
      if (/[1-8]/.test(char)) {
        file += Number(char);
        continue;
      }
      const type = char.toLowerCase();
      if (file < 8 && "kqrbnp".includes(type)) {
        pieces.set(`${FILES[file]}${8 - index}`, { color: char === type ? "b" : "w", type: type as PieceType });
      }
      file++;
    }
  });
  return pieces;
}

export const colorOf = (seat: Seat | null): Color | null => (seat === 0 ? "w" : seat === 1 ? "b" : null);

/** Black at the bottom: for seat 1, unless flipped (and for everyone else when flipped). */
export const blackBottom = (board: Board): boolean => (board.context?.mySeat === 1) !== board.flipped;

/** Grid row and column (0-based, top left) where `square` is drawn. */
export function cellOf(board: Board, square: string): { row: number; column: number } {
  const file = FILES.indexOf(square[0]!);
  const rank = Number(square[1]);
  return blackBottom(board) ? { row: rank - 1, column: 7 - file } : { row: 8 - rank, column: file };
}

export function squareAtCell(board: Board, row: number, column: number): string {
  return blackBottom(board) ? `${FILES[7 - column]}${row + 1}` : `${FILES[column]}${8 - row}`;
}

export function squareFrom(target: EventTarget | null): string | null {
  return target instanceof Element ? (target.closest<HTMLElement>(".chess-sq")?.dataset.square ?? null) : null;
}

export const myColor = (board: Board): Color | null => colorOf(board.context?.mySeat ?? null);

export const isMine = (board: Board, square: string): boolean => {
  const color = myColor(board);
  return color !== null && board.pieces.get(square)?.color === color;
};
