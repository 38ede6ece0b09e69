/**
 * Tic-tac-toe and Connect Four through the engine: known positions, random legal play checked
 * against an independent invariant checker and outcome oracle, replay, refusals and timeouts.
 *
 * The checker and oracle below read a game's state into a plain grid and judge it on their own
 * (every line of k cells scanned from scratch); they share no code with the games.
 */
import fc from "fast-check";
import { anything } from "./arbitraries.ts";
import { describe, expect, it } from "vitest";
import { createEngine, type Engine, type MatchState } from "../../shared/engine.ts";
import { type AnyGame, type GameResult, type Seat } from "../../shared/game.ts";
import { type MatchEvent } from "../../shared/events.ts";
import { chess } from "../../shared/games/chess.ts";
import { connectFour } from "../../shared/games/connect-four.ts";
import { crazyEights } from "../../shared/games/crazy-eights.ts";
import { GAMES } from "../../shared/games/index.ts";
import { ticTacToe } from "../../shared/games/tic-tac-toe.ts";
import { deepFreeze } from "./helpers.ts";

// -------------------------------------------------------------------------------------------
// An independent model of both games

/** `grid[x][y]`: the seat owning the cell, or null. For Connect Four y = 0 is the bottom row. */
type Grid = (Seat | null)[][];
type Cell = readonly [x: number, y: number];

