/**
 * The Connect Four search bot: alpha-beta search with iterative deepening, bounded by counting
 * search nodes, never by a clock, so its choice is a pure function of (state, seat, random).
 */
import type { Bot } from "../bots/kinds.ts";
import type { Seat } from "../game.ts";
import type { Random } from "../random.ts";
import { COLUMNS, ROWS, type ConnectFourMove, type ConnectFourState } from "./connect-four.ts";

/**
 * Search nodes per Connect Four move: about 6 ms a move on the machine docs/performance.md
 * describes (npm run bench:bots), enough to finish 7–8 plies deep in the opening.
 */
export const CONNECT_FOUR_NODE_BUDGET = 20_000;

const CELLS = COLUMNS * ROWS;
/** Columns from the centre out: central discs take part in the most lines. */
const CENTRE_FIRST: readonly number[] = [3, 2, 4, 1, 5, 0, 6];
/** A won position's score; a win found `ply` plies down scores WIN - ply, so quicker wins rank higher. */
const WIN = 1_000_000;
/** Scores this far from ±WIN are proven wins and losses. */
const PROVEN = WIN - CELLS - 2;

const cellOf = (column: number, row: number): number => column * ROWS + row;

/** Every four-in-a-line window on the board, as cell indices, and the windows through each cell. */
const { WINDOWS, WINDOWS_AT } = (() => {
  const windows: number[][] = [];
  const directions = [
    [1, 0],
    [0, 1],
    [1, 1],
    [1, -1],
  ] as const;
  for (let column = 0; column < COLUMNS; column++) {
    for (let row = 0; row < ROWS; row++) {
      for (const [dc, dr] of directions) {
        const endColumn = column + 3 * dc;
        const endRow = row + 3 * dr;
        if (endColumn < 0 || endColumn >= COLUMNS || endRow < 0 || endRow >= ROWS) continue;
        windows.push([0, 1, 2, 3].map((k) => cellOf(column + k * dc, row + k * dr)));
      }
    }
  }
  const at: number[][] = Array.from({ length: CELLS }, () => []);
  windows.forEach((cells, index) => {
    for (const cell of cells) at[cell]?.push(index);
  });
  return { WINDOWS: windows, WINDOWS_AT: at };
})();

/**
 * What one window is worth to seat 0, indexed by (seat 0's discs) * 5 + (seat 1's discs).
 * Only windows one side could still complete count: a three with its fourth cell open is a
 * threat, a two is a chance, and a window holding both colours is dead.
 */
const WINDOW_SCORE: readonly number[] = (() => {
  const worth = [0, 1, 8, 40, 0];
  const table: number[] = [];
  for (let mine = 0; mine <= 4; mine++) {
    for (let theirs = 0; theirs <= 4; theirs++) {
      table.push(mine > 0 && theirs > 0 ? 0 : (worth[mine] ?? 0) - (worth[theirs] ?? 0));
    }
  }
  return table;
})();

/** Extra worth of a disc in each column, besides the windows it joins. */
const COLUMN_SCORE: readonly number[] = [0, 1, 2, 4, 2, 1, 0];

/**
 * A private, mutable copy of a position with per-window disc counts, kept up to date on every
 * drop and undo, so a win test and the evaluation both cost one pass over a cell's windows.
 */
class Board {
  readonly heights = new Int8Array(COLUMNS);
  /** Discs of seat 0 and seat 1 in each window. */
  readonly counts = [new Int8Array(WINDOWS.length), new Int8Array(WINDOWS.length)] as const;
  /** The evaluation from seat 0's side. */
  score = 0;
  discs = 0;
  nodes = 0;

  constructor(state: ConnectFourState) {
    state.columns.forEach((column, index) => {
      for (const seat of column) this.drop(index, seat === 0 ? 0 : 1);
    });
  }

  canDrop(column: number): boolean {
    return (this.heights[column] ?? ROWS) < ROWS;
  }

