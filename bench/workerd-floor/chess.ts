/** Chess on the workerd floor (the bench's wake scenario). */
import { Chess } from "chess.js";
import type { GameResult } from "../../shared/game.ts";

/**
 * Chess on the floor (the bench's wake scenario): the position as a FEN, checked and advanced by
 * chess.js; each move's event carries the FEN it leads to, so a woken object takes the last one.
 */
export interface FloorChess {
  readonly fen: string;
}
export type GameId = "connect-four" | "chess";
export const CHESS_START = new Chess().fen();

export function chessTurn(state: FloorChess): number {
  return state.fen.split(" ")[1] === "b" ? 1 : 0;
}

/** A UCI move on `state`: the next state and the result if it ended the game, or null if illegal. */
export function chessMove(state: FloorChess, uci: unknown): { next: FloorChess; result: GameResult | null } | null {
  if (typeof uci !== "string" || !/^[a-h][1-8][a-h][1-8][qrbn]?$/.test(uci)) return null;
  const board = new Chess(state.fen);
  try {
    board.move({ from: uci.slice(0, 2), to: uci.slice(2, 4), ...(uci.length === 5 ? { promotion: uci[4] } : {}) });
  } catch {
    return null;
  }
  const next = { fen: board.fen() };
  if (!board.isGameOver()) return { next, result: null };
  const result: GameResult = board.isCheckmate()
    ? { kind: "win", winners: [chessTurn(next) === 0 ? 1 : 0], reason: "checkmate" }
    : { kind: "draw", reason: "draw" };
  return { next, result };
}
