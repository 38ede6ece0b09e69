/**
 * An independent model of tic-tac-toe and Connect Four, and helpers that drive them through the
 * engine, shared by the games-*.test.ts files.
 *
 * The checker and oracle below read a game's state into a plain grid and judge it on their own
 * (every line of k cells scanned from scratch); they share no code with the games.
 */
import fc from "fast-check";
import { anything } from "./arbitraries.ts";
import { expect } from "vitest";
import { createEngine, type Engine, type MatchState } from "../../shared/engine.ts";
import type { AnyGame, GameResult, Seat } from "../../shared/game.ts";
import type { MatchEvent } from "../../shared/events.ts";
import { connectFour } from "../../shared/games/connect-four.ts";
import { ticTacToe } from "../../shared/games/tic-tac-toe.ts";

// -------------------------------------------------------------------------------------------
// An independent model of both games

/** `grid[x][y]`: the seat owning the cell, or null. For Connect Four y = 0 is the bottom row. */
export type Grid = (Seat | null)[][];
export type Cell = readonly [x: number, y: number];

export interface Spec {
  readonly label: string;
  readonly game: AnyGame;
  /** The one key of a move object and how many values it takes (0 … size - 1). */
  readonly key: "cell" | "column";
  readonly size: number;
  readonly width: number;
  readonly height: number;
  /** Cells in a row needed to win. */
  readonly line: number;
  readonly winReason: string;
  /** The game's own reason code for a well-formed move into a taken cell or full column. */
  readonly takenReason: string;
  /** Reads a game state into a grid, listing anything malformed in `problems`. */
  read(game: unknown, problems: string[]): Grid;
  /** The cell that move number `index` would fill, or null when it can't be played. */
  target(grid: Grid, index: number): Cell | null;
}

export const isSeat = (x: unknown): x is Seat => x === 0 || x === 1;

export function emptyGrid(width: number, height: number): Grid {
  return Array.from({ length: width }, () => Array<Seat | null>(height).fill(null));
}

export const TIC_TAC_TOE: Spec = {
  label: "tic-tac-toe",
  game: ticTacToe,
  key: "cell",
  size: 9,
  width: 3,
  height: 3,
  line: 3,
  winReason: "three-in-a-row",
  takenReason: "cell-occupied",
  read(game, problems) {
    const grid = emptyGrid(3, 3);
    if (typeof game !== "object" || game === null) {
      problems.push("state is not an object");
      return grid;
    }
    const { cells, turn } = game as { cells?: unknown; turn?: unknown };
    if (!isSeat(turn)) problems.push(`turn is ${String(turn)}`);
    if (!Array.isArray(cells) || cells.length !== 9) {
      problems.push("cells is not an array of 9");
      return grid;
    }
    for (let i = 0; i < 9; i++) {
      if (!(i in cells)) problems.push(`cell ${i} is a hole`);
      const value: unknown = cells[i];
      if (value !== null && !isSeat(value)) problems.push(`cell ${i} holds ${String(value)}`);
      grid[i % 3]![Math.floor(i / 3)] = isSeat(value) ? value : null;
    }
    return grid;
  },
  target(grid, index) {
    const x = index % 3;
    const y = Math.floor(index / 3);
    return grid[x]?.[y] === null ? [x, y] : null;
  },
};

export const CONNECT_FOUR: Spec = {
  label: "connect-four",
  game: connectFour,
  key: "column",
  size: 7,
  width: 7,
  height: 6,
  line: 4,
  winReason: "four-in-a-row",
  takenReason: "column-full",
  read(game, problems) {
    const grid = emptyGrid(7, 6);
    if (typeof game !== "object" || game === null) {
      problems.push("state is not an object");
      return grid;
    }
    const { columns, turn } = game as { columns?: unknown; turn?: unknown };
    if (!isSeat(turn)) problems.push(`turn is ${String(turn)}`);
    if (!Array.isArray(columns) || columns.length !== 7) {
      problems.push("columns is not an array of 7");
      return grid;
    }
    columns.forEach((column: unknown, x) => {
      if (!Array.isArray(column)) {
        problems.push(`column ${x} is not an array`);
        return;
      }
      if (column.length > 6) problems.push(`column ${x} is ${column.length} high`);
      for (let y = 0; y < column.length; y++) {
        // Gravity: a column is a dense stack from the bottom, so no disc floats over a gap.
        if (!(y in column)) problems.push(`column ${x} has a gap at row ${y}`);
        const value: unknown = column[y];
        if (!isSeat(value)) problems.push(`column ${x} row ${y} holds ${String(value)}`);
        else if (y < 6) grid[x]![y] = value;
      }
    });
    return grid;
  },
  target(grid, index) {
    const column = grid[index];
    if (!column) return null;
    const y = column.indexOf(null);
    return y === -1 ? null : [index, y];
  },
};