  /** Drops a disc for `side`; true when it completes four. */
  drop(column: number, side: 0 | 1): boolean {
    const row = this.heights[column] ?? 0;
    this.heights[column] = row + 1;
    this.discs++;
    const own = this.counts[side];
    const other = this.counts[side === 0 ? 1 : 0];
    let won = false;
    for (const window of WINDOWS_AT[cellOf(column, row)] ?? []) {
      const before =
        side === 0 ? (own[window] ?? 0) * 5 + (other[window] ?? 0) : (other[window] ?? 0) * 5 + (own[window] ?? 0);
      const count = (own[window] ?? 0) + 1;
      own[window] = count;
      if (count === 4) won = true;
      this.score += (WINDOW_SCORE[before + (side === 0 ? 5 : 1)] ?? 0) - (WINDOW_SCORE[before] ?? 0);
    }
    this.score += side === 0 ? (COLUMN_SCORE[column] ?? 0) : -(COLUMN_SCORE[column] ?? 0);
    return won;
  }

  /** Takes back the top disc of `column`, which `side` dropped. */
  undo(column: number, side: 0 | 1): void {
    const row = (this.heights[column] ?? 1) - 1;
    this.heights[column] = row;
    this.discs--;
    const own = this.counts[side];
    const other = this.counts[side === 0 ? 1 : 0];
    for (const window of WINDOWS_AT[cellOf(column, row)] ?? []) {
      const after =
        side === 0 ? (own[window] ?? 0) * 5 + (other[window] ?? 0) : (other[window] ?? 0) * 5 + (own[window] ?? 0);
      own[window] = (own[window] ?? 1) - 1;
      this.score += (WINDOW_SCORE[after - (side === 0 ? 5 : 1)] ?? 0) - (WINDOW_SCORE[after] ?? 0);
    }
    this.score -= side === 0 ? (COLUMN_SCORE[column] ?? 0) : -(COLUMN_SCORE[column] ?? 0);
  }

  /** True when `side` dropping into `column` now would complete four. */
  wins(column: number, side: 0 | 1): boolean {
    const row = this.heights[column] ?? ROWS;
    if (row >= ROWS) return false;
    const own = this.counts[side];
    for (const window of WINDOWS_AT[cellOf(column, row)] ?? []) if (own[window] === 3) return true;
    return false;
  }
}

/**
 * Thrown through the search when the node budget runs out. The unfinished depth is dropped
 * and so is the board, left mid-search (which is why drops are not undone in a `finally`).
 */
const OUT_OF_NODES = Symbol("out of nodes");

/** The value of the position for `side` to move, searching `depth` plies (negamax, alpha-beta). */
function negamax(
  board: Board,
  side: 0 | 1,
  depth: number,
  alpha: number,
  beta: number,
  ply: number,
  budget: number,
): number {
  if (++board.nodes > budget) throw OUT_OF_NODES;
  const opponent = side === 0 ? 1 : 0;
  for (const column of CENTRE_FIRST) if (board.wins(column, side)) return WIN - ply - 1;
  if (board.discs >= CELLS) return 0;
  // The opponent threatens to win: block the one threat, and two threats cannot both be blocked.
  let forced = -1;
  for (const column of CENTRE_FIRST) {
    if (!board.wins(column, opponent)) continue;
    if (forced !== -1) return -(WIN - ply - 2);
    forced = column;
  }
  if (depth <= 0) return side === 0 ? board.score : -board.score;
  // Nobody can win before the board fills: the bounds tighten to what is still possible.
  const best = WIN - ply - 3;
  if (beta > best) {
    beta = best;
    if (alpha >= beta) return beta;
  }
  let value = -Infinity;
  for (const column of forced === -1 ? CENTRE_FIRST : [forced]) {
    if (!board.canDrop(column)) continue;
    board.drop(column, side);
    const child = -negamax(board, opponent, depth - 1, -beta, -alpha, ply + 1, budget);
    board.undo(column, side);
    if (child > value) value = child;
    if (value > alpha) alpha = value;
    if (alpha >= beta) break;
  }
  return value === -Infinity ? 0 : value;
}

