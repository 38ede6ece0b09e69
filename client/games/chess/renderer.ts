/**
 * Chess: 64 square buttons in a fixed 8×8 grid, built once per board. Flipping the board only
 * moves squares to other grid cells, and a move only changes glyphs and classes, so nothing
 * jumps. A piece moves by click (select, then click a target), by drag (pointer events), or by
 * keyboard (arrows move focus, Enter or Space selects and moves); a pawn reaching the last rank
 * opens a picker of the four pieces. Legal targets come from the shared rules.
 */
import "./chess.css";
import { chess, chessTurn, START_FEN } from "../../../shared/games/chess.ts";
import { ChessRecord } from "../../../shared/games/chess-record.ts";
import type { RendererOf } from "../renderer.ts";
import {
  type Board,
  blackBottom,
  cellOf,
  FILES,
  GLYPHS,
  isMine,
  myColor,
  NAMES,
  PIECES,
  type PieceType,
  piecesOf,
  PROMOTIONS,
  squareAtCell,
  squareFrom,
} from "./board.ts";

declare module "../index.ts" {
  interface Renderers {
    chess: typeof renderer;
  }
}

const boards = new WeakMap<HTMLElement, Board>();

function build(root: HTMLElement): Board {
  const wrap = document.createElement("div");
  wrap.className = "chess-wrap";
  const stage = document.createElement("div");
  stage.className = "chess-stage";
  const grid = document.createElement("div");
  grid.className = "board chess";
  grid.setAttribute("role", "group");
  grid.setAttribute("aria-label", "Chess board");
  const squares = new Map<string, HTMLButtonElement>();
  const glyphs = new Map<string, HTMLElement>();
  for (let rank = 8; rank >= 1; rank--) {
    for (const file of FILES) {
      const square = `${file}${rank}`;
      const button = document.createElement("button");
      button.type = "button";
      button.className = `chess-sq ${(FILES.indexOf(file) + rank) % 2 === 1 ? "dark" : "light"}`;
      button.dataset.square = square;
      button.tabIndex = -1;
      const glyph = document.createElement("span");
      glyph.className = "chess-piece";
      glyph.setAttribute("aria-hidden", "true");
      button.append(glyph);
      squares.set(square, button);
      glyphs.set(square, glyph);
      grid.append(button);
    }
  }
  const picker = document.createElement("div");
  picker.className = "chess-promo";
  picker.setAttribute("role", "dialog");
  picker.setAttribute("aria-label", "Promote the pawn to");
  picker.hidden = true;
  const choices = PROMOTIONS.map((type) => {
    const choice = document.createElement("button");
    choice.type = "button";
    choice.className = "chess-promo-choice";
    choice.dataset.piece = type;
    choice.setAttribute("aria-label", NAMES[type]);
    choice.title = `Promote to ${NAMES[type]}`;
    return choice;
  });
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "chess-promo-cancel";
  cancel.textContent = "Cancel";
  const row = document.createElement("div");
  row.className = "chess-promo-row";
  row.append(...choices);
  picker.append(row, cancel);
  const ghost = document.createElement("span");
  ghost.className = "chess-ghost";
  ghost.setAttribute("aria-hidden", "true");
  ghost.hidden = true;
  stage.append(grid, picker, ghost);
  const bar = document.createElement("div");
  bar.className = "chess-bar";
  const flip = document.createElement("button");
  flip.type = "button";
  flip.className = "chess-flip";
  flip.textContent = "⇅ Flip board";
  flip.setAttribute("aria-pressed", "false");
  bar.append(flip);
  wrap.append(stage, bar);
  root.replaceChildren(wrap);

  const board: Board = {
    wrap,
    grid,
    squares,
    glyphs,
    picker,
    choices,
    ghost,
    flip,
    context: null,
    state: null,
    pieces: piecesOf(START_FEN),
    legal: [],
    fen: "",
    flipped: false,
    selected: null,
    promotion: null,
    drag: null,
    focus: "e2",
  };

  flip.addEventListener("click", () => {
    board.flipped = !board.flipped;
    flip.setAttribute("aria-pressed", String(board.flipped));
    draw(board);
  });
  for (const choice of choices) {
    choice.addEventListener("click", () => {
      const promotion = board.promotion;
      closePromotion(board, false);
      if (promotion) send(board, `${promotion.from}${promotion.to}${choice.dataset.piece ?? "q"}`);
    });
  }
  cancel.addEventListener("click", () => closePromotion(board, true));
  picker.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      closePromotion(board, true);
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      event.preventDefault();
      const index = choices.indexOf(document.activeElement as HTMLButtonElement);
      const next = (index + (event.key === "ArrowLeft" ? -1 : 1) + choices.length) % choices.length;
      choices[next]?.focus();
    }
  });

  // A click from the keyboard (Enter or Space on a focused square) has detail 0; clicks by
  // pointer are handled on pointerdown/up below, so they are not handled twice.
  grid.addEventListener("click", (event) => {
    const square = squareFrom(event.target);
    if (square && event.detail === 0) activate(board, square);
  });
  grid.addEventListener("focusin", (event) => {
    const square = squareFrom(event.target);
    if (square) moveFocus(board, square, false);
  });
  grid.addEventListener("keydown", (event) => onKey(board, event));
  grid.addEventListener("pointerdown", (event) => onPointerDown(board, event));
  grid.addEventListener("pointermove", (event) => onPointerMove(board, event));
  grid.addEventListener("pointerup", (event) => onPointerUp(board, event));
  grid.addEventListener("pointercancel", () => endDrag(board));
  grid.addEventListener("lostpointercapture", () => endDrag(board));
  return board;
}

