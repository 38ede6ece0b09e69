import * as v from "valibot";
import { sequential } from "../engine.ts";
import type { GameResult, Illegal, Seat, Viewer } from "../game.ts";

/** Ranks low to high; "T" is the ten, so every card is two characters. */
export const RANKS = ["A", "2", "3", "4", "5", "6", "7", "8", "9", "T", "J", "Q", "K"] as const;
export const SUITS = ["C", "D", "H", "S"] as const;
export type Rank = (typeof RANKS)[number];
export type Suit = (typeof SUITS)[number];
/** A card is its rank then its suit: "7H", "TD", "8S". */
export type Card = `${Rank}${Suit}`;

/** The 52 cards in a fixed order (suit by suit): what setup shuffles and tests check against. */
export const DECK: readonly Card[] = SUITS.flatMap((suit) => RANKS.map((rank): Card => `${rank}${suit}`));

/** Draws a player may take in one turn before passing is allowed. */
export const MAX_DRAWS = 3;

export const rankOf = (card: Card): Rank => card[0] as Rank;
export const suitOf = (card: Card): Suit => card[1] as Suit;

/** Cards dealt to each player: seven with two players, five with more. */
export const handSize = (players: number): number => (players === 2 ? 7 : 5);

/** What a card costs its holder when a blocked game is scored: 8 = 50, faces and tens 10, ace 1. */
export function penalty(card: Card): number {
  const rank = rankOf(card);
  if (rank === "8") return 50;
  if (rank === "A") return 1;
  if (rank === "T" || rank === "J" || rank === "Q" || rank === "K") return 10;
  return Number(rank);
}

/** Hand order for display and for `legalMoves`: by suit, then by rank. */
export function compareCards(a: Card, b: Card): number {
  return SUITS.indexOf(suitOf(a)) - SUITS.indexOf(suitOf(b)) || RANKS.indexOf(rankOf(a)) - RANKS.indexOf(rankOf(b));
}

/** The most recent action, public to everyone (a draw never says which card). */
export type LastAction =
  | { readonly seat: Seat; readonly type: "play"; readonly card: Card; readonly suit?: Suit }
  | { readonly seat: Seat; readonly type: "draw"; readonly reshuffled: boolean }
  | { readonly seat: Seat; readonly type: "pass" };

/**
 * The whole table. `stock` is face down and drawn from its end; `discard` is face up with its
 * top card last. `suit` is the suit to follow (the top card's, or the one named with an 8).
 */
export interface CrazyEightsState {
  readonly hands: readonly (readonly Card[])[];
  readonly stock: readonly Card[];
  readonly discard: readonly Card[];
  readonly suit: Suit;
  readonly turn: Seat;
  /** Cards the seat to move has drawn this turn. */
  readonly draws: number;
  /** Passes in a row made with nothing left to draw; one per player ends the game (blocked). */
  readonly passes: number;
  /** Times the discard pile was turned over into the stock. */
  readonly reshuffles: number;
  readonly last: LastAction | null;
}

const CardSchema = v.picklist(DECK);
const SuitSchema = v.picklist(SUITS);

export const CrazyEightsMove = v.variant("type", [
  v.strictObject({ type: v.literal("play"), card: CardSchema, suit: v.optional(SuitSchema) }),
  v.strictObject({ type: v.literal("draw") }),
  v.strictObject({ type: v.literal("pass") }),
]);
export type CrazyEightsMove = v.InferOutput<typeof CrazyEightsMove>;

/**
 * What one viewer may see: their own hand (null for spectators), every hand's size, the stock's
 * size and the face-up pile. Never a card of another hand, nor the stock's cards or order.
 */
export interface CrazyEightsView {
  readonly viewer: Viewer;
  readonly hand: readonly Card[] | null;
  readonly handCounts: readonly number[];
  readonly stock: number;
  readonly discard: readonly Card[];
  readonly suit: Suit;
  readonly turn: Seat;
  readonly draws: number;
  readonly passes: number;
  readonly reshuffles: number;
  readonly last: LastAction | null;
}

