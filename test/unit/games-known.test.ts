/**
 * Tic-tac-toe and Connect Four: known positions, each checked by the engine and the independent
 * oracle (./grid-games.ts), and refusals of taken cells and full columns.
 */
import { describe, expect, it } from "vitest";
import type { GameResult, Seat } from "../../shared/game.ts";
import {
  CONNECT_FOUR,
  freeIndices,
  legalIndices,
  moveOf,
  oracle,
  playSequence,
  type Spec,
  TIC_TAC_TOE,
  violations,
} from "./grid-games.ts";

interface KnownCase {
  readonly name: string;
  readonly spec: Spec;
  readonly moves: readonly number[];
  readonly result: GameResult | null;
}

const win = (seat: Seat, reason: string): GameResult => ({ kind: "win", winners: [seat], reason });
const DRAW: GameResult = { kind: "draw", reason: "board-full" };

const KNOWN: KnownCase[] = [
  // Tic-tac-toe cells: 0 1 2 / 3 4 5 / 6 7 8.
  {
    name: "tic-tac-toe: seat 0 wins the top row",
    spec: TIC_TAC_TOE,
    moves: [0, 3, 1, 4, 2],
    result: win(0, "three-in-a-row"),
  },
  {
    name: "tic-tac-toe: seat 0 wins the bottom row",
    spec: TIC_TAC_TOE,
    moves: [6, 0, 7, 1, 8],
    result: win(0, "three-in-a-row"),
  },
  {
    name: "tic-tac-toe: seat 1 wins the middle column",
    spec: TIC_TAC_TOE,
    moves: [0, 1, 3, 4, 8, 7],
    result: win(1, "three-in-a-row"),
  },
  {
    name: "tic-tac-toe: seat 0 wins the left column",
    spec: TIC_TAC_TOE,
    moves: [0, 1, 3, 2, 6],
    result: win(0, "three-in-a-row"),
  },
  {
    name: "tic-tac-toe: seat 0 wins the main diagonal",
    spec: TIC_TAC_TOE,
    moves: [0, 1, 4, 2, 8],
    result: win(0, "three-in-a-row"),
  },
  {
    name: "tic-tac-toe: seat 0 wins the anti-diagonal",
    spec: TIC_TAC_TOE,
    moves: [2, 0, 4, 1, 6],
    result: win(0, "three-in-a-row"),
  },
  {
    name: "tic-tac-toe: seat 1 wins the anti-diagonal",
    spec: TIC_TAC_TOE,
    moves: [0, 2, 1, 4, 8, 6],
    result: win(1, "three-in-a-row"),
  },
  {
    name: "tic-tac-toe: a full board without a line is a draw",
    spec: TIC_TAC_TOE,
    moves: [0, 1, 2, 4, 3, 5, 7, 6, 8],
    result: DRAW,
  },
  {
    name: "tic-tac-toe: a line made on the ninth move is a win, not a draw",
    spec: TIC_TAC_TOE,
    moves: [0, 1, 2, 3, 5, 4, 7, 6, 8],
    result: win(0, "three-in-a-row"),
  },
  { name: "tic-tac-toe: two in a row is not yet a win", spec: TIC_TAC_TOE, moves: [0, 3, 1, 4], result: null },
  // Connect Four columns 0–6, discs fall to the bottom.
  {
    name: "connect-four: seat 0 wins along the bottom row",
    spec: CONNECT_FOUR,
    moves: [0, 0, 1, 1, 2, 2, 3],
    result: win(0, "four-in-a-row"),
  },
  {
    name: "connect-four: seat 0 wins a row ending at the right edge",
    spec: CONNECT_FOUR,
    moves: [6, 6, 5, 5, 4, 4, 3],
    result: win(0, "four-in-a-row"),
  },
  {
    name: "connect-four: seat 0 wins a row completed in the middle",
    spec: CONNECT_FOUR,
    moves: [0, 0, 1, 1, 3, 3, 2],
    result: win(0, "four-in-a-row"),
  },
  {
    name: "connect-four: seat 0 wins a column",
    spec: CONNECT_FOUR,
    moves: [0, 1, 0, 1, 0, 1, 0],
    result: win(0, "four-in-a-row"),
  },
  {
    name: "connect-four: seat 1 wins a column",
    spec: CONNECT_FOUR,
    moves: [0, 1, 0, 1, 0, 1, 2, 1],
    result: win(1, "four-in-a-row"),
  },
  {
    name: "connect-four: seat 1 wins a column reaching the top row",
    spec: CONNECT_FOUR,
    moves: [0, 1, 0, 0, 2, 0, 2, 0, 3, 0],
    result: win(1, "four-in-a-row"),
  },
  {
    name: "connect-four: seat 0 wins a rising diagonal",
    spec: CONNECT_FOUR,
    moves: [0, 1, 1, 2, 2, 3, 2, 3, 3, 6, 3],
    result: win(0, "four-in-a-row"),
  },
  {
    name: "connect-four: seat 0 wins a falling diagonal",
    spec: CONNECT_FOUR,
    moves: [6, 5, 5, 4, 4, 3, 4, 3, 3, 0, 3],
    result: win(0, "four-in-a-row"),
  },
  {
    name: "connect-four: seat 0 wins a rising diagonal completed at its bottom end",
    spec: CONNECT_FOUR,
    // Builds discs of seat 0 at (2,1), (3,2), (4,3), then drops the first one at (1,0).
    moves: [3, 2, 2, 3, 3, 4, 4, 4, 4, 6, 1],
    result: win(0, "four-in-a-row"),
  },
  {
    name: "connect-four: the 42nd disc, in the last free cell, wins for seat 1",
    spec: CONNECT_FOUR,
    moves: [
      0, 0, 0, 2, 0, 0, 0, 2, 1, 1, 2, 1, 2, 1, 1, 4, 2, 2, 5, 5, 1, 5, 3, 5, 3, 3, 4, 3, 4, 3, 4, 4, 5, 5, 6, 6, 4, 6,
      6, 6, 6, 3,
    ],
    result: win(1, "four-in-a-row"),
  },
  {
    name: "connect-four: a full board without four in a line is a draw",
    spec: CONNECT_FOUR,
    moves: [
      3, 2, 5, 2, 1, 6, 0, 1, 2, 0, 0, 6, 0, 0, 2, 6, 0, 4, 3, 5, 2, 1, 4, 1, 4, 2, 1, 5, 4, 5, 1, 4, 6, 6, 4, 3, 6, 3,
      5, 3, 3, 5,
    ],
    result: DRAW,
  },
];