/** Selects a square (or clears the selection with null) and redraws the highlights. */
function select(board: Board, square: string | null): void {
  board.selected = square;
  draw(board);
}

/** Plays `from`→`to`: opens the promotion picker when the pawn promotes, else sends it. */
function attempt(board: Board, from: string, to: string): void {
  const moves = board.legal.filter((move) => move.startsWith(`${from}${to}`));
  if (moves.some((move) => move.length === 5)) {
    board.promotion = { from, to };
    board.selected = from;
    draw(board);
    board.choices[0]?.focus();
    return;
  }
  // Not legal (or not this browser's turn): sent anyway, so the refusal says why.
  send(board, `${from}${to}`);
}

function send(board: Board, move: string): void {
  board.selected = null;
  board.promotion = null;
  draw(board);
  board.context?.play(move);
}

function closePromotion(board: Board, refocus: boolean): void {
  const promotion = board.promotion;
  board.promotion = null;
  board.selected = null;
  draw(board);
  if (refocus && promotion) board.squares.get(promotion.to)?.focus();
}

/** A square chosen by click or keyboard. */
function activate(board: Board, square: string): void {
  if (!board.context || board.context.mySeat === null) return;
  if (board.promotion) return closePromotion(board, false);
  if (isMine(board, square)) return select(board, board.selected === square ? null : square);
  if (board.selected) return attempt(board, board.selected, square);
  select(board, null);
}

function onPointerDown(board: Board, event: PointerEvent): void {
  if (event.button !== 0 || !board.context || board.context.mySeat === null) return;
  const square = squareFrom(event.target);
  if (!square) return;
  if (board.promotion) {
    closePromotion(board, false);
    return;
  }
  if (!isMine(board, square)) {
    if (board.selected) attempt(board, board.selected, square);
    else select(board, null);
    return;
  }
  const wasSelected = board.selected === square;
  select(board, square);
  board.drag = {
    from: square,
    pointer: event.pointerId,
    x: event.clientX,
    y: event.clientY,
    wasSelected,
    moving: false,
  };
  board.grid.setPointerCapture(event.pointerId);
}

function onPointerMove(board: Board, event: PointerEvent): void {
  const drag = board.drag;
  if (!drag || drag.pointer !== event.pointerId) return;
  if (!drag.moving) {
    if (Math.hypot(event.clientX - drag.x, event.clientY - drag.y) < 5) return;
    drag.moving = true;
    const size = board.squares.get(drag.from)?.getBoundingClientRect().width ?? 48;
    const piece = board.pieces.get(drag.from);
    board.ghost.textContent = piece ? GLYPHS[piece.type] : "";
    board.ghost.className = `chess-ghost ${piece?.color ?? ""}`;
    board.ghost.style.width = board.ghost.style.height = `${size}px`;
    board.ghost.style.fontSize = `${size * 0.8}px`;
    board.ghost.hidden = false;
    board.squares.get(drag.from)?.classList.add("lifted");
  }
  board.ghost.style.transform = `translate(${event.clientX}px, ${event.clientY}px) translate(-50%, -50%)`;
}