/** The top of the discard pile (setup always turns one up, and it never empties). */
export function topCard(discard: readonly Card[]): Card {
  const top = discard.at(-1);
  if (top === undefined) throw new Error("the discard pile is empty");
  return top;
}

/** True when `card` may go on a pile whose top is `top` with `suit` to follow. */
export function playable(card: Card, top: Card, suit: Suit): boolean {
  return rankOf(card) === "8" || suitOf(card) === suit || rankOf(card) === rankOf(top);
}

/** Nothing left to draw: an empty stock and no discard under the top card to turn over. */
export const nothingToDraw = (state: Pick<CrazyEightsState, "stock" | "discard">): boolean =>
  state.stock.length === 0 && state.discard.length <= 1;

function hasPlayable(state: CrazyEightsState, seat: Seat): boolean {
  const top = topCard(state.discard);
  return (state.hands[seat] ?? []).some((card) => playable(card, top, state.suit));
}

/** Why `move` can't be made by the seat to move now, or null. */
function refusal(state: CrazyEightsState, seat: Seat, move: CrazyEightsMove): Illegal | null {
  switch (move.type) {
    case "play": {
      if (!(state.hands[seat] ?? []).includes(move.card))
        return { code: "not-in-hand", message: `${move.card} is not in your hand` };
      const eight = rankOf(move.card) === "8";
      if (eight && move.suit === undefined) return { code: "suit-required", message: "an 8 needs a suit to name" };
      if (!eight && move.suit !== undefined) return { code: "suit-not-allowed", message: "only an 8 names a suit" };
      const top = topCard(state.discard);
      if (!playable(move.card, top, state.suit)) {
        return {
          code: "no-match",
          message: `${move.card} matches neither the suit ${state.suit} nor the rank of ${top}`,
        };
      }
      return null;
    }
    case "draw":
      if (state.draws >= MAX_DRAWS) return { code: "draw-limit", message: `at most ${MAX_DRAWS} draws a turn` };
      if (nothingToDraw(state)) return { code: "nothing-to-draw", message: "there is no card left to draw" };
      return null;
    case "pass":
      if (state.draws >= MAX_DRAWS) return null;
      if (nothingToDraw(state) && !hasPlayable(state, seat)) return null;
      return {
        code: "pass-not-allowed",
        message: nothingToDraw(state) ? "you can play a card" : `pass only after ${MAX_DRAWS} draws`,
      };
  }
}

function outcome(state: CrazyEightsState): GameResult | null {
  const out = state.hands.findIndex((hand) => hand.length === 0);
  if (out !== -1) return { kind: "win", winners: [out], reason: "out-of-cards" };
  if (state.passes < state.hands.length) return null;
  const scores = state.hands.map((hand) => hand.reduce((sum, card) => sum + penalty(card), 0));
  const best = Math.min(...scores);
  if (scores.every((score) => score === best)) return { kind: "draw", reason: "blocked" };
  const winners = scores.flatMap((score, seat) => (score === best ? [seat] : []));
  return { kind: "win", winners, reason: "blocked" };
}

function legalMoves(state: CrazyEightsState, seat: Seat): CrazyEightsMove[] {
  const top = topCard(state.discard);
  const moves: CrazyEightsMove[] = [];
  for (const card of [...(state.hands[seat] ?? [])].sort(compareCards)) {
    if (!playable(card, top, state.suit)) continue;
    if (rankOf(card) === "8") for (const suit of SUITS) moves.push({ type: "play", card, suit });
    else moves.push({ type: "play", card });
  }
  if (refusal(state, seat, { type: "draw" }) === null) moves.push({ type: "draw" });
  if (refusal(state, seat, { type: "pass" }) === null) moves.push({ type: "pass" });
  return moves;
}

