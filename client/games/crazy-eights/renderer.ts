/**
 * Crazy Eights: the other players' card counts, the face-up pile with the suit to follow, the
 * stock with Draw and Pass, and the viewer's hand as buttons. Everything is built once per
 * table; later renders change text, classes and attributes, and add or remove only the card
 * buttons the hand gained or lost. Playability is worked out from the view alone (the full
 * state, and so `legalMoves`, never reaches the browser); the server judges every move.
 */
import "./crazy-eights.css";
import type { Seat } from "../../../shared/game.ts";
import {
  MAX_DRAWS,
  playable,
  rankOf,
  SUITS,
  suitOf,
  type Card,
  type CrazyEightsMove,
  type CrazyEightsView,
  type LastAction,
  type Suit,
} from "../../../shared/games/crazy-eights.ts";
import type { RenderContext, RendererOf } from "../renderer.ts";

declare module "../index.ts" {
  interface Renderers {
    "crazy-eights": typeof renderer;
  }
}

const PIECES = ["Red", "Blue", "Green", "Gold", "Purple", "Teal"] as const;
const SYMBOLS: Record<Suit, string> = { C: "♣", D: "♦", H: "♥", S: "♠" };
const SUIT_NAMES: Record<Suit, string> = { C: "clubs", D: "diamonds", H: "hearts", S: "spades" };
const RANK_NAMES: Record<string, string> = { A: "ace", T: "10", J: "jack", Q: "queen", K: "king" };

const isSuit = (x: unknown): x is Suit => typeof x === "string" && (SUITS as readonly string[]).includes(x);
const isCard = (x: unknown): x is Card =>
  typeof x === "string" && x.length === 2 && isSuit(x[1]) && "A23456789TJQK".includes(x[0]!);

/** "7♥", "10♠". */
const short = (card: Card): string => `${rankOf(card) === "T" ? "10" : rankOf(card)}${SYMBOLS[suitOf(card)]}`;
/** "7 of hearts", "queen of spades", for screen readers. */
const spoken = (card: Card): string => `${RANK_NAMES[rankOf(card)] ?? rankOf(card)} of ${SUIT_NAMES[suitOf(card)]}`;
const pieceOf = (seat: Seat): string => PIECES[seat] ?? `Seat ${seat + 1}`;

interface Table {
  readonly root: HTMLElement;
  readonly players: HTMLOListElement;
  readonly seats: HTMLLIElement[];
  readonly pile: HTMLElement;
  readonly pileCount: HTMLElement;
  readonly follow: HTMLElement;
  readonly stockCount: HTMLElement;
  readonly draw: HTMLButtonElement;
  readonly pass: HTMLButtonElement;
  readonly status: HTMLElement;
  readonly picker: HTMLElement;
  readonly pickerLabel: HTMLElement;
  readonly suitButtons: HTMLButtonElement[];
  readonly handWrap: HTMLElement;
  readonly hand: HTMLElement;
  readonly cards: HTMLButtonElement[];
  /** The 8 waiting for its suit, while the picker is open. */
  eight: Card | null;
  focus: number;
  context: RenderContext<CrazyEightsView, CrazyEightsMove> | null;
}

const tables = new WeakMap<HTMLElement, Table>();

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text = ""): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text) node.textContent = text;
  return node;
}

function button(className: string, text: string): HTMLButtonElement {
  const node = el("button", className, text);
  node.type = "button";
  return node;
}

/** Shows `card` face up in `node` (a pile card or a hand button). */
function paint(node: HTMLElement, card: Card | null): void {
  const text = card ? short(card) : "";
  if (node.textContent !== text) node.textContent = text;
  node.dataset.card = card ?? "";
  node.dataset.red = String(card !== null && (suitOf(card) === "D" || suitOf(card) === "H"));
}

function send(table: Table, move: CrazyEightsMove): void {
  const context = table.context;
  if (context && context.mySeat !== null) context.play(move);
}

