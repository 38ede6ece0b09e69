/**
 * Shared by the crazy-eights-*.test.ts files: an independent checker of Crazy Eights states
 * (the 52 cards conserved, `legalMoves` exactly what the engine accepts, no secret card in any
 * view), random play, and matches set up at hand-built positions.
 */
import fc from "fast-check";
import { startClock } from "../../shared/clock.ts";
import { expect } from "vitest";
import { createEngine, type Engine, type MatchState } from "../../shared/engine.ts";
import type { MatchEvent } from "../../shared/events.ts";
import type { Seat, Viewer } from "../../shared/game.ts";
import {
  crazyEights,
  DECK,
  type Card,
  type CrazyEightsMove,
  type CrazyEightsState,
  type CrazyEightsView,
  type Suit,
} from "../../shared/games/crazy-eights.ts";
import { createRandom, seedRandom } from "../../shared/random.ts";

export const SUITS: readonly Suit[] = ["C", "D", "H", "S"];

export const gameOf = (state: MatchState): CrazyEightsState => state.game as CrazyEightsState;

export function started(players: number, seed = "seed"): { engine: Engine; state: MatchState; events: MatchEvent[] } {
  const engine = createEngine(crazyEights, {}, seed);
  const start: MatchEvent = { kind: "start", players };
  return { engine, state: engine.apply(engine.initial(), start), events: [start] };
}

/** Everything wrong with where the cards are: all 52, each exactly once, hands + stock + discard. */
export function cardProblems(game: CrazyEightsState): string[] {
  const all = [...game.hands.flat(), ...game.stock, ...game.discard];
  const problems: string[] = [];
  if (all.length !== 52) problems.push(`${all.length} cards on the table`);
  const seen = new Set<string>();
  for (const card of all) {
    if (!DECK.includes(card)) problems.push(`${card} is not a card`);
    if (seen.has(card)) problems.push(`${card} is there twice`);
    seen.add(card);
  }
  if (game.discard.length === 0) problems.push("the discard pile is empty");
  return problems;
}

/** The cards `viewer` must not see: every other hand, and the whole stock. */
export function secretsFor(game: CrazyEightsState, viewer: Viewer): Card[] {
  const others = game.hands.flatMap((hand, seat) => (seat === viewer ? [] : hand));
  return [...others, ...game.stock];
}

/** The secret cards that appear anywhere in the JSON of `view` (as quoted strings). */
export function leaked(view: unknown, secrets: readonly Card[]): Card[] {
  const json = JSON.stringify(view);
  return secrets.filter((card) => json.includes(`"${card}"`));
}

/** The moves worth offering the engine for `seat`: its cards with and without every suit, draw and pass. */
export function candidates(game: CrazyEightsState, seat: Seat, stranger: Card): CrazyEightsMove[] {
  const moves: CrazyEightsMove[] = [{ type: "draw" }, { type: "pass" }, { type: "play", card: stranger }];
  for (const card of game.hands[seat] ?? []) {
    moves.push({ type: "play", card });
    for (const suit of SUITS) moves.push({ type: "play", card, suit });
  }
  return moves;
}

export const key = (move: unknown): string => JSON.stringify(move, Object.keys(move as object).sort());

export const sameMoves = (a: readonly unknown[], b: readonly unknown[]): boolean => {
  const left = new Set(a.map(key));
  const right = new Set(b.map(key));
  return left.size === right.size && [...left].every((move) => right.has(move));
};

/**
 * Everything wrong with one state, judged with the engine and the views. Plain checks that
 * collect problems (not one `expect` each): this runs after every move of hundreds of games.
 */
export function stateProblems(engine: Engine, state: MatchState, chooser: () => number): string[] {
  const game = gameOf(state);
  const problems = cardProblems(game);
  if (JSON.stringify(JSON.parse(JSON.stringify(state))) !== JSON.stringify(state))
    problems.push("the state does not survive JSON");
  const active = engine.activeSeats(state);
  if ((active.length === 0) !== (state.status === "finished"))
    problems.push(`active ${JSON.stringify(active)} while ${state.status}`);
  const outcome = crazyEights.outcome(game);
  if (JSON.stringify(outcome) !== JSON.stringify(state.status === "finished" ? state.result : null))
    problems.push(`outcome ${JSON.stringify(outcome)}`);
  for (let seat = 0; seat < state.players; seat++) {
    const legal = crazyEights.legalMoves(game, seat);
    if (!active.includes(seat)) {
      if (legal.length > 0) problems.push(`seat ${seat} is not to move but has ${legal.length} legal moves`);
    } else {
      for (const move of legal) {
        const checked = engine.check(state, seat, move);
        if (!checked.ok) problems.push(`legal ${key(move)} refused: ${checked.error.reason ?? checked.error.code}`);
      }
      // Exactly what the engine accepts among the seat's cards, a card it may lack, draw and pass.
      const stranger = DECK[Math.floor(chooser() * 52)]!;
      const accepted = candidates(game, seat, stranger).filter((move) => engine.check(state, seat, move).ok);
      if (!sameMoves(legal, accepted) || new Set(legal.map(key)).size !== legal.length) {
        problems.push(`legalMoves ${legal.map(key).join(" ")} but the engine accepts ${accepted.map(key).join(" ")}`);
      }
    }
    const view = engine.view(state, seat) as CrazyEightsView;
    const own = [...(game.hands[seat] ?? [])].sort((a, b) => DECK.indexOf(a) - DECK.indexOf(b));
    if (JSON.stringify(view.hand) !== JSON.stringify(own))
      problems.push(`seat ${seat} is shown ${JSON.stringify(view.hand)}`);
    const shown = leaked(view, secretsFor(game, seat));
    if (shown.length > 0) problems.push(`seat ${seat}'s view shows ${shown.join(" ")}`);
  }
  const spectator = engine.view(state, "spectator") as CrazyEightsView;
  if (spectator.hand !== null) problems.push("the spectator is shown a hand");
  const shown = leaked(spectator, secretsFor(game, "spectator"));
  if (shown.length > 0) problems.push(`the spectator's view shows ${shown.join(" ")}`);
  if (JSON.stringify(spectator.handCounts) !== JSON.stringify(game.hands.map((hand) => hand.length)))
    problems.push("wrong hand counts");
  if (spectator.stock !== game.stock.length) problems.push("wrong stock count");
  return problems;
}

