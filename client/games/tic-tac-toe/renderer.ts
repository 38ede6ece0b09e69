/**
 * Tic-tac-toe: nine cell buttons in a fixed 3×3 grid, built once per board; arrow keys move
 * between cells (one of them in the tab order), Enter or Space marks.
 */
import "./tic-tac-toe.css";
import { winningLine, type TicTacToeMove, type TicTacToeState } from "../../../shared/games/tic-tac-toe.ts";
import type { RenderContext, RendererOf } from "../renderer.ts";

declare module "../index.ts" {
  interface Renderers {
    "tic-tac-toe": typeof renderer;
  }
}

const MARKS = ["X", "O"] as const;
const NAMES = [
  "top left",
  "top",
  "top right",
  "left",
  "centre",
  "right",
  "bottom left",
  "bottom",
  "bottom right",
] as const;
interface Board {
  readonly grid: HTMLElement;
  readonly cells: HTMLButtonElement[];
  focus: number;
  context: RenderContext<TicTacToeState, TicTacToeMove> | null;
}

const boards = new WeakMap<HTMLElement, Board>();

function moveFocus(board: Board, cell: number, focus: boolean): void {
  board.focus = cell;
  board.cells.forEach((button, index) => (button.tabIndex = index === cell ? 0 : -1));
  if (focus) board.cells[cell]?.focus();
}

function build(root: HTMLElement): Board {
  const grid = document.createElement("div");
  grid.className = "board ttt";
  grid.setAttribute("role", "group");
  grid.setAttribute("aria-label", "Tic-tac-toe board");
  const board: Board = { grid, cells: [], focus: 4, context: null };
  for (let cell = 0; cell < 9; cell++) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "ttt-cell";
    button.dataset.cell = String(cell);
    button.tabIndex = cell === board.focus ? 0 : -1;
    button.addEventListener("click", () => {
      board.focus = cell;
      const context = board.context;
      if (context && context.mySeat !== null) context.play({ cell });
    });
    button.addEventListener("focus", () => moveFocus(board, cell, false));
    board.cells.push(button);
    grid.append(button);
  }
  grid.addEventListener("keydown", (event) => {
    const row = Math.floor(board.focus / 3);
    const column = board.focus % 3;
    const to =
      event.key === "ArrowLeft"
        ? row * 3 + Math.max(0, column - 1)
        : event.key === "ArrowRight"
          ? row * 3 + Math.min(2, column + 1)
          : event.key === "ArrowUp"
            ? Math.max(0, row - 1) * 3 + column
            : event.key === "ArrowDown"
              ? Math.min(2, row + 1) * 3 + column
              : event.key === "Home"
                ? 0
                : event.key === "End"
                  ? 8
                  : null;
    if (to === null) return;
    event.preventDefault();
    moveFocus(board, to, true);
  });
  root.replaceChildren(grid);
  return board;
}

export const renderer: RendererOf<"tic-tac-toe"> = {
  pieces: MARKS,
  reasons: { "three-in-a-row": "three in a row", "board-full": "the board is full" },
  // The marks are letters: seat tokens show them.
  token: (seat) => MARKS[seat] ?? "",

  render(root, context) {
    let board = boards.get(root);
    if (!board || board.grid.parentElement !== root) boards.set(root, (board = build(root)));
    board.context = context;
    const cells = context.view?.cells ?? [];
    const last = context.lastMove?.cell;
    const line: readonly number[] = winningLine(cells) ?? [];
    const watching = context.mySeat === null;
    board.grid.classList.toggle("can-move", context.canMove);
    board.grid.classList.toggle("watching", watching);
    board.grid.dataset.turn = context.canMove && context.mySeat !== null ? String(context.mySeat) : "";
    board.cells.forEach((button, index) => {
      const seat = cells[index];
      const value = seat == null ? "" : String(seat);
      const mark = seat == null ? "" : (MARKS[seat] ?? "?");
      if (button.dataset.seat !== value) {
        button.dataset.seat = value;
        button.textContent = mark;
      }
      button.disabled = watching;
      // Still clickable when not playable: the click is answered with why (the SDK's refusal).
      button.dataset.playable = String(context.canMove && seat == null);
      button.setAttribute("aria-label", `${NAMES[index]}, ${mark || "empty"}`);
      button.classList.toggle("last", index === last && seat != null);
      button.classList.toggle("win", line.includes(index));
    });
  },

  describe: ({ cell }) => NAMES[cell] ?? "?",

  explain: (reason, { cell }) => (reason === "cell-occupied" ? `The ${NAMES[cell]} square is taken.` : null),
};
