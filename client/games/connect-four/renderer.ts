/**
 * Connect Four: seven column buttons of six cells each. The DOM is built once per board and
 * only classes and attributes change afterwards, so nothing moves when a disc drops.
 */
import "./connect-four.css";
import { COLUMNS, linesThrough, ROWS } from "../../../shared/games/connect-four.ts";
import type { RenderContextOf, RendererOf } from "../renderer.ts";

declare module "../index.ts" {
  interface Renderers {
    "connect-four": typeof renderer;
  }
}

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
  context: RenderContextOf<"connect-four"> | null;
}

const boards = new WeakMap<HTMLElement, Board>();
/** Where each key moves the focus from column `at`. */
const KEYS: Readonly<Record<string, (at: number) => number>> = {
  ArrowLeft: (at) => at - 1,
  ArrowRight: (at) => at + 1,
  Home: () => 0,
  End: () => COLUMNS - 1,
};

function build(root: HTMLElement): Board {
  const grid = Object.assign(document.createElement("div"), { className: "board c4" });
  grid.setAttribute("role", "group");
  grid.setAttribute("aria-label", "Connect Four board");
  const columns: HTMLButtonElement[] = [];
  const cells: HTMLElement[][] = [];
  const board: Board = { grid, columns, cells, counts: null, dropped: null, focus: 3, context: null };
  for (let column = 0; column < COLUMNS; column++) {
    const button = Object.assign(document.createElement("button"), { type: "button", className: "c4-col" });
    button.dataset.column = String(column);
    button.setAttribute("aria-label", `Column ${column + 1}`);
    button.tabIndex = column === board.focus ? 0 : -1;
    // Kept bottom-up so cells[column][row] matches the game's columns; drawn top-down.
    const stack = Array.from({ length: ROWS }, () =>
      Object.assign(document.createElement("span"), { className: "c4-cell" }),
    );
    button.append(...stack.toReversed());
    button.addEventListener("click", () => {
      board.focus = column;
      if (board.context?.mySeat != null) board.context.play({ column });
    });
    button.addEventListener("focus", () => moveFocus(board, column, false));
    columns.push(button);
    cells.push(stack);
    grid.append(button);
  }
  grid.addEventListener("keydown", (event) => {
    const to = KEYS[event.key]?.(board.focus);
    if (to === undefined) return;
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

export const renderer: RendererOf<"connect-four"> = {
  pieces: ["Red", "Yellow"],
  reasons: { "four-in-a-row": "four in a row", "board-full": "the board is full" },

  render(root, context) {
    let board = boards.get(root);
    if (!board || board.grid.parentElement !== root) boards.set(root, (board = build(root)));
    board.context = context;
    const state = context.view;
    const columns = state?.columns ?? [];
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
    const { last = null, winner = null } = state ?? {};
    const line = new Set(last && winner !== null ? linesThrough(columns, last.column, last.row) : []);
    const watching = context.mySeat === null;
    board.grid.classList.toggle("can-move", context.canMove);
    board.grid.classList.toggle("watching", watching);
    board.grid.dataset.turn = context.canMove && context.mySeat !== null ? String(context.mySeat) : "";
    for (let column = 0; column < COLUMNS; column++) {
      const button = board.columns[column]!;
      const filled = counts[column] ?? 0;
      const full = filled >= ROWS;
      button.disabled = watching;
      // Still clickable when not playable: the click is answered with why (the SDK's refusal).
      button.dataset.playable = String(context.canMove && !full);
      button.title = full ? `Column ${column + 1} is full` : `Drop in column ${column + 1}`;
      button.setAttribute("aria-description", full ? "full" : `${filled} of ${ROWS} filled`);
      for (let row = 0; row < ROWS; row++) {
        const cell = board.cells[column]![row]!;
        const key = `${column}:${row}`;
        const seat = String(columns[column]?.[row] ?? "");
        if (cell.dataset.seat !== seat) cell.dataset.seat = seat;
        cell.classList.toggle("last", key === `${last?.column}:${last?.row}`);
        cell.classList.toggle("win", line.has(key));
        cell.classList.toggle("drop", key === board.dropped);
      }
    }
  },

  describe: ({ column }) => `column ${column + 1}`,

  explain: (reason, { column }) => (reason === "column-full" ? `Column ${column + 1} is full.` : null),
};
