/**
 * Battleship: two 10×10 seas. A player sees its own sea (its fleet and the shots it took) and
 * the enemy's (its own shots: hits, misses, ships sunk), where a click fires; while placing,
 * Shuffle deals the fleet again and Ready commits it. Spectators and replays see both seas
 * with shots only, and every fleet once the match is over. The DOM is built once per board;
 * renders change only attributes and text.
 */
import "./battleship.css";
import type { Seat } from "../../../shared/game.ts";
import {
  CELLS,
  MAX_SHUFFLES,
  SIZE,
  type BattleshipMove,
  type BattleshipView,
  type SeaView,
} from "../../../shared/games/battleship.ts";
import type { RenderContext, RendererOf } from "../renderer.ts";

declare module "../index.ts" {
  interface Renderers {
    battleship: typeof renderer;
  }
}

const PIECES = ["Red", "Blue"] as const;
const ROWS = "ABCDEFGHIJ";

/** "B7": row letter, column number. */
export const cellName = (cell: number): string => `${ROWS[Math.floor(cell / SIZE)] ?? "?"}${(cell % SIZE) + 1}`;

/** Sentences for the rules' refusal codes. */
const REASONS: Readonly<Record<string, (move: BattleshipMove) => string>> = {
  "still-placing": () => "Both fleets must be ready before anyone fires.",
  "already-fired": (move) =>
    move.type === "fire" ? `You fired at ${cellName(move.cell)} already.` : "You fired there already.",
  "fleets-placed": () => "The fleets are placed: fire at the enemy sea.",
  "no-more-shuffles": () => `You dealt your fleet ${MAX_SHUFFLES} times: declare it ready.`,
};

interface Sea {
  readonly root: HTMLElement;
  readonly title: HTMLElement;
  readonly grid: HTMLElement;
  readonly cells: HTMLButtonElement[];
  readonly afloat: HTMLElement;
}

interface Board {
  readonly root: HTMLElement;
  readonly status: HTMLElement;
  readonly actions: HTMLElement;
  readonly shuffle: HTMLButtonElement;
  readonly ready: HTMLButtonElement;
  /** seas[0] is drawn first: the enemy's for a player, seat 0's otherwise. */
  readonly seas: [Sea, Sea];
  focus: number;
  context: RenderContext<BattleshipView, BattleshipMove> | null;
}

const boards = new WeakMap<HTMLElement, Board>();

function button(text: string, className: string, onClick: () => void): HTMLButtonElement {
  const element = document.createElement("button");
  element.type = "button";
  element.className = className;
  element.textContent = text;
  element.addEventListener("click", onClick);
  return element;
}

function buildSea(board: () => Board, enemy: boolean): Sea {
  const root = document.createElement("section");
  root.className = "bs-sea";
  const title = document.createElement("h3");
  const grid = document.createElement("div");
  grid.className = "bs-grid";
  grid.setAttribute("role", "group");
  const cells = Array.from({ length: CELLS }, (_, cell) => {
    const element = button("", "bs-cell", () => {
      const { context } = board();
      if (enemy && context && context.mySeat !== null) {
        board().focus = cell;
        context.play({ type: "fire", cell } satisfies BattleshipMove);
      }
    });
    element.dataset.cell = String(cell);
    element.tabIndex = -1;
    grid.append(element);
    return element;
  });
  if (enemy) {
    // Roving tabindex: one cell of the enemy sea is in the tab order; arrows move it.
    grid.addEventListener("keydown", (event) => {
      const step: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -SIZE, ArrowDown: SIZE };
      const delta = step[event.key];
      if (delta === undefined) return;
      event.preventDefault();
      const from = board().focus;
      const to = from + delta;
      const sameRow = Math.abs(delta) !== 1 || Math.floor(to / SIZE) === Math.floor(from / SIZE);
      if (to < 0 || to >= CELLS || !sameRow) return;
      board().focus = to;
      for (const [cell, element] of cells.entries()) element.tabIndex = cell === to ? 0 : -1;
      cells[to]?.focus();
    });
  }
  const afloat = document.createElement("p");
  afloat.className = "bs-afloat";
  root.append(title, grid, afloat);
  return { root, title, grid, cells, afloat };
}

function build(root: HTMLElement): Board {
  const element = document.createElement("div");
  element.className = "board bs";
  const status = document.createElement("p");
  status.className = "bs-status";
  status.setAttribute("aria-live", "polite");
  const actions = document.createElement("div");
  actions.className = "bs-actions";
  let board: Board | null = null;
  // The seas' handlers run on clicks, long after `board` below is set.
  const get = (): Board => {
    if (!board) throw new Error("battleship board used before it was built");
    return board;
  };
  const shuffle = button("Shuffle fleet", "bs-shuffle", () => get().context?.play({ type: "shuffle" }));
  const ready = button("Ready", "primary bs-ready", () => get().context?.play({ type: "ready" }));
  actions.append(shuffle, ready);
  const seas: [Sea, Sea] = [buildSea(get, true), buildSea(get, false)];
  const waters = document.createElement("div");
  waters.className = "bs-seas";
  waters.append(seas[0].root, seas[1].root);
  element.append(status, actions, waters);
  board = { root: element, status, actions, shuffle, ready, seas, focus: 44, context: null };
  root.replaceChildren(element);
  return board;
}