export const SPECS = [TIC_TAC_TOE, CONNECT_FOUR] as const;

export const DIRECTIONS = [
  [1, 0],
  [0, 1],
  [1, 1],
  [1, -1],
] as const;

/** Every line of `spec.line` same-seat cells on the grid, scanning all starts and directions. */
export function linesOn(spec: Spec, grid: Grid): { seat: Seat; cells: Cell[] }[] {
  const found: { seat: Seat; cells: Cell[] }[] = [];
  for (let x = 0; x < spec.width; x++) {
    for (let y = 0; y < spec.height; y++) {
      const seat = grid[x]?.[y];
      if (seat === null || seat === undefined) continue;
      for (const [dx, dy] of DIRECTIONS) {
        const cells: Cell[] = [];
        for (let k = 0; k < spec.line; k++) {
          const cx = x + dx * k;
          const cy = y + dy * k;
          if (cx < 0 || cy < 0 || cx >= spec.width || cy >= spec.height || grid[cx]?.[cy] !== seat) break;
          cells.push([cx, cy]);
        }
        if (cells.length === spec.line) found.push({ seat, cells });
      }
    }
  }
  return found;
}

export function counts(grid: Grid): [number, number] {
  const tally: [number, number] = [0, 0];
  for (const column of grid) for (const cell of column) if (cell !== null) tally[cell === 0 ? 0 : 1] += 1;
  return tally;
}

export const isFull = (grid: Grid): boolean => grid.every((column) => column.every((cell) => cell !== null));

/** The outcome a board should have: a win for the only seat with a line, a draw iff full without one. */
export function oracle(spec: Spec, grid: Grid): GameResult | null {
  const owners = [...new Set(linesOn(spec, grid).map((line) => line.seat))];
  if (owners.length > 1) throw new Error(`both seats have a line:\n${show(grid)}`);
  const [owner] = owners;
  if (owner !== undefined) return { kind: "win", winners: [owner], reason: spec.winReason };
  return isFull(grid) ? { kind: "draw", reason: "board-full" } : null;
}

export function show(grid: Grid): string {
  const height = grid[0]?.length ?? 0;
  const rows: string[] = [];
  for (let y = height - 1; y >= 0; y--) rows.push(grid.map((column) => ["X", "O"][column[y] ?? -1] ?? ".").join(""));
  return rows.join("\n");
}

/** Everything wrong with a match state, judged only from its board. */
export function violations(spec: Spec, state: MatchState): string[] {
  const problems: string[] = [];
  if (state.status === "waiting") return state.game === null ? problems : ["a waiting match has a game state"];
  const grid = spec.read(state.game, problems);
  const [zeros, ones] = counts(grid);
  if (zeros - ones !== 0 && zeros - ones !== 1) problems.push(`seat 0 has ${zeros} pieces and seat 1 has ${ones}`);
  if (state.moves !== zeros + ones) problems.push(`moves is ${state.moves} with ${zeros + ones} pieces down`);
  const turn = (state.game as { turn?: unknown }).turn;
  if (turn !== (zeros === ones ? 0 : 1)) problems.push(`turn is ${String(turn)} with ${zeros}/${ones} pieces`);
  let expected: GameResult | null = null;
  try {
    expected = oracle(spec, grid);
  } catch (error) {
    problems.push(String(error));
  }
  if (state.players !== 2) problems.push(`players is ${state.players}`);
  // Resign and timeout finish a match on a board the oracle calls unfinished; only judge boards.
  const byBoard =
    state.result === null || state.result.reason === spec.winReason || state.result.reason === "board-full";
  if (byBoard) {
    const status = expected ? "finished" : "playing";
    if (state.status !== status) problems.push(`status is ${state.status}, the board says ${status}`);
    if (JSON.stringify(state.result) !== JSON.stringify(expected)) {
      problems.push(`result is ${JSON.stringify(state.result)}, the board says ${JSON.stringify(expected)}`);
    }
  }
  if (spec === CONNECT_FOUR) {
    const winner = (state.game as { winner?: unknown }).winner;
    const owner = expected?.kind === "win" ? expected.winners[0] : null;
    if (winner !== owner) problems.push(`winner is ${String(winner)}, the board says ${String(owner)}`);
  }
  return problems;
}