function openPicker(table: Table, card: Card): void {
  table.eight = card;
  table.pickerLabel.textContent = `Play ${short(card)} and name a suit:`;
  table.picker.setAttribute("aria-label", `Name a suit for the ${spoken(card)}`);
  table.picker.hidden = false;
  table.suitButtons[0]?.focus();
}

function closePicker(table: Table, refocus: boolean): void {
  const card = table.eight;
  table.eight = null;
  table.picker.hidden = true;
  if (refocus && card) table.cards.find((node) => node.dataset.card === card)?.focus();
}

/** Roving tabindex over the hand: one card in the tab order, arrows move it. */
function moveFocus(table: Table, index: number, focus: boolean): void {
  const count = table.cards.length;
  table.focus = count === 0 ? 0 : Math.max(0, Math.min(count - 1, index));
  for (const [i, node] of table.cards.entries()) node.tabIndex = i === table.focus ? 0 : -1;
  if (focus) table.cards[table.focus]?.focus();
}

function build(root: HTMLElement): Table {
  const wrap = el("div", "board c8");
  wrap.setAttribute("role", "group");
  wrap.setAttribute("aria-label", "Crazy Eights table");

  const players = el("ol", "c8-players");
  players.setAttribute("aria-label", "Players");

  const middle = el("div", "c8-middle");
  const pileBox = el("div", "c8-pile-box");
  const pile = el("span", "c8-card c8-pile");
  pile.setAttribute("role", "img");
  const pileCount = el("span", "c8-caption");
  const follow = el("span", "c8-follow");
  pileBox.append(pile, pileCount, follow);
  const stockBox = el("div", "c8-stock-box");
  const back = el("span", "c8-card c8-back");
  back.setAttribute("aria-hidden", "true");
  const stockCount = el("span", "c8-caption");
  const actions = el("div", "c8-actions");
  const draw = button("c8-draw", "Draw");
  const pass = button("c8-pass", "Pass");
  actions.append(draw, pass);
  stockBox.append(back, stockCount, actions);
  middle.append(pileBox, stockBox);

  const status = el("p", "c8-status");
  status.setAttribute("aria-live", "polite");

  const picker = el("div", "c8-picker");
  picker.setAttribute("role", "group");
  const pickerLabel = el("span", "c8-picker-label");
  pickerLabel.setAttribute("aria-hidden", "true");
  picker.append(pickerLabel);
  const suitButtons = SUITS.map((suit) => {
    const node = button("c8-suit", SYMBOLS[suit]);
    node.dataset.red = String(suit === "D" || suit === "H");
    node.setAttribute("aria-label", `Name ${SUIT_NAMES[suit]}`);
    picker.append(node);
    return node;
  });
  const cancel = button("c8-cancel", "Cancel");
  picker.append(cancel);
  picker.hidden = true;

  const handWrap = el("section", "c8-hand-wrap");
  const handTitle = el("h3", "c8-hand-title", "Your hand");
  const hand = el("div", "c8-hand");
  hand.setAttribute("role", "group");
  hand.setAttribute("aria-label", "Your hand");
  handWrap.append(handTitle, hand);

  wrap.append(players, middle, status, picker, handWrap);
  root.replaceChildren(wrap);

  const table: Table = {
    root: wrap,
    players,
    seats: [],
    pile,
    pileCount,
    follow,
    stockCount,
    draw,
    pass,
    status,
    picker,
    pickerLabel,
    suitButtons,
    handWrap,
    hand,
    cards: [],
    eight: null,
    focus: 0,
    context: null,
  };
  draw.addEventListener("click", () => send(table, { type: "draw" }));
  pass.addEventListener("click", () => send(table, { type: "pass" }));
  for (const [index, node] of suitButtons.entries())
    node.addEventListener("click", () => {
      const card = table.eight;
      const suit = SUITS[index];
      closePicker(table, true);
      if (card && suit) send(table, { type: "play", card, suit });
    });
  cancel.addEventListener("click", () => closePicker(table, true));
  picker.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    closePicker(table, true);
  });
  hand.addEventListener("keydown", (event) => {
    const to =
      event.key === "ArrowLeft" || event.key === "ArrowUp"
        ? table.focus - 1
        : event.key === "ArrowRight" || event.key === "ArrowDown"
          ? table.focus + 1
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? table.cards.length - 1
              : null;
    if (to === null) return;
    event.preventDefault();
    moveFocus(table, to, true);
  });
  return table;
}

