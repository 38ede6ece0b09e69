/**
 * Connect Four: seven column buttons of six cells each. The DOM is built once per board and
 * only classes and attributes change afterwards, so nothing moves when a disc drops.
 */
import "./connect-four.css";
import type { Seat } from "../../../shared/game.ts";
import { COLUMNS, ROWS, type ConnectFourState } from "../../../shared/games/connect-four.ts";
import type { RenderContext, Renderer } from "../renderer.ts";

interface Board {
  readonly grid: HTMLElement;
  readonly columns: HTMLButtonElement[];
  /** cells[column][row], row 0 at the bottom, as the game stores them. */
  readonly cells: HTMLElement[][];
  /** Discs per column at the last render: a single new disc is animated as it drops. */
  counts: number[] | null;
  /** The disc animating in ("column:row"), kept until the board changes again. */
  dropped: string | null;
  focus: number;
  context: RenderContext | null;
}

const boards = new WeakMap<HTMLElement, Board>();
const PIECES = ["Red", "Yellow"] as const;

/** Reads the state defensively: a view of another shape draws an empty board. */
function columnsOf(view: unknown): readonly (readonly Seat[])[] {
  const columns = (view as Partial<ConnectFourState> | null)?.columns;
  return Array.isArray(columns) ? columns : [];
}

/** The cells of the winning line through the last disc, as "column:row" keys. */
function winningCells(state: ConnectFourState | null): Set<string> {
  const line = new Set<string>();
  if (!state || state.winner === null || !state.last) return line;
  const { column, row } = state.last;
  const seat = state.columns[column]?.[row];
  for (const [dc, dr] of [
    [1, 0],
    [0, 1],
    [1, 1],
    [1, -1],
  ] as const) {
    const run = [`${column}:${row}`];
    for (const sign of [1, -1]) {
      for (
        let c = column + dc * sign, r = row + dr * sign;
        state.columns[c]?.[r] === seat;
        c += dc * sign, r += dr * sign
      ) {
        run.push(`${c}:${r}`);
      }
    }
    if (run.length >= 4) for (const key of run) line.add(key);
  }
  return line;
}

function build(root: HTMLElement): Board {
  const grid = document.createElement("div");
  grid.className = "board c4";
  grid.setAttribute("role", "group");
  grid.setAttribute("aria-label", "Connect Four board");
  const columns: HTMLButtonElement[] = [];
  const cells: HTMLElement[][] = [];
  const board: Board = { grid, columns, cells, counts: null, dropped: null, focus: 3, context: null };
  for (let column = 0; column < COLUMNS; column++) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "c4-col";
    button.dataset.column = String(column);
    button.setAttribute("aria-label", `Column ${column + 1}`);
    button.tabIndex = column === board.focus ? 0 : -1;
    const stack: HTMLElement[] = [];
    // Drawn top-down; kept bottom-up so cells[column][row] matches the game's columns.
    for (let row = ROWS - 1; row >= 0; row--) {
      const cell = document.createElement("span");
      cell.className = "c4-cell";
      cell.dataset.row = String(row);
      stack[row] = cell;
      button.append(cell);
    }
    button.addEventListener("click", () => {
      board.focus = column;
      const context = board.context;
      if (context && context.mySeat !== null) context.play({ column });
    });
    button.addEventListener("focus", () => moveFocus(board, column, false));
    columns.push(button);
    cells.push(stack);
    grid.append(button);
  }
  grid.addEventListener("keydown", (event) => {
    const to =
      event.key === "ArrowLeft"
        ? board.focus - 1
        : event.key === "ArrowRight"
          ? board.focus + 1
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? COLUMNS - 1
              : null;
    if (to === null) return;
    event.preventDefault();
    moveFocus(board, Math.max(0, Math.min(COLUMNS - 1, to)), true);
  });
  root.replaceChildren(grid);
  return board;
}

/** Roving tabindex: one column is in the tab order, arrows move it. */
function moveFocus(board: Board, column: number, focus: boolean): void {
  board.focus = column;
  board.columns.forEach((button, index) => (button.tabIndex = index === column ? 0 : -1));
  if (focus) board.columns[column]?.focus();
}

export const renderer: Renderer = {
  pieces: PIECES,

  render(root, context) {
    let board = boards.get(root);
    if (!board || board.grid.parentElement !== root) boards.set(root, (board = build(root)));
    board.context = context;
    const state = context.view as ConnectFourState | null;
    const columns = columnsOf(context.view);
    const counts = Array.from({ length: COLUMNS }, (_, column) => columns[column]?.length ?? 0);
    const previous = board.counts;
    // Exactly one more disc than last time: that one drops in. Anything else is a jump (replay, reload).
    const grown = counts.map((count, column) => count - (previous?.[column] ?? 0));
    const changed = grown.filter((delta) => delta !== 0).length;
    if (changed > 0) {
      const column = grown.indexOf(1);
      board.dropped = previous && changed === 1 && column >= 0 ? `${column}:${counts[column]! - 1}` : null;
    }
    board.counts = counts;
    const last = state?.last ? `${state.last.column}:${state.last.row}` : null;
    const line = winningCells(columns.length === COLUMNS ? state : null);
    const watching = context.mySeat === null;
    board.grid.classList.toggle("can-move", context.canMove);
    board.grid.classList.toggle("watching", watching);
    board.grid.dataset.turn = context.canMove && context.mySeat !== null ? String(context.mySeat) : "";
    for (let column = 0; column < COLUMNS; column++) {
      const button = board.columns[column]!;
      const full = (counts[column] ?? 0) >= ROWS;
      button.disabled = watching;
      // Still clickable when not playable: the click is answered with why (the SDK's refusal).
      button.dataset.playable = String(context.canMove && !full);
      const filled = counts[column] ?? 0;
      button.title = full ? `Column ${column + 1} is full` : `Drop in column ${column + 1}`;
      button.setAttribute("aria-description", full ? "full" : `${filled} of ${ROWS} filled`);
      for (let row = 0; row < ROWS; row++) {
        const cell = board.cells[column]![row]!;
        const seat = columns[column]?.[row];
        const key = `${column}:${row}`;
        const value = seat === undefined ? "" : String(seat);
        if (cell.dataset.seat !== value) cell.dataset.seat = value;
        cell.classList.toggle("last", key === last);
        cell.classList.toggle("win", line.has(key));
        cell.classList.toggle("drop", key === board.dropped);
      }
    }
  },

  describe(move) {
    const column = (move as { column?: unknown } | null)?.column;
    return typeof column === "number" ? `column ${column + 1}` : "?";
  },

  explain(reason, move) {
    const column = (move as { column?: unknown } | null)?.column;
    if (reason === "column-full" && typeof column === "number") return `Column ${column + 1} is full.`;
    return null;
  },
};