/** What changed between two boards when `seat` played move `index`: exactly the target cell. */
export function transitionViolations(
  spec: Spec,
  before: MatchState,
  after: MatchState,
  seat: Seat,
  index: number,
): string[] {
  const ignored: string[] = [];
  const from = spec.read(before.game, ignored);
  const to = spec.read(after.game, ignored);
  const target = spec.target(from, index);
  if (!target) return [`move ${index} was applied though it had no free cell`];
  const problems: string[] = [];
  for (let x = 0; x < spec.width; x++) {
    for (let y = 0; y < spec.height; y++) {
      const want = x === target[0] && y === target[1] ? seat : from[x]?.[y];
      if (to[x]?.[y] !== want) problems.push(`cell ${x},${y} is ${String(to[x]?.[y])}, expected ${String(want)}`);
    }
  }
  if (spec === CONNECT_FOUR) {
    const last = (after.game as { last?: unknown }).last;
    if (JSON.stringify(last) !== JSON.stringify({ column: target[0], row: target[1] })) {
      problems.push(`last is ${JSON.stringify(last)}, the disc went to ${target.join(",")}`);
    }
  }
  return problems;
}

// -------------------------------------------------------------------------------------------
// Driving the engine

export const START: MatchEvent = { kind: "start", players: 2 };

export const moveOf = (spec: Spec, index: number): unknown => ({ [spec.key]: index });

export function started(spec: Spec, seed = "seed"): { engine: Engine; state: MatchState } {
  const engine = createEngine(spec.game, {}, seed);
  return { engine, state: engine.apply(engine.initial(), START) };
}

/** The move indices `engine.check` accepts for the seat to move. */
export function legalIndices(spec: Spec, engine: Engine, state: MatchState): number[] {
  const [seat] = engine.activeSeats(state);
  if (seat === undefined) return [];
  const legal: number[] = [];
  for (let index = 0; index < spec.size; index++)
    if (engine.check(state, seat, moveOf(spec, index)).ok) legal.push(index);
  return legal;
}

/** The indices the independent model says are playable. */
export function freeIndices(spec: Spec, grid: Grid): number[] {
  const free: number[] = [];
  for (let index = 0; index < spec.size; index++) if (spec.target(grid, index)) free.push(index);
  return free;
}

export interface Played {
  readonly engine: Engine;
  readonly events: MatchEvent[];
  /** The state after each event, starting with the start event. */
  readonly states: MatchState[];
  readonly last: MatchState;
}

/**
 * Plays up to `choices.length` moves, each chosen uniformly among the legal ones by `choices`
 * (values in [0, 2520), and 2520 is divisible by every count of legal moves from 1 to 9).
 * Checks the invariants after every move when `checked`.
 */
