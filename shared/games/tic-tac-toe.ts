import * as v from "valibot";
import { sequential } from "../engine.ts";
import type { GameResult, Seat } from "../game.ts";

/** Cells 0–8, row by row; null is empty, otherwise the seat that marked it. */
export interface TicTacToeState {
  readonly cells: readonly (Seat | null)[];
  readonly turn: Seat;
}

export type TicTacToeMove = { readonly cell: number };

const LINES = [
  [0, 1, 2],
  [3, 4, 5],
  [6, 7, 8],
  [0, 3, 6],
  [1, 4, 7],
  [2, 5, 8],
  [0, 4, 8],
  [2, 4, 6],
] as const;

/** The first line of three one seat owns, if any (the renderer highlights it). */
export function winningLine(cells: readonly (Seat | null)[]): readonly [number, number, number] | null {
  return LINES.find(([a, b, c]) => cells[a] != null && cells[a] === cells[b] && cells[a] === cells[c]) ?? null;
}

/** Tic-tac-toe: two players, seat 0 marks first. */
export const ticTacToe = sequential<TicTacToeState, TicTacToeMove>({
  id: "tic-tac-toe",
  name: "Tic-tac-toe",
  minPlayers: 2,
  maxPlayers: 2,
  options: v.strictObject({}),
  move: v.strictObject({ cell: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(8)) }),
  defaultTimeControl: { kind: "move", ms: 30_000 },
  timeout: { kind: "forfeit" },
  maxMoves: 9,

  setup: () => ({ cells: Array<Seat | null>(9).fill(null), turn: 0 }),

  turn: (state) => state.turn,

  validate: (state, _seat, move) =>
    state.cells[move.cell] === null ? null : { code: "cell-occupied", message: `cell ${move.cell} is taken` },

  legalMoves: (state) => state.cells.flatMap((cell, index) => (cell === null ? [{ cell: index }] : [])),

  apply: (state, seat, move) => {
    const cells = state.cells.slice();
    cells[move.cell] = seat;
    return { cells, turn: seat === 0 ? 1 : 0 };
  },

  outcome: (state): GameResult | null => {
    const line = winningLine(state.cells);
    const owner = line ? state.cells[line[0]] : null;
    if (owner != null) return { kind: "win", winners: [owner], reason: "three-in-a-row" };
    if (state.cells.every((cell) => cell !== null)) return { kind: "draw", reason: "board-full" };
    return null;
  },
});