interface Spec {
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

const isSeat = (x: unknown): x is Seat => x === 0 || x === 1;

function emptyGrid(width: number, height: number): Grid {
  return Array.from({ length: width }, () => Array<Seat | null>(height).fill(null));
}

const TIC_TAC_TOE: Spec = {
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

const CONNECT_FOUR: Spec = {
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

const SPECS = [TIC_TAC_TOE, CONNECT_FOUR] as const;

const DIRECTIONS = [
  [1, 0],
  [0, 1],
  [1, 1],
  [1, -1],
] as const;

/** Every line of `spec.line` same-seat cells on the grid, scanning all starts and directions. */
function linesOn(spec: Spec, grid: Grid): { seat: Seat; cells: Cell[] }[] {
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

function counts(grid: Grid): [number, number] {
  const tally: [number, number] = [0, 0];
  for (const column of grid) for (const cell of column) if (cell !== null) tally[cell === 0 ? 0 : 1] += 1;
  return tally;
}

const isFull = (grid: Grid): boolean => grid.every((column) => column.every((cell) => cell !== null));

/** The outcome a board should have: a win for the only seat with a line, a draw iff full without one. */
function oracle(spec: Spec, grid: Grid): GameResult | null {
  const owners = [...new Set(linesOn(spec, grid).map((line) => line.seat))];
  if (owners.length > 1) throw new Error(`both seats have a line:\n${show(grid)}`);
  const [owner] = owners;
  if (owner !== undefined) return { kind: "win", winners: [owner], reason: spec.winReason };
  return isFull(grid) ? { kind: "draw", reason: "board-full" } : null;
}

function show(grid: Grid): string {
  const height = grid[0]?.length ?? 0;
  const rows: string[] = [];
  for (let y = height - 1; y >= 0; y--) rows.push(grid.map((column) => ["X", "O"][column[y] ?? -1] ?? ".").join(""));
  return rows.join("\n");
}

/** Everything wrong with a match state, judged only from its board. */
function violations(spec: Spec, state: MatchState): string[] {
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
function transitionViolations(spec: Spec, before: MatchState, after: MatchState, seat: Seat, index: number): string[] {
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

const START: MatchEvent = { kind: "start", players: 2 };

const moveOf = (spec: Spec, index: number): unknown => ({ [spec.key]: index });

function started(spec: Spec, seed = "seed"): { engine: Engine; state: MatchState } {
  const engine = createEngine(spec.game, {}, seed);
  return { engine, state: engine.apply(engine.initial(), START) };
}

/** The move indices `engine.check` accepts for the seat to move. */
function legalIndices(spec: Spec, engine: Engine, state: MatchState): number[] {
  const [seat] = engine.activeSeats(state);
  if (seat === undefined) return [];
  const legal: number[] = [];
  for (let index = 0; index < spec.size; index++)
    if (engine.check(state, seat, moveOf(spec, index)).ok) legal.push(index);
  return legal;
}

/** The indices the independent model says are playable. */
function freeIndices(spec: Spec, grid: Grid): number[] {
  const free: number[] = [];
  for (let index = 0; index < spec.size; index++) if (spec.target(grid, index)) free.push(index);
  return free;
}

interface Played {
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
function play(spec: Spec, choices: readonly number[], seed = "seed", checked = false): Played {
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
function playSequence(spec: Spec, indices: readonly number[]): { engine: Engine; state: MatchState } {
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
function wellFormed(spec: Spec, x: unknown): boolean {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return false;
  const proto: unknown = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return false;
  if (Reflect.ownKeys(x).length !== 1 || !Object.hasOwn(x, spec.key)) return false;
  const value: unknown = (x as Record<string, unknown>)[spec.key];
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value < spec.size;
}

const choice = fc.nat({ max: 2519 });
const fullGame = fc.array(choice, { minLength: 42, maxLength: 42 });
const someMoves = fc.array(choice, { maxLength: 42 });
const FULL_RUNS = 250;

/** The last state of a random game that is still being played (possibly just after the start). */
function playingPosition(spec: Spec, choices: readonly number[]): { engine: Engine; state: MatchState } {
  const { engine, states } = play(spec, choices);
  const state = states.findLast((s) => s.status === "playing");
  if (!state) throw new Error("no playing state");
  return { engine, state };
}

/** Values that are nearly moves: the right key with a wrong value, extra keys, other wrappers. */
function nearMisses(spec: Spec): fc.Arbitrary<unknown> {
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

// -------------------------------------------------------------------------------------------
// Tests

describe("the game registry", () => {
  it("holds every game under its id", () => {
    expect([...GAMES.keys()].sort()).toEqual(["battleship", "chess", "connect-four", "crazy-eights", "tic-tac-toe"]);
    expect(GAMES.get("chess")).toBe(chess);
    expect(GAMES.get("crazy-eights")).toBe(crazyEights);
    expect(GAMES.get("tic-tac-toe")).toBe(ticTacToe);
    // A game with bots of its own is its rules plus those bots, joined at its registry line.
    expect(GAMES.get("connect-four")).toEqual({ ...connectFour, bots: { search: expect.any(Function) } });
  });
});

describe.each(SPECS)("$label through the engine", (spec) => {
  it("starts empty, with seat 0 to move and nothing decided", () => {
    const { engine, state } = started(spec);
    expect(state.status).toBe("playing");
    expect(state.players).toBe(2);
    expect(state.moves).toBe(0);
    expect(state.result).toBeNull();
    expect(engine.activeSeats(state)).toEqual([0]);
    expect(counts(spec.read(state.game, []))).toEqual([0, 0]);
    expect(violations(spec, state)).toEqual([]);
    expect(legalIndices(spec, engine, state)).toEqual(Array.from({ length: spec.size }, (_, i) => i));
  });

  it("shows every viewer the whole state, and nothing before the start", () => {
    const { engine, state } = started(spec);
    expect(engine.view(engine.initial(), 0)).toBeNull();
    expect(engine.view(engine.initial(), "spectator")).toBeNull();
    expect(engine.view(state, 0)).toEqual(state.game);
    expect(engine.view(state, 1)).toEqual(state.game);
    expect(engine.view(state, "spectator")).toEqual(state.game);
  });

  it("never reaches an illegal state in random legal play, and ends with the outcome the board shows", () => {
    fc.assert(
      fc.property(fullGame, fc.string({ maxLength: 12 }), (choices, seed) => {
        const { engine, events, states, last } = play(spec, choices, seed, true);
        expect(last.status).toBe("finished");
        expect(engine.activeSeats(last)).toEqual([]);
        const grid = spec.read(last.game, []);
        const expected = oracle(spec, grid);
        expect(expected).not.toBeNull();
        expect(last.result).toEqual(expected);
        expect(last.moves).toBe(events.length - 1);
        // No play after the end: every earlier board was undecided, and a win includes the last piece.
        for (const earlier of states.slice(0, -1)) expect(oracle(spec, spec.read(earlier.game, []))).toBeNull();
        if (expected?.kind === "win") {
          const lastEvent = events.at(-1) as Extract<MatchEvent, { kind: "move" }>;
          const previous = spec.read(states.at(-2)!.game, []);
          const placed = spec.target(previous, (lastEvent.move as Record<string, number>)[spec.key]!)!;
          const through = linesOn(spec, grid).filter((l) =>
            l.cells.some(([x, y]) => x === placed[0] && y === placed[1]),
          );
          expect(through.length).toBeGreaterThan(0);
          expect(expected.winners).toEqual([lastEvent.seat]);
        }
      }),
      { numRuns: FULL_RUNS },
    );
  });

  it("has no active seats once finished, refuses every move with game-over, and has no timeout", () => {
    fc.assert(
      fc.property(
        fullGame,
        fc.oneof(fc.integer({ min: -2, max: 3 }), fc.double()),
        fc.oneof(anything, nearMisses(spec)),
        (choices, seat, move) => {
          const { engine, last } = play(spec, choices);
          expect(last.status).toBe("finished");
          expect(engine.activeSeats(last)).toEqual([]);
          expect(engine.timeout(last)).toBeNull();
          for (let index = 0; index < spec.size; index++) {
            for (const s of [0, 1]) {
              const refused = engine.check(last, s, moveOf(spec, index));
              expect(refused.ok ? "accepted" : refused.error.code).toBe("game-over");
            }
          }
          const refused = engine.check(last, seat, move);
          expect(refused.ok ? "accepted" : refused.error.code).toBe("game-over");
        },
      ),
      { numRuns: FULL_RUNS },
    );
  });

  it("replays its event log, also after a JSON round trip, to the live state at every point", () => {
    const ending = fc.option(
      fc.record({ at: fc.nat({ max: 41 }), kind: fc.constantFrom("resign", "timeout"), seat: fc.constantFrom(0, 1) }),
    );
    fc.assert(
      fc.property(fullGame, ending, fc.string({ maxLength: 12 }), (choices, end, seed) => {
        const { engine, events, states } = play(spec, end ? choices.slice(0, end.at) : choices, seed);
        let live = states.at(-1)!;
        if (end && live.status === "playing") {
          const event: MatchEvent = end.kind === "resign" ? { kind: "resign", seat: end.seat } : engine.timeout(live)!;
          live = engine.apply(live, event);
          events.push(event);
          states.push(live);
        }
        expect(engine.replay(events)).toEqual(live);
        const stored = JSON.parse(JSON.stringify(events)) as MatchEvent[];
        expect(engine.replay(stored)).toEqual(live);
        expect(createEngine(spec.game, {}, seed).replay(stored)).toEqual(live);
        for (let n = 0; n <= events.length; n++) {
          expect(engine.replay(stored.slice(0, n))).toEqual(n === 0 ? engine.initial() : states[n - 1]);
        }
      }),
      { numRuns: FULL_RUNS },
    );
  });

  it("refuses anything that is not a well-formed move with bad-move on the seat's turn", () => {
    fc.assert(
      fc.property(someMoves, fc.oneof(anything, nearMisses(spec)), (choices, move) => {
        fc.pre(!wellFormed(spec, move));
        const { engine, state } = playingPosition(spec, choices);
        const [seat] = engine.activeSeats(state);
        const refused = engine.check(state, seat!, move);
        expect(refused.ok ? "accepted" : refused.error.code).toBe("bad-move");
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ["null", null],
    ["undefined", undefined],
    ["a bare number", 4],
    ["a string", "4"],
    ["an array", [4]],
    ["an empty object", {}],
    ["a string value", { [spec.key]: "4" }],
    ["a negative value", { [spec.key]: -1 }],
    ["a value past the end", { [spec.key]: spec.size }],
    ["a fractional value", { [spec.key]: 1.5 }],
    ["NaN", { [spec.key]: Number.NaN }],
    ["Infinity", { [spec.key]: Infinity }],
    ["an extra key", { [spec.key]: 1, seat: 0 }],
    ["the other game's key", { [spec.key === "cell" ? "column" : "cell"]: 1 }],
    ["a nested move", { move: { [spec.key]: 1 } }],
  ])("refuses %s as a move with bad-move", (_name, move) => {
    const { engine, state } = started(spec);
    const refused = engine.check(state, 0, move);
    expect(refused.ok ? "accepted" : refused.error.code).toBe("bad-move");
  });

  it("refuses a move from any seat but the one to move with not-your-turn, whatever the move", () => {
    const seatArb = fc.oneof(fc.integer({ min: -3, max: 5 }), fc.double());
    fc.assert(
      fc.property(
        someMoves,
        seatArb,
        fc.oneof(
          anything,
          fc.nat({ max: spec.size - 1 }).map((n) => moveOf(spec, n)),
        ),
        (choices, seat, move) => {
          const { engine, state } = playingPosition(spec, choices);
          fc.pre(!engine.activeSeats(state).includes(seat));
          const refused = engine.check(state, seat, move);
          expect(refused.ok ? "accepted" : refused.error.code).toBe("not-your-turn");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses every move before the start with not-started", () => {
    const engine = createEngine(spec.game, {}, "seed");
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -1, max: 3 }), fc.double()),
        fc.oneof(anything, nearMisses(spec)),
        (seat, move) => {
          const refused = engine.check(engine.initial(), seat, move);
          expect(refused.ok ? "accepted" : refused.error.code).toBe("not-started");
        },
      ),
    );
    expect(engine.activeSeats(engine.initial())).toEqual([]);
    expect(engine.timeout(engine.initial())).toBeNull();
  });

  it("refuses a well-formed move into a taken cell or full column with illegal and the game's reason", () => {
    fc.assert(
      fc.property(someMoves, (choices) => {
        const { engine, state } = playingPosition(spec, choices);
        const [seat] = engine.activeSeats(state);
        const grid = spec.read(state.game, []);
        for (let index = 0; index < spec.size; index++) {
          const result = engine.check(state, seat!, moveOf(spec, index));
          if (spec.target(grid, index)) {
            expect(result).toEqual({ ok: true, value: moveOf(spec, index) });
          } else {
            expect(result.ok).toBe(false);
            if (!result.ok) {
              expect(result.error.code).toBe("illegal");
              expect(result.error.reason).toBe(spec.takenReason);
              expect(result.error.message.length).toBeGreaterThan(0);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("never mutates the state when checking or applying, even a deeply frozen one", () => {
    fc.assert(
      fc.property(
        someMoves,
        fc.oneof(anything, nearMisses(spec)),
        fc.integer({ min: -1, max: 2 }),
        (choices, move, seat) => {
          const { engine, state } = playingPosition(spec, choices);
          const before = structuredClone(state);
          deepFreeze(state);
          const [active] = engine.activeSeats(state);
          const attempts: [number, unknown][] = [
            [seat, move],
            [active! + 1, moveOf(spec, 0)],
            ...Array.from({ length: spec.size }, (_, i): [number, unknown] => [active!, moveOf(spec, i)]),
          ];
          for (const [s, m] of attempts) {
            const result = engine.check(state, s, m);
            if (result.ok) engine.apply(state, { kind: "move", seat: s, move: m, id: "x" });
          }
          engine.apply(state, { kind: "resign", seat: active! });
          engine.apply(state, engine.timeout(state)!);
          expect(state).toEqual(before);
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([0, 1])("gives the win to the other seat with reason resign when seat %i resigns", (loser) => {
    for (const choices of [[], [0], [1, 2, 3]]) {
      const { engine, last } = play(spec, choices);
      const state = engine.apply(last, { kind: "resign", seat: loser });
      expect(state.status).toBe("finished");
      expect(state.result).toEqual({ kind: "win", winners: [1 - loser], reason: "resign" });
      expect(state.moves).toBe(last.moves);
      expect(state.game).toEqual(last.game);
      expect(engine.activeSeats(state)).toEqual([]);
      expect(engine.timeout(state)).toBeNull();
      const refused = engine.check(state, 1 - loser, moveOf(spec, spec.size - 1));
      expect(refused.ok ? "accepted" : refused.error.code).toBe("game-over");
    }
  });

  it("times out the seat to move, giving the other seat the win with reason timeout", () => {
    fc.assert(
      fc.property(someMoves, (choices) => {
        const { engine, state } = playingPosition(spec, choices);
        const [active] = engine.activeSeats(state);
        const event = engine.timeout(state);
        expect(event).toEqual({ kind: "timeout", seats: [active] });
        const after = engine.apply(state, event!);
        expect(after.status).toBe("finished");
        expect(after.result).toEqual({ kind: "win", winners: [1 - active!], reason: "timeout" });
        expect(after.moves).toBe(state.moves);
        expect(engine.timeout(after)).toBeNull();
        expect(engine.activeSeats(after)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it("throws on events that cannot follow the state (defects, not refusals)", () => {
    const { engine, state } = started(spec);
    const finished = engine.apply(state, { kind: "resign", seat: 0 });
    expect(() => engine.apply(state, START)).toThrow();
    expect(() => engine.apply(engine.initial(), { kind: "resign", seat: 0 })).toThrow();
    expect(() => engine.apply(engine.initial(), { kind: "timeout", seats: [0] })).toThrow();
    expect(() => engine.apply(finished, { kind: "resign", seat: 1 })).toThrow();
    expect(() => engine.apply(state, { kind: "resign", seat: 5 })).toThrow(/not in the match/);
    expect(() => engine.apply(finished, { kind: "timeout", seats: [1] })).toThrow();
    expect(() => engine.apply(state, { kind: "move", seat: 1, move: moveOf(spec, 0), id: "x" })).toThrow(
      /not-your-turn/,
    );
    expect(() => engine.apply(state, { kind: "move", seat: 0, move: { [spec.key]: -1 }, id: "x" })).toThrow(/bad-move/);
  });
});

// -------------------------------------------------------------------------------------------
// Known positions

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