function onPointerUp(board: Board, event: PointerEvent): void {
  const drag = board.drag;
  if (!drag || drag.pointer !== event.pointerId) return;
  endDrag(board);
  if (drag.moving) {
    const target = squareFrom(document.elementFromPoint(event.clientX, event.clientY));
    if (target && target !== drag.from && board.grid.contains(board.squares.get(target) ?? null))
      attempt(board, drag.from, target);
  } else if (drag.wasSelected) {
    select(board, null);
  }
}

function endDrag(board: Board): void {
  if (!board.drag) return;
  const { from, pointer } = board.drag;
  board.drag = null;
  board.ghost.hidden = true;
  board.squares.get(from)?.classList.remove("lifted");
  if (board.grid.hasPointerCapture(pointer)) board.grid.releasePointerCapture(pointer);
}

function onKey(board: Board, event: KeyboardEvent): void {
  if (event.key === "Escape") {
    if (board.selected || board.promotion) {
      event.preventDefault();
      closePromotion(board, false);
    }
    return;
  }
  const { row, column } = cellOf(board, board.focus);
  const [dr, dc] =
    event.key === "ArrowUp"
      ? [-1, 0]
      : event.key === "ArrowDown"
        ? [1, 0]
        : event.key === "ArrowLeft"
          ? [0, -1]
          : event.key === "ArrowRight"
            ? [0, 1]
            : event.key === "Home"
              ? [0, -column]
              : event.key === "End"
                ? [0, 7 - column]
                : [null, null];
  if (dr === null || dc === null) return;
  event.preventDefault();
  const clamp = (n: number) => Math.max(0, Math.min(7, n));
  moveFocus(board, squareAtCell(board, clamp(row + dr), clamp(column + dc)), true);
}

/** Roving tabindex: one square is in the tab order; arrows move it. */
function moveFocus(board: Board, square: string, focus: boolean): void {
  if (board.focus !== square) {
    board.squares.get(board.focus)?.setAttribute("tabindex", "-1");
    board.focus = square;
  }
  board.squares.get(square)?.setAttribute("tabindex", "0");
  if (focus) board.squares.get(square)?.focus();
}

/** Brings every square up to date with the board's state, selection and orientation. */
function draw(board: Board): void {
  const context = board.context;
  const state = board.state;
  const watching = !context || context.mySeat === null;
  const turn = state ? chessTurn(state) : 0;
  const targets = new Set<string>();
  if (board.selected)
    for (const move of board.legal) if (move.startsWith(board.selected)) targets.add(move.slice(2, 4));
  let checked: string | null = null;
  if (state?.check) {
    for (const [square, piece] of board.pieces)
      if (piece.type === "k" && piece.color === (turn === 0 ? "w" : "b")) checked = square;
  }
  const last = state?.last ?? null;
  const bottom = blackBottom(board);
  board.grid.classList.toggle("can-move", context?.canMove ?? false);
  board.grid.classList.toggle("watching", watching);
  board.grid.classList.toggle("flipped", bottom);
  board.grid.dataset.turn = turn === 0 ? "w" : "b";
  for (const [square, button] of board.squares) {
    const { row, column } = cellOf(board, square);
    if (button.style.gridRow !== String(row + 1)) button.style.gridRow = String(row + 1);
    if (button.style.gridColumn !== String(column + 1)) button.style.gridColumn = String(column + 1);
    // Coordinates along the bottom row and the left column, whichever way the board faces.
    const piece = board.pieces.get(square);
    const glyph = board.glyphs.get(square)!;
    button.dataset.file = row === 7 ? square[0]! : "";
    // On the glyph, whose ::before draws it: attr() reads the element's own attributes.
    glyph.dataset.rank = column === 0 ? square[1]! : "";
    const text = piece ? GLYPHS[piece.type] : "";
    if (glyph.textContent !== text) glyph.textContent = text;
    const color = piece?.color ?? "";
    if (glyph.dataset.color !== color) glyph.dataset.color = color;
    const target = targets.has(square);
    button.disabled = watching;
    button.classList.toggle("selected", square === board.selected);
    button.classList.toggle("target", target);
    button.classList.toggle("capture", target && piece !== undefined);
    button.classList.toggle("last", square === last?.from || square === last?.to);
    button.classList.toggle("check", square === checked);
    const name = piece ? `${square}, ${piece.color === "w" ? "white" : "black"} ${NAMES[piece.type]}` : square;
    if (button.getAttribute("aria-label") !== name) button.setAttribute("aria-label", name);
    const notes = [
      square === board.selected ? "selected" : "",
      target ? (piece ? "can be captured" : "legal move") : "",
      square === checked ? "in check" : "",
      square === last?.to ? "last move" : "",
    ].filter(Boolean);
    if (button.getAttribute("aria-description") !== notes.join(", "))
      button.setAttribute("aria-description", notes.join(", "));
  }
  if (!board.squares.get(board.focus)?.matches(":focus")) moveFocus(board, board.focus, false);
  board.picker.hidden = board.promotion === null;
  if (board.promotion) {
    const color = myColor(board) ?? "w";
    for (const choice of board.choices) {
      choice.textContent = GLYPHS[(choice.dataset.piece ?? "q") as PieceType];
      choice.dataset.color = color;
    }
  }
  board.flip.setAttribute("aria-label", bottom ? "Flip board: White at the bottom" : "Flip board: Black at the bottom");
}