/** Root moves scored at one depth, exactly for every move tied with the best. */
function searchRoot(
  board: Board,
  side: 0 | 1,
  depth: number,
  order: readonly number[],
  budget: number,
): { score: number; best: number[] } {
  const opponent = side === 0 ? 1 : 0;
  let score = -Infinity;
  let best: number[] = [];
  for (const column of order) {
    board.drop(column, side);
    // A window just below the best so far makes a tie come back exact rather than as a bound.
    const value = -negamax(board, opponent, depth - 1, -Infinity, -(score - 1), 1, budget);
    board.undo(column, side);
    if (value > score) {
      score = value;
      best = [column];
    } else if (value === score) {
      best.push(column);
    }
  }
  return { score, best };
}

/** The columns of a Connect Four state, checked: a search on a malformed board is a defect. */
function connectFourState(state: unknown): ConnectFourState {
  if (typeof state !== "object" || state === null) throw new Error("search bot: not a Connect Four state");
  const { columns, turn } = state as Partial<Record<keyof ConnectFourState, unknown>>;
  const valid =
    Array.isArray(columns) &&
    columns.length === COLUMNS &&
    columns.every(
      (column) => Array.isArray(column) && column.length <= ROWS && column.every((seat) => seat === 0 || seat === 1),
    ) &&
    (turn === 0 || turn === 1);
  if (!valid) throw new Error("search bot: not a Connect Four state");
  return state as ConnectFourState;
}

/**
 * The Connect Four move the search prefers: an immediate win, else a block of the one immediate
 * threat, else the best move of the deepest iteration the node budget completed, ties broken
 * with `random`.
 */
export function searchConnectFour(
  state: ConnectFourState,
  seat: Seat,
  random: Random,
  budget = CONNECT_FOUR_NODE_BUDGET,
): ConnectFourMove {
  if (state.winner !== null || seat !== state.turn) throw new Error(`search bot: seat ${seat} may not move`);
  const board = new Board(state);
  const side: 0 | 1 = seat === 0 ? 0 : 1;
  const opponent = side === 0 ? 1 : 0;
  const legal = CENTRE_FIRST.filter((column) => board.canDrop(column));
  const pick = (columns: readonly number[]): ConnectFourMove => {
    const column = columns[columns.length === 1 ? 0 : random.int(columns.length)];
    if (column === undefined) throw new Error("search bot: no legal move");
    return { column };
  };
  if (legal.length === 0) throw new Error("search bot: the board is full");

  const winning = legal.filter((column) => board.wins(column, side));
  if (winning.length > 0) return pick(winning);
  const threats = legal.filter((column) => board.wins(column, opponent));
  if (threats.length === 1) return pick(threats);

  let chosen: readonly number[] = legal;
  let order = legal;
  for (let depth = 1; depth <= CELLS - board.discs; depth++) {
    let result: { score: number; best: number[] };
    try {
      result = searchRoot(board, side, depth, order, budget);
    } catch (error) {
      if (error === OUT_OF_NODES) break;
      throw error;
    }
    chosen = result.best;
    // Search the last iteration's best moves first: they make the tightest window soonest.
    order = [...result.best, ...order.filter((column) => !result.best.includes(column))];
    if (Math.abs(result.score) >= PROVEN) break;
  }
  return pick(chosen);
}

/** The search bot with another node budget per move (tests and benchmarks; the server uses `searchBot`). */
export function createSearchBot(budget: number): Bot {
  if (!Number.isInteger(budget) || budget <= 0)
    throw new RangeError(`a node budget is a positive integer, got ${budget}`);
  const bot: Bot = {
    kind: "search",
    label: "Search",
    supports: (game) => game.id === "connect-four",
    choose(game, state, seat, random) {
      if (!bot.supports(game)) throw new Error(`search bot: cannot play ${game.id}`);
      return searchConnectFour(connectFourState(state), seat, random, budget);
    },
  };
  return bot;
}

/** Alpha-beta search over Connect Four (CONNECT_FOUR_NODE_BUDGET nodes a move). */
export const searchBot: Bot = createSearchBot(CONNECT_FOUR_NODE_BUDGET);