export interface Played {
  readonly engine: Engine;
  readonly events: MatchEvent[];
  readonly states: MatchState[];
  readonly last: MatchState;
  readonly steps: number;
}

export const MAX_STEPS = 3000;
/** Steps during which `drawBias` applies; after them a card is played whenever one can be. */
export const DRAWING_STEPS = 400;

/**
 * A random game: each step a legal move chosen by `chooser`, drawing first with probability
 * `drawBias` (so stocks run out and piles are turned over), now and then the timeout's move.
 * Drawing whenever allowed is legal but can go on for ever (each play is drawn straight back
 * after the pile is turned over), so after DRAWING_STEPS the players play a card when they can.
 */
export function playRandom(
  players: number,
  seed: string,
  chooserSeed: string,
  drawBias: number,
  check: boolean,
): Played {
  const random = createRandom(seedRandom(chooserSeed));
  const chooser = () => random.next();
  let { engine, state, events } = started(players, seed);
  const states = [state];
  if (check) expect(stateProblems(engine, state, chooser)).toEqual([]);
  let steps = 0;
  while (state.status === "playing" && steps < MAX_STEPS) {
    const [seat] = engine.activeSeats(state);
    if (seat === undefined) throw new Error("a playing match with nobody to move");
    let event: MatchEvent;
    if (chooser() < 0.03) {
      const timeout = engine.timeout(state);
      expect(timeout).toMatchObject({ kind: "timeout", seats: [seat] });
      expect(timeout && "move" in timeout).toBe(true);
      event = timeout!;
    } else {
      const legal = crazyEights.legalMoves(gameOf(state), seat);
      const draw = legal.find((move) => move.type === "draw");
      const plays = legal.filter((move) => move.type === "play");
      const pool = steps < DRAWING_STEPS || plays.length === 0 ? legal : plays;
      const move =
        draw && steps < DRAWING_STEPS && chooser() < drawBias ? draw : pool[Math.floor(chooser() * pool.length)];
      if (move === undefined) throw new Error("the seat to move has no legal move");
      event = { kind: "move", seat, move, id: `m${events.length}` };
    }
    state = engine.apply(state, event);
    events.push(event);
    states.push(state);
    steps += 1;
    if (check) {
      const problems = stateProblems(engine, state, chooser);
      if (problems.length > 0) expect(problems, `after ${JSON.stringify(event)}`).toEqual([]);
    }
  }
  return { engine, events, states, last: state, steps };
}

export const gameArb = fc.record({
  players: fc.integer({ min: 2, max: 6 }),
  seed: fc.string({ maxLength: 12 }),
  chooser: fc.string({ maxLength: 12 }),
  drawBias: fc.constantFrom(0, 0.5, 0.9, 1),
});

// -------------------------------------------------------------------------------------------
// Tables on hand-built positions

export interface Table {
  readonly hands: readonly (readonly Card[])[];
  readonly discard: readonly Card[];
  readonly stock?: readonly Card[];
  readonly suit?: Suit;
  readonly turn?: Seat;
  readonly draws?: number;
  readonly passes?: number;
}

/**
 * A playing match at a chosen position. The cards not placed anywhere else go to the stock
 * unless `stock` is given, so every position still holds the 52 cards when `stock` is omitted.
 */
export function at(table: Table): { engine: Engine; state: MatchState } {
  const engine = createEngine(crazyEights, {}, "table");
  const placed = new Set<Card>([...table.hands.flat(), ...table.discard]);
  const game: CrazyEightsState = {
    hands: table.hands,
    stock: table.stock ?? DECK.filter((card) => !placed.has(card)),
    discard: table.discard,
    suit: table.suit ?? (table.discard.at(-1)![1] as Suit),
    turn: table.turn ?? 0,
    draws: table.draws ?? 0,
    passes: table.passes ?? 0,
    reshuffles: 0,
    last: null,
  };
  const players = table.hands.length;
  const clock = startClock(engine.control, players, [game.turn], 0);
  const state: MatchState = {
    status: "playing",
    players,
    game,
    random: seedRandom("table"),
    moves: 0,
    result: null,
    clock,
    drawOffers: [],
  };
  return { engine, state };
}

export function playAll(engine: Engine, state: MatchState, moves: readonly CrazyEightsMove[]): MatchState {
  for (const move of moves) {
    const [seat] = engine.activeSeats(state);
    if (seat === undefined) throw new Error("the game ended early");
    state = engine.apply(state, { kind: "move", seat, move, id: "x" });
  }
  return state;
}