/** Short text for a move as it was sent: SAN as it is, UCI with a dash ("e2–e4", "e7–e8=Q"). */
function describeMove(move: unknown): string {
  if (typeof move !== "string") return "?";
  const uci = /^([a-h][1-8])([a-h][1-8])([qrbnQRBN])?$/.exec(move);
  if (!uci) return move;
  return `${uci[1]}–${uci[2]}${uci[3] ? `=${uci[3].toUpperCase()}` : ""}`;
}

export const renderer: RendererOf<"chess"> = {
  pieces: PIECES,
  reasons: {
    checkmate: (_, { winners, losers }) => `Checkmate: ${winners} mated ${losers === "You" ? "you" : losers}.`,
    stalemate: "stalemate",
    "threefold-repetition": "by threefold repetition",
    "fifty-move-rule": "by the fifty-move rule",
    "insufficient-material": "neither side can checkmate",
    "timeout-vs-insufficient-material": "time ran out, but the other side could not have checkmated",
  },
  // Chess is also played by post: a move a few days.
  controls: [{ kind: "correspondence", days: 3 }],

  render(root, context) {
    let board = boards.get(root);
    const fresh = !board || board.wrap.parentElement !== root;
    if (!board || fresh) {
      board = build(root);
      boards.set(root, board);
    }
    board.context = context;
    const state = context.view;
    const fen = state?.fen ?? START_FEN;
    if (fresh) board.focus = context.mySeat === 1 ? "e7" : "e2";
    if (fen !== board.fen) {
      board.fen = fen;
      board.pieces = piecesOf(fen);
      board.selected = null;
      board.promotion = null;
      if (board.drag) endDrag(board);
    }
    board.state = state;
    board.legal = state && context.canMove && context.mySeat !== null ? chess.legalMoves(state, context.mySeat) : [];
    // A selection survives a re-render of the same position, but not losing the turn.
    if (board.promotion && board.legal.length === 0) board.promotion = null;
    draw(board);
  },

  describe: describeMove,

  record: () => new ChessRecord(),

  explain(reason, move) {
    const text = describeMove(move);
    switch (reason) {
      case "illegal-move":
        return `${text} is not a legal move here.`;
      case "needs-promotion":
        return `${text} reaches the last rank: choose the piece to promote to.`;
      case "ambiguous-move":
        return `${text} could mean more than one piece: name the one that moves (as in Nbd2).`;
      case "bad-notation":
        return `${text} is not a move: write it as e2e4 or in SAN (e4, Nf3, O-O, e8=Q).`;
      default:
        return null;
    }
  },
};