/** Crazy Eights for 2–6 players: match the suit or rank, 8s are wild, first out of cards wins. */
export const crazyEights = sequential<CrazyEightsState, CrazyEightsMove, Record<string, never>, CrazyEightsView>({
  id: "crazy-eights",
  name: "Crazy Eights",
  minPlayers: 2,
  maxPlayers: 6,
  options: v.strictObject({}),
  move: CrazyEightsMove,
  defaultTimeControl: { kind: "move", ms: 30_000 },
  timeout: {
    kind: "move",
    // Drawing or passing gives nothing away and keeps the hand; only when neither is allowed play.
    choose: (state, seat): CrazyEightsMove => {
      const moves = legalMoves(state, seat);
      return (
        moves.find((move) => move.type === "draw") ??
        moves.find((move) => move.type === "pass") ??
        moves[0] ?? { type: "pass" }
      );
    },
  },

  setup: (players, _options, random) => {
    const deck = random.shuffle(DECK);
    const size = handSize(players);
    const hands = Array.from({ length: players }, (_, seat) => deck.slice(seat * size, (seat + 1) * size));
    const starter = deck[players * size];
    if (starter === undefined) throw new Error(`no starter card for ${players} players`);
    return {
      hands,
      stock: deck.slice(players * size + 1),
      discard: [starter],
      suit: suitOf(starter),
      turn: 0,
      draws: 0,
      passes: 0,
      reshuffles: 0,
      last: null,
    };
  },

  turn: (state) => state.turn,

  validate: refusal,

  legalMoves,

  apply: (state, seat, move, random): CrazyEightsState => {
    const next = (seat + 1) % state.hands.length;
    switch (move.type) {
      case "play": {
        const hands = state.hands.map((hand, index) =>
          index === seat ? hand.filter((card) => card !== move.card) : hand,
        );
        const suit = move.suit ?? suitOf(move.card);
        const last: LastAction =
          move.suit === undefined
            ? { seat, type: "play", card: move.card }
            : { seat, type: "play", card: move.card, suit: move.suit };
        return { ...state, hands, discard: [...state.discard, move.card], suit, turn: next, draws: 0, passes: 0, last };
      }
      case "draw": {
        let { stock, discard, reshuffles } = state;
        const reshuffled = stock.length === 0;
        if (reshuffled) {
          // The pile under the top card is turned over, shuffled, and becomes the stock.
          stock = random.shuffle(discard.slice(0, -1));
          discard = discard.slice(-1);
          reshuffles += 1;
        }
        const card = stock.at(-1);
        if (card === undefined) throw new Error("draw applied with nothing to draw");
        const hands = state.hands.map((hand, index) => (index === seat ? [...hand, card] : hand));
        return {
          ...state,
          hands,
          stock: stock.slice(0, -1),
          discard,
          draws: state.draws + 1,
          passes: 0,
          reshuffles,
          last: { seat, type: "draw", reshuffled },
        };
      }
      case "pass":
        return {
          ...state,
          turn: next,
          draws: 0,
          passes: nothingToDraw(state) ? state.passes + 1 : 0,
          last: { seat, type: "pass" },
        };
    }
  },

  outcome,

  // Every card the viewer cannot see (other hands, the stock) dealt again, each hand keeping its size.
  resampleHidden: (state, viewer, random) => {
    const unseen = (seat: Seat) => seat !== viewer;
    const pool = random.shuffle([...state.hands.filter((_, seat) => unseen(seat)).flat(), ...state.stock]);
    const hands = state.hands.map((hand, seat) => (unseen(seat) ? pool.splice(0, hand.length) : hand));
    return { ...state, hands, stock: pool };
  },

  view: (state, viewer): CrazyEightsView => {
    const own = viewer === "spectator" ? undefined : state.hands[viewer];
    return {
      viewer,
      hand: own ? [...own].sort(compareCards) : null,
      handCounts: state.hands.map((hand) => hand.length),
      stock: state.stock.length,
      discard: state.discard,
      suit: state.suit,
      turn: state.turn,
      draws: state.draws,
      passes: state.passes,
      reshuffles: state.reshuffles,
      last: state.last,
    };
  },
});