/** A hand button, wired once; its card is read from `data-card` at click time. */
function cardButton(table: Table): HTMLButtonElement {
  const node = button("c8-card c8-in-hand", "");
  node.addEventListener("click", () => {
    const card = node.dataset.card;
    if (!isCard(card)) return;
    table.focus = table.cards.indexOf(node);
    if (rankOf(card) === "8") openPicker(table, card);
    else {
      closePicker(table, false);
      send(table, { type: "play", card });
    }
  });
  node.addEventListener("focus", () => moveFocus(table, table.cards.indexOf(node), false));
  return node;
}

function lastText(last: LastAction | null, mySeat: Seat | null): string {
  if (!last) return "";
  const who = last.seat === mySeat ? "You" : pieceOf(last.seat);
  switch (last.type) {
    case "play":
      return last.suit
        ? `${who} played ${short(last.card)} and named ${SUIT_NAMES[last.suit]}.`
        : `${who} played ${short(last.card)}.`;
    case "draw":
      return last.reshuffled ? `${who} drew a card (the pile was shuffled into the stock).` : `${who} drew a card.`;
    case "pass":
      return `${who} passed.`;
  }
}

function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

export const renderer: RendererOf<"crazy-eights"> = {
  pieces: PIECES,
  reasons: {
    "out-of-cards": (_, { winners }) => `${winners} played out every card.`,
    // Blocked: nobody can play or draw, so the smallest hand wins, or the smallest hands tie.
    blocked: (result) =>
      result.kind === "draw"
        ? "Nobody could play or draw, and the hands tie."
        : "Nobody could play or draw: the smallest hand wins.",
  },

  render(root, context) {
    let table = tables.get(root);
    if (!table || table.root.parentElement !== root) {
      table = build(root);
      tables.set(root, table);
    }
    table.context = context;
    const view = context.view;
    const watching = context.mySeat === null;
    table.root.classList.toggle("can-move", context.canMove);
    table.root.classList.toggle("watching", watching);
    const counts = view?.handCounts ?? [];

    // Players, in seat order, with their card counts and whose turn it is.
    while (table.seats.length < counts.length) {
      const item = el("li", "c8-seat");
      item.append(el("span", "c8-dot"), el("span", "c8-seat-name"), el("span", "c8-seat-count"));
      table.seats.push(item);
      table.players.append(item);
    }
    table.seats.forEach((item, seat) => {
      item.hidden = seat >= counts.length;
      const count = counts[seat] ?? 0;
      item.dataset.seat = String(seat);
      const turn = view !== null && view.turn === seat;
      item.classList.toggle("turn", turn);
      item.classList.toggle("me", seat === context.mySeat);
      setText(item.children[1] as HTMLElement, seat === context.mySeat ? `${pieceOf(seat)} (you)` : pieceOf(seat));
      setText(item.children[2] as HTMLElement, `${count} ${count === 1 ? "card" : "cards"}`);
      if (turn) item.setAttribute("aria-current", "true");
      else item.removeAttribute("aria-current");
    });

    // The pile and the stock.
    const top = view?.discard.at(-1);
    const topCard = isCard(top) ? top : null;
    paint(table.pile, topCard);
    table.pile.setAttribute("aria-label", topCard ? `Top of the pile: ${spoken(topCard)}` : "No card on the pile");
    setText(table.pileCount, view ? `Pile: ${view.discard.length}` : "");
    const followSuit = view?.suit ?? null;
    setText(table.follow, followSuit ? `Follow ${SYMBOLS[followSuit]}` : "");
    table.follow.dataset.red = String(followSuit === "D" || followSuit === "H");
    table.follow.setAttribute("aria-label", followSuit ? `Suit to follow: ${SUIT_NAMES[followSuit]}` : "");
    // An 8 that named another suit than its own: say so loudly.
    table.follow.classList.toggle("named", topCard !== null && followSuit !== null && suitOf(topCard) !== followSuit);
    setText(table.stockCount, view ? `Stock: ${view.stock}` : "");

    const myTurn = context.canMove && view !== null && context.mySeat === view.turn;
    const nothingToDraw = view !== null && view.stock === 0 && view.discard.length <= 1;
    const hand = (view?.hand ?? []).filter(isCard);
    const playableCards = new Set(
      myTurn && topCard && followSuit ? hand.filter((card) => playable(card, topCard, followSuit)) : [],
    );
    const drawsLeft = view ? MAX_DRAWS - view.draws : 0;
    const canDraw = myTurn && drawsLeft > 0 && !nothingToDraw;
    const canPass = myTurn && view !== null && (view.draws >= MAX_DRAWS || (nothingToDraw && playableCards.size === 0));

    table.draw.hidden = watching;
    table.pass.hidden = watching || !canPass;
    // Still clickable when not playable: the click is answered with why (the SDK's refusal).
    table.draw.dataset.playable = String(canDraw);
    table.draw.textContent = myTurn && view && view.draws > 0 ? `Draw (${drawsLeft} left)` : "Draw";
    table.draw.title = nothingToDraw ? "Nothing left to draw" : `Draw a card (up to ${MAX_DRAWS} a turn)`;

    let status = lastText(view?.last ?? null, context.mySeat);
    if (myTurn) {
      status +=
        playableCards.size > 0
          ? ` Your turn: play a highlighted card${canDraw ? " or draw." : canPass ? " or pass." : "."}`
          : canDraw
            ? " Your turn: nothing to play, draw a card."
            : " Your turn: nothing to play, pass.";
    }
    setText(table.status, status.trim());

    // The hand: one button per card, reused; spectators have none.
    table.handWrap.hidden = view?.hand == null;
    while (table.cards.length < hand.length) {
      const node = cardButton(table);
      table.cards.push(node);
      table.hand.append(node);
    }
    while (table.cards.length > hand.length) table.cards.pop()?.remove();
    hand.forEach((card, index) => {
      const node = table.cards[index]!;
      paint(node, card);
      const ok = playableCards.has(card);
      node.dataset.playable = String(ok);
      node.setAttribute("aria-label", `${spoken(card)}${ok ? ", playable" : ""}`);
      node.title = rankOf(card) === "8" ? `Play ${short(card)} and name a suit` : `Play ${short(card)}`;
    });
    if (table.eight && (!hand.includes(table.eight) || !myTurn)) closePicker(table, false);
    moveFocus(table, table.focus, false);
  },

  describe(move) {
    if (move.type === "draw") return "drew a card";
    if (move.type === "pass") return "passed";
    return move.suit ? `${short(move.card)} → ${SYMBOLS[move.suit]}` : `played ${short(move.card)}`;
  },

  explain(reason, move) {
    const name = move.type === "play" ? short(move.card) : "That card";
    switch (reason) {
      case "no-match":
        return `${name} matches neither the suit to follow nor the top card's rank.`;
      case "not-in-hand":
        return `${name} is not in your hand.`;
      case "suit-required":
        return "Name a suit when you play an 8.";
      case "suit-not-allowed":
        return "Only an 8 names a suit.";
      case "draw-limit":
        return `You have drawn ${MAX_DRAWS} cards this turn: play a card or pass.`;
      case "nothing-to-draw":
        return "There is nothing left to draw.";
      case "pass-not-allowed":
        return `You may pass only after drawing ${MAX_DRAWS} cards, or when there is nothing to draw or play.`;
      default:
        return null;
    }
  },
};
