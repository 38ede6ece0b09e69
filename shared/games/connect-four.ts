import * as v from "valibot";
import { sequential } from "../engine.ts";
import type { GameResult, Seat } from "../game.ts";

export const COLUMNS = 7;
export const ROWS = 6;

/**
 * `columns[c]` lists the discs in column c from the bottom up, each the seat that dropped it.
 * Storing columns (not a grid) makes "the lowest empty cell" a length, and an overfull
 * column impossible to express without being caught by `validate`.
 */
export interface ConnectFourState {
  readonly columns: readonly (readonly Seat[])[];
  readonly turn: Seat;
  /** The last disc dropped, so the outcome check only looks around it. */
  readonly last: { readonly column: number; readonly row: number } | null;
  readonly winner: Seat | null;
}

export type ConnectFourMove = { readonly column: number };

const DIRECTIONS = [
  [1, 0],
  [0, 1],
  [1, 1],
  [1, -1],
] as const;

/** The cells ("column:row") of every line of four or more through the disc at (column, row); empty if none. */
export function linesThrough(columns: ConnectFourState["columns"], column: number, row: number): string[] {
  const seat = columns[column]?.[row];
  if (seat === undefined) return [];
  return DIRECTIONS.flatMap(([dc, dr]) => {
    const run = [`${column}:${row}`];
    for (const sign of [1, -1])
      for (let c = column + dc * sign, r = row + dr * sign; columns[c]?.[r] === seat; c += dc * sign, r += dr * sign)
        run.push(`${c}:${r}`);
    return run.length >= 4 ? run : [];
  });
}

/** Connect Four on a 7×6 board: two players, seat 0 drops first. */
export const connectFour = sequential<ConnectFourState, ConnectFourMove>({
  id: "connect-four",
  name: "Connect Four",
  minPlayers: 2,
  maxPlayers: 2,
  options: v.strictObject({}),
  move: v.strictObject({ column: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(COLUMNS - 1)) }),
  defaultTimeControl: { kind: "move", ms: 30_000 },
  timeout: { kind: "forfeit" },
  maxMoves: COLUMNS * ROWS,

  setup: () => ({ columns: Array.from({ length: COLUMNS }, () => []), turn: 0, last: null, winner: null }),

  turn: (state) => state.turn,

  validate: (state, _seat, move) =>
    (state.columns[move.column]?.length ?? ROWS) < ROWS
      ? null
      : { code: "column-full", message: `column ${move.column} is full` },

  legalMoves: (state) => state.columns.flatMap((column, index) => (column.length < ROWS ? [{ column: index }] : [])),

  apply: (state, seat, move) => {
    const columns = state.columns.map((column, index) => (index === move.column ? [...column, seat] : column));
    const row = (columns[move.column]?.length ?? 0) - 1;
    const winner = linesThrough(columns, move.column, row).length > 0 ? seat : null;
    return { columns, turn: seat === 0 ? 1 : 0, last: { column: move.column, row }, winner };
  },

  outcome: (state): GameResult | null => {
    if (state.winner !== null) return { kind: "win", winners: [state.winner], reason: "four-in-a-row" };
    if (state.columns.every((column) => column.length >= ROWS)) return { kind: "draw", reason: "board-full" };
    return null;
  },
});