describe("known positions", () => {
  it.each(KNOWN)("$name", ({ spec, moves, result }) => {
    const { engine, state } = playSequence(spec, moves);
    expect(state.result).toEqual(result);
    expect(state.status).toBe(result ? "finished" : "playing");
    expect(state.moves).toBe(moves.length);
    expect(violations(spec, state)).toEqual([]);
    // The independent oracle must agree on the same board, or the case itself is wrong.
    expect(oracle(spec, spec.read(state.game, []))).toEqual(result);
    if (result) expect(engine.activeSeats(state)).toEqual([]);
    else expect(engine.activeSeats(state)).toEqual([moves.length % 2]);
  });

  it.each([
    {
      name: "tic-tac-toe refuses an occupied cell with cell-occupied",
      spec: TIC_TAC_TOE,
      moves: [4],
      index: 4,
      reason: "cell-occupied",
    },
    {
      name: "tic-tac-toe refuses its own occupied cell too",
      spec: TIC_TAC_TOE,
      moves: [4, 0],
      index: 4,
      reason: "cell-occupied",
    },
    {
      name: "connect-four refuses a full column with column-full",
      spec: CONNECT_FOUR,
      moves: [0, 0, 0, 0, 0, 0],
      index: 0,
      reason: "column-full",
    },
    {
      name: "connect-four refuses the rightmost full column",
      spec: CONNECT_FOUR,
      moves: [6, 6, 6, 6, 6, 6, 0],
      index: 6,
      reason: "column-full",
    },
  ])("$name", ({ spec, moves, index, reason }) => {
    const { engine, state } = playSequence(spec, moves);
    const seat = moves.length % 2;
    const refused = engine.check(state, seat, moveOf(spec, index));
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe("illegal");
      expect(refused.error.reason).toBe(reason);
    }
    expect(() => engine.apply(state, { kind: "move", seat, move: moveOf(spec, index), id: "x" })).toThrow(/illegal/);
    // Every other free cell or column is still playable.
    expect(legalIndices(spec, engine, state)).toEqual(freeIndices(spec, spec.read(state.game, [])));
    expect(legalIndices(spec, engine, state)).not.toContain(index);
  });
});