export function play(spec: Spec, choices: readonly number[], seed = "seed", checked = false): Played {
  const { engine, state: first } = started(spec, seed);
  const events: MatchEvent[] = [START];
  const states: MatchState[] = [first];
  let state = first;
  if (checked) expect(violations(spec, state)).toEqual([]);
  for (const choice of choices) {
    if (state.status !== "playing") break;
    const seats = engine.activeSeats(state);
    expect(seats).toHaveLength(1);
    const seat = seats[0]!;
    const legal = legalIndices(spec, engine, state);
    if (checked) {
      expect(legal).toEqual(freeIndices(spec, spec.read(state.game, [])));
      // The game's own list of moves (bots choose from it) is exactly what the engine accepts.
      expect(engine.game.legalMoves(state.game, seat)).toEqual(legal.map((i) => moveOf(spec, i)));
      expect(engine.game.legalMoves(state.game, seat === 0 ? 1 : 0)).toEqual([]);
    }
    const index = legal[choice % legal.length];
    if (index === undefined) throw new Error("a playing match has no legal move");
    const event: MatchEvent = { kind: "move", seat, move: moveOf(spec, index), id: `m${events.length}` };
    const next = engine.apply(state, event);
    if (checked) {
      expect(transitionViolations(spec, state, next, seat, index)).toEqual([]);
      expect(violations(spec, next)).toEqual([]);
    }
    events.push(event);
    states.push(next);
    state = next;
  }
  return { engine, events, states, last: state };
}

/** Plays a fixed list of move indices, each of which must be accepted. */
export function playSequence(spec: Spec, indices: readonly number[]): { engine: Engine; state: MatchState } {
  let { engine, state } = started(spec);
  indices.forEach((index, i) => {
    const [seat] = engine.activeSeats(state);
    if (seat === undefined) throw new Error(`move ${i} (${index}) comes after the end`);
    const move = moveOf(spec, index);
    const checked = engine.check(state, seat, move);
    if (!checked.ok) throw new Error(`move ${i} (${index}) refused: ${checked.error.code}`);
    state = engine.apply(state, { kind: "move", seat, move, id: `m${i}` });
  });
  return { engine, state };
}

/** True only for `{ [key]: integer in range }` with no other own keys: the one well-formed move shape. */
export function wellFormed(spec: Spec, x: unknown): boolean {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return false;
  const proto: unknown = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return false;
  if (Reflect.ownKeys(x).length !== 1 || !Object.hasOwn(x, spec.key)) return false;
  const value: unknown = (x as Record<string, unknown>)[spec.key];
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value < spec.size;
}

export const choice = fc.nat({ max: 2519 });
export const fullGame = fc.array(choice, { minLength: 42, maxLength: 42 });
export const someMoves = fc.array(choice, { maxLength: 42 });
export const FULL_RUNS = 250;

/** The last state of a random game that is still being played (possibly just after the start). */
export function playingPosition(spec: Spec, choices: readonly number[]): { engine: Engine; state: MatchState } {
  const { engine, states } = play(spec, choices);
  const state = states.findLast((s) => s.status === "playing");
  if (!state) throw new Error("no playing state");
  return { engine, state };
}

/** Values that are nearly moves: the right key with a wrong value, extra keys, other wrappers. */
export function nearMisses(spec: Spec): fc.Arbitrary<unknown> {
  const inRange = fc.integer({ min: 0, max: spec.size - 1 });
  const badNumber = fc.oneof(
    fc.integer({ min: spec.size, max: 2 ** 31 }),
    fc.integer({ min: -(2 ** 31), max: -1 }),
    fc.double({ noNaN: false }).filter((n) => !(Number.isInteger(n) && n >= 0 && n < spec.size)),
    fc.constantFrom(Number.NaN, Infinity, -Infinity, 0.5, spec.size - 0.5, Number.EPSILON),
  );
  const otherValue = fc.oneof(
    badNumber,
    inRange.map(String),
    inRange.map((n) => [n]),
    inRange.map((n) => BigInt(n)),
    fc.constantFrom(null, undefined, true, false, {}, []),
  );
  const otherKey = fc.string().filter((key) => key !== spec.key);
  return fc.oneof(
    otherValue.map((value) => ({ [spec.key]: value })),
    fc
      .tuple(inRange, fc.dictionary(otherKey, anything, { minKeys: 1, maxKeys: 3 }))
      .map(([n, extra]) => ({ ...extra, [spec.key]: n })),
    fc.tuple(otherKey, inRange).map(([key, n]) => ({ [key]: n })),
    otherValue,
    inRange,
    inRange.map((n) => [n]),
    inRange.map((n) => ({ move: { [spec.key]: n } })),
  );
}