/** Ship lengths still afloat on a sea, as text ("afloat: 5 4 3 3 2"). */
function afloatText(sea: SeaView): string {
  const afloat = [5, 4, 3, 3, 2];
  for (const ship of sea.sunk) afloat.splice(afloat.indexOf(ship.length), 1);
  return afloat.length === 0 ? "Every ship sunk" : `Afloat: ${afloat.join(" · ")}`;
}

function drawSea(sea: Sea, view: SeaView | null, last: BattleshipView["last"], target: Seat, firing: boolean): void {
  const ships = new Set(view?.fleet?.flat() ?? []);
  const sunk = new Set(view?.sunk.flat() ?? []);
  const shots = new Map((view?.shots ?? []).map((shot) => [shot.cell, shot.hit ? "hit" : "miss"]));
  const lastCell = last && last.seat !== target ? last.cell : null;
  sea.grid.classList.toggle("firing", firing);
  sea.cells.forEach((element, cell) => {
    const shot = shots.get(cell) ?? "";
    if (element.dataset.shot !== shot) element.dataset.shot = shot;
    element.classList.toggle("ship", ships.has(cell));
    element.classList.toggle("sunk", sunk.has(cell));
    element.classList.toggle("last", cell === lastCell);
    const what = shot === "" ? (ships.has(cell) ? "ship" : "water") : sunk.has(cell) ? "sunk" : shot;
    element.setAttribute("aria-label", `${cellName(cell)}, ${what}`);
    element.disabled = !firing;
  });
  sea.afloat.textContent = view ? afloatText(view) : "";
}

export const renderer: RendererOf<"battleship"> = {
  pieces: PIECES,
  reasons: { "fleet-sunk": "the whole fleet is sunk" },

  render(root, context) {
    let board = boards.get(root);
    if (!board || board.root.parentElement !== root) {
      board = build(root);
      boards.set(root, board);
    }
    board.context = context;
    const view = context.view;
    const me = context.mySeat;
    // A player sees the enemy sea first (where it fires); anyone else sees the seats in order.
    const order: [Seat, Seat] = me === null ? [0, 1] : [me === 0 ? 1 : 0, me];
    const placing = view?.phase === "placing";
    for (const [index, seat] of order.entries()) {
      const sea = board.seas[index === 0 ? 0 : 1];
      const firing = me !== null && seat !== me && view?.phase === "firing" && context.canMove;
      sea.root.dataset.seat = String(seat);
      sea.title.textContent = me === null ? `${PIECES[seat]} fleet` : seat === me ? "Your fleet" : "Enemy waters";
      drawSea(sea, view?.seas[seat] ?? null, view?.last ?? null, seat, firing);
    }
    if (me !== null) {
      for (const [cell, element] of board.seas[0].cells.entries()) element.tabIndex = cell === board.focus ? 0 : -1;
    }
    board.root.dataset.phase = view?.phase ?? "";
    board.actions.hidden = !(placing && me !== null && !view?.ready[me]);
    board.shuffle.disabled = !context.canMove;
    board.ready.disabled = !context.canMove;
    board.status.textContent = statusText(view, me, context.canMove);
  },

  // Short phrases that read after a name in the move list and after "played" in a replay caption.
  describe(move) {
    if (move.type === "shuffle") return "a new deal";
    if (move.type === "ready") return "ready";
    return `a shot at ${cellName(move.cell)}`;
  },

  explain: (reason, move) => REASONS[reason]?.(move) ?? null,
};

function statusText(view: BattleshipView | null, me: Seat | null, canMove: boolean): string {
  if (!view) return "";
  const last = view.last;
  const shot = last
    ? `${me === null ? `${PIECES[last.seat]} fired at` : last.seat === me ? "You fired at" : "The enemy fired at"} ${cellName(last.cell)}: ${
        last.sunk ? `hit and sunk (a ship of ${last.sunk})` : last.hit ? "hit" : "miss"
      }.`
    : "";
  if (view.phase === "placing") {
    if (me === null) return "The fleets are being placed.";
    if (view.ready[me]) return "Your fleet is ready: waiting for the enemy.";
    return "Shuffle until you like your fleet, then declare it ready.";
  }
  if (view.phase === "over") return shot;
  const next =
    me === null ? "" : canMove ? "Your shot: pick a cell in the enemy waters." : "Waiting for the enemy's shot.";
  return `${shot} ${next}`.trim();
}
