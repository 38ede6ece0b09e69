/**
 * Crazy Eights through the engine: random play for every player count checking that the 52
 * cards are conserved, that `legalMoves` is exactly what the engine accepts and that no view
 * shows a secret card; exact replay of the deal and every draw; table-driven refusals,
 * the blocked end and its scoring, and the timeout policy.
 */
import fc from "fast-check";
import { startClock } from "../../shared/clock.ts";
import { describe, expect, it } from "vitest";
import { createEngine, type Engine, type MatchState } from "../../shared/engine.ts";
import { type MatchEvent } from "../../shared/events.ts";
import { type Seat, type Viewer } from "../../shared/game.ts";
import {
  crazyEights,
  DECK,
  penalty,
  type Card,
  type CrazyEightsMove,
  type CrazyEightsState,
  type CrazyEightsView,
  type Suit,
} from "../../shared/games/crazy-eights.ts";
import { createRandom, seedRandom } from "../../shared/random.ts";

const SUITS: readonly Suit[] = ["C", "D", "H", "S"];

const gameOf = (state: MatchState): CrazyEightsState => state.game as CrazyEightsState;

function started(players: number, seed = "seed"): { engine: Engine; state: MatchState; events: MatchEvent[] } {
  const engine = createEngine(crazyEights, {}, seed);
  const start: MatchEvent = { kind: "start", players };
  return { engine, state: engine.apply(engine.initial(), start), events: [start] };
}

/** Everything wrong with where the cards are: all 52, each exactly once, hands + stock + discard. */
function cardProblems(game: CrazyEightsState): string[] {
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
function secretsFor(game: CrazyEightsState, viewer: Viewer): Card[] {
  const others = game.hands.flatMap((hand, seat) => (seat === viewer ? [] : hand));
  return [...others, ...game.stock];
}

/** The secret cards that appear anywhere in the JSON of `view` (as quoted strings). */
function leaked(view: unknown, secrets: readonly Card[]): Card[] {
  const json = JSON.stringify(view);
  return secrets.filter((card) => json.includes(`"${card}"`));
}

/** The moves worth offering the engine for `seat`: its cards with and without every suit, draw and pass. */
function candidates(game: CrazyEightsState, seat: Seat, stranger: Card): CrazyEightsMove[] {
  const moves: CrazyEightsMove[] = [{ type: "draw" }, { type: "pass" }, { type: "play", card: stranger }];
  for (const card of game.hands[seat] ?? []) {
    moves.push({ type: "play", card });
    for (const suit of SUITS) moves.push({ type: "play", card, suit });
  }
  return moves;
}

const key = (move: unknown): string => JSON.stringify(move, Object.keys(move as object).sort());

const sameMoves = (a: readonly unknown[], b: readonly unknown[]): boolean => {
  const left = new Set(a.map(key));
  const right = new Set(b.map(key));
  return left.size === right.size && [...left].every((move) => right.has(move));
};

/**
 * Everything wrong with one state, judged with the engine and the views. Plain checks that
 * collect problems (not one `expect` each): this runs after every move of hundreds of games.
 */
function stateProblems(engine: Engine, state: MatchState, chooser: () => number): string[] {
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

interface Played {
  readonly engine: Engine;
  readonly events: MatchEvent[];
  readonly states: MatchState[];
  readonly last: MatchState;
  readonly steps: number;
}

const MAX_STEPS = 3000;
/** Steps during which `drawBias` applies; after them a card is played whenever one can be. */
const DRAWING_STEPS = 400;

/**
 * A random game: each step a legal move chosen by `chooser`, drawing first with probability
 * `drawBias` (so stocks run out and piles are turned over), now and then the timeout's move.
 * Drawing whenever allowed is legal but can go on for ever (each play is drawn straight back
 * after the pile is turned over), so after DRAWING_STEPS the players play a card when they can.
 */
function playRandom(players: number, seed: string, chooserSeed: string, drawBias: number, check: boolean): Played {
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

const gameArb = fc.record({
  players: fc.integer({ min: 2, max: 6 }),
  seed: fc.string({ maxLength: 12 }),
  chooser: fc.string({ maxLength: 12 }),
  drawBias: fc.constantFrom(0, 0.5, 0.9, 1),
});

describe("crazy eights: random play", () => {
  it("conserves the 52 cards, lists exactly the accepted moves and hides every secret, in every state", () => {
    let reshuffled = 0;
    let runs = 0;
    fc.assert(
      fc.property(gameArb, ({ players, seed, chooser, drawBias }) => {
        const { last, steps } = playRandom(players, seed, chooser, drawBias, true);
        expect(last.status, `still playing after ${steps} steps`).toBe("finished");
        reshuffled += gameOf(last).reshuffles > 0 ? 1 : 0;
        runs += 1;
      }),
      // Each run checks every state of a game of some 300–500 moves.
      { numRuns: 40 },
    );
    // Turning the pile over must be exercised, not merely possible.
    expect(reshuffled).toBeGreaterThan(runs / 5);
  }, 60_000);

  it("ends every game, with every player count and draw habit", () => {
    const ends = new Map<string, number>();
    fc.assert(
      fc.property(gameArb, ({ players, seed, chooser, drawBias }) => {
        const { last, steps } = playRandom(players, seed, chooser, drawBias, false);
        expect(last.status, `still playing after ${steps} steps`).toBe("finished");
        expect(last.moves).toBe(steps);
        const result = last.result!;
        ends.set(result.reason, (ends.get(result.reason) ?? 0) + 1);
        const game = gameOf(last);
        if (result.reason === "out-of-cards") {
          expect(result.kind).toBe("win");
          if (result.kind === "win") expect(game.hands[result.winners[0]!]).toEqual([]);
        } else {
          expect(result.reason).toBe("blocked");
          expect(game.stock).toEqual([]);
          expect(game.discard).toHaveLength(1);
          expect(game.passes).toBe(players);
        }
      }),
      { numRuns: 400 },
    );
    expect(ends.get("out-of-cards")).toBeGreaterThan(0);
  }, 30_000);
});

describe("crazy eights: the deal and replay", () => {
  it.each([2, 3, 4, 5, 6])("deals %i players their hands, one starter up and the rest as stock", (players) => {
    const { engine, state } = started(players, `deal-${players}`);
    const game = gameOf(state);
    const size = players === 2 ? 7 : 5;
    expect(game.hands.map((hand) => hand.length)).toEqual(Array(players).fill(size));
    expect(game.discard).toHaveLength(1);
    expect(game.stock).toHaveLength(52 - players * size - 1);
    expect(game.suit).toBe(game.discard[0]![1]);
    expect(cardProblems(game)).toEqual([]);
    expect(engine.activeSeats(state)).toEqual([0]);
    expect(game).toMatchObject({ turn: 0, draws: 0, passes: 0, reshuffles: 0, last: null });
  });

  it("deals the same cards for the same seed and different cards for different seeds", () => {
    for (let players = 2; players <= 6; players++) {
      const deals = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const a = gameOf(started(players, `seed-${i}`).state);
        const b = gameOf(started(players, `seed-${i}`).state);
        expect(b).toEqual(a);
        deals.add(JSON.stringify(a));
      }
      expect(deals.size).toBe(20);
    }
  });

  it("replays a JSON round trip of the log to the exact state after every event, reshuffles included", () => {
    fc.assert(
      fc.property(gameArb, ({ players, seed, chooser, drawBias }) => {
        const { events, states, last } = playRandom(players, seed, chooser, drawBias, false);
        const logged = JSON.parse(JSON.stringify(events)) as MatchEvent[];
        const fresh = createEngine(crazyEights, {}, seed);
        let state = fresh.initial();
        logged.forEach((event, index) => {
          state = fresh.apply(state, event);
          expect(state).toEqual(states[index]);
        });
        expect(fresh.replay(logged)).toEqual(last);
      }),
      { numRuns: 60 },
    );
  }, 30_000);

  it("never mutates a state: check and apply on deep-frozen states leave them as they were", () => {
    const freeze = <T>(value: T): T => {
      if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const inner of Object.values(value)) freeze(inner);
      }
      return value;
    };
    const { events, last } = playRandom(4, "frozen", "frozen", 0.9, false);
    const engine = createEngine(crazyEights, {}, "frozen");
    let state = freeze(engine.initial());
    for (const event of events) {
      const before = JSON.stringify(state);
      if (event.kind === "move") engine.check(state, event.seat, event.move);
      const next = freeze(engine.apply(state, event));
      expect(JSON.stringify(state)).toBe(before);
      state = next;
    }
    expect(state).toEqual(last);
  });
});

// -------------------------------------------------------------------------------------------
// Tables on hand-built positions

interface Table {
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
function at(table: Table): { engine: Engine; state: MatchState } {
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

function playAll(engine: Engine, state: MatchState, moves: readonly CrazyEightsMove[]): MatchState {
  for (const move of moves) {
    const [seat] = engine.activeSeats(state);
    if (seat === undefined) throw new Error("the game ended early");
    state = engine.apply(state, { kind: "move", seat, move, id: "x" });
  }
  return state;
}

describe("crazy eights: refusals", () => {
  it.each<{ name: string; table: Table; move: unknown; code: string; reason?: string }>([
    {
      name: "a card of neither the suit nor the rank",
      table: { hands: [["7H", "2C"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "7H" },
      code: "illegal",
      reason: "no-match",
    },
    {
      name: "the top card's suit after an 8 named another",
      table: { hands: [["3C", "3H"], ["3D"]], discard: ["9C", "8C"], suit: "H" },
      move: { type: "play", card: "3C" },
      code: "illegal",
      reason: "no-match",
    },
    {
      name: "an 8 without a suit",
      table: { hands: [["8H"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "8H" },
      code: "illegal",
      reason: "suit-required",
    },
    {
      name: "a suit named with a card that is not an 8",
      table: { hands: [["7C"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "7C", suit: "H" },
      code: "illegal",
      reason: "suit-not-allowed",
    },
    {
      name: "a card that is not in the hand",
      table: { hands: [["7C"], ["3C"]], discard: ["9C"] },
      move: { type: "play", card: "3C" },
      code: "illegal",
      reason: "not-in-hand",
    },
    {
      name: "a pass before three draws",
      table: { hands: [["7H"], ["3D"]], discard: ["9C"], draws: 2 },
      move: { type: "pass" },
      code: "illegal",
      reason: "pass-not-allowed",
    },
    {
      name: "a pass with nothing to draw and a card to play",
      table: { hands: [["7C"], ["3D"]], discard: ["9C"], stock: [] },
      move: { type: "pass" },
      code: "illegal",
      reason: "pass-not-allowed",
    },
    {
      name: "a fourth draw",
      table: { hands: [["7H"], ["3D"]], discard: ["9C"], draws: 3 },
      move: { type: "draw" },
      code: "illegal",
      reason: "draw-limit",
    },
    {
      name: "a draw with nothing to draw",
      table: { hands: [["7H"], ["3D"]], discard: ["9C"], stock: [] },
      move: { type: "draw" },
      code: "illegal",
      reason: "nothing-to-draw",
    },
    {
      name: "a card that does not exist",
      table: { hands: [["7H"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "1H" },
      code: "bad-move",
    },
    {
      name: "a lower-case card",
      table: { hands: [["7H"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "7h" },
      code: "bad-move",
    },
    {
      name: "a suit that does not exist",
      table: { hands: [["8H"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "8H", suit: "X" },
      code: "bad-move",
    },
    {
      name: "a draw naming a card (moves carry no secrets)",
      table: { hands: [["7H"], ["3D"]], discard: ["9C"] },
      move: { type: "draw", card: "2C" },
      code: "bad-move",
    },
    {
      name: "an unknown move type",
      table: { hands: [["7H"], ["3D"]], discard: ["9C"] },
      move: { type: "discard", card: "7H" },
      code: "bad-move",
    },
    { name: "a bare string", table: { hands: [["7H"], ["3D"]], discard: ["9C"] }, move: "draw", code: "bad-move" },
  ])("refuses $name", ({ table, move, code, reason }) => {
    const { engine, state } = at(table);
    const refused = engine.check(state, 0, move);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe(code);
      expect(refused.error.reason).toBe(reason);
    }
    // Nothing the engine refuses is listed as legal.
    expect(crazyEights.legalMoves(gameOf(state), 0).map((m) => key(m))).not.toContain(
      typeof move === "object" ? key(move) : move,
    );
  });

  it.each<{ name: string; table: Table; move: CrazyEightsMove }>([
    {
      name: "a card of the suit to follow",
      table: { hands: [["2C"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "2C" },
    },
    {
      name: "a card of the top card's rank",
      table: { hands: [["9H"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "9H" },
    },
    {
      name: "a card of the suit an 8 named",
      table: { hands: [["3H"], ["3D"]], discard: ["9C", "8C"], suit: "H" },
      move: { type: "play", card: "3H" },
    },
    {
      name: "an 8 on anything, naming any suit",
      table: { hands: [["8D"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "8D", suit: "S" },
    },
    {
      name: "an 8 on an 8",
      table: { hands: [["8D"], ["3D"]], discard: ["8C"], suit: "H" },
      move: { type: "play", card: "8D", suit: "C" },
    },
    {
      name: "a pass after three draws, even with a card to play",
      table: { hands: [["2C"], ["3D"]], discard: ["9C"], draws: 3 },
      move: { type: "pass" },
    },
    {
      name: "a pass with nothing to draw and nothing to play",
      table: { hands: [["7H"], ["3D"]], discard: ["9C"], stock: [] },
      move: { type: "pass" },
    },
    {
      name: "a draw that turns the pile over",
      table: { hands: [["7H"], ["3D"]], discard: ["2C", "9C"], stock: [] },
      move: { type: "draw" },
    },
  ])("accepts $name", ({ table, move }) => {
    const { engine, state } = at(table);
    expect(engine.check(state, 0, move)).toEqual({ ok: true, value: move });
    expect(crazyEights.legalMoves(gameOf(state), 0)).toContainEqual(move);
  });

  it("answers not-your-turn to every seat but the one to move, and game-over after the end", () => {
    const { engine, state } = at({ hands: [["2C"], ["3C"], ["4C"]], discard: ["9C"], turn: 1 });
    expect(engine.check(state, 0, { type: "draw" })).toMatchObject({ ok: false, error: { code: "not-your-turn" } });
    expect(engine.check(state, 2, { type: "draw" })).toMatchObject({ ok: false, error: { code: "not-your-turn" } });
    expect(crazyEights.legalMoves(gameOf(state), 0)).toEqual([]);
    const over = playAll(engine, state, [{ type: "play", card: "3C" }]);
    expect(over.result).toEqual({ kind: "win", winners: [1], reason: "out-of-cards" });
    expect(engine.check(over, 2, { type: "draw" })).toMatchObject({ ok: false, error: { code: "game-over" } });
    expect(crazyEights.legalMoves(gameOf(over), 2)).toEqual([]);
  });

  it("lists an 8 once per suit, and the hand's other playable cards once", () => {
    const { state } = at({ hands: [["8D", "5C", "9H", "2H"], ["3D"]], discard: ["9C"] });
    expect(crazyEights.legalMoves(gameOf(state), 0)).toEqual([
      { type: "play", card: "5C" },
      { type: "play", card: "8D", suit: "C" },
      { type: "play", card: "8D", suit: "D" },
      { type: "play", card: "8D", suit: "H" },
      { type: "play", card: "8D", suit: "S" },
      { type: "play", card: "9H" },
      { type: "draw" },
    ]);
  });
});

describe("crazy eights: turns, draws and the pile", () => {
  it("keeps the turn through draws and passes it on after a play or a pass", () => {
    const { engine, state } = at({ hands: [["7H", "6H"], ["3D"], ["4D"]], discard: ["9C"] });
    let next = playAll(engine, state, [{ type: "draw" }, { type: "draw" }]);
    expect(gameOf(next)).toMatchObject({ turn: 0, draws: 2 });
    expect(gameOf(next).hands[0]).toHaveLength(4);
    next = playAll(engine, next, [{ type: "draw" }, { type: "pass" }]);
    expect(gameOf(next)).toMatchObject({ turn: 1, draws: 0, passes: 0, last: { seat: 0, type: "pass" } });
  });

  it("plays an 8 naming a suit, which the next player must follow", () => {
    const { engine, state } = at({
      hands: [
        ["8S", "2C"],
        ["3D", "4H"],
      ],
      discard: ["9C"],
    });
    const next = playAll(engine, state, [{ type: "play", card: "8S", suit: "H" }]);
    expect(gameOf(next)).toMatchObject({
      suit: "H",
      turn: 1,
      discard: ["9C", "8S"],
      last: { seat: 0, type: "play", card: "8S", suit: "H" },
    });
    expect(crazyEights.legalMoves(gameOf(next), 1)).toEqual([{ type: "play", card: "4H" }, { type: "draw" }]);
  });

  it("turns the discard pile under its top card over into the stock when the stock is empty", () => {
    const { engine, state } = at({ hands: [["7H"], ["3D"]], discard: ["2C", "3C", "4C", "9C"], stock: [], suit: "S" });
    const next = engine.apply(state, { kind: "move", seat: 0, move: { type: "draw" }, id: "x" });
    const game = gameOf(next);
    expect(game.discard).toEqual(["9C"]);
    expect(game.suit).toBe("S");
    expect(game.reshuffles).toBe(1);
    expect(game.last).toEqual({ seat: 0, type: "draw", reshuffled: true });
    expect(game.hands[0]).toHaveLength(2);
    expect([...game.hands[0]!.slice(1), ...game.stock].sort()).toEqual(["2C", "3C", "4C"]);
    expect(next.random).not.toEqual(state.random);
  });

  it("ends the game when the player to move plays their last card", () => {
    const { engine, state } = at({ hands: [["3C"], ["7C", "AH"]], discard: ["9C"], turn: 1 });
    const next = playAll(engine, state, [
      { type: "play", card: "7C" },
      { type: "play", card: "3C" },
    ]);
    expect(next.status).toBe("finished");
    expect(next.result).toEqual({ kind: "win", winners: [0], reason: "out-of-cards" });
    expect(engine.activeSeats(next)).toEqual([]);
  });
});

describe("crazy eights: the blocked end", () => {
  it.each([
    ["8", 50],
    ["K", 10],
    ["Q", 10],
    ["J", 10],
    ["T", 10],
    ["A", 1],
    ["2", 2],
    ["5", 5],
    ["9", 9],
  ] as const)("scores a %s as %i", (rank, points) => {
    for (const suit of SUITS) expect(penalty(`${rank}${suit}`)).toBe(points);
  });

  it.each<{ name: string; hands: Card[][]; result: unknown }>([
    {
      name: "the lowest penalty wins",
      hands: [
        ["KH", "2H"],
        ["AS", "3S"],
      ],
      result: { kind: "win", winners: [1], reason: "blocked" },
    },
    {
      name: "an 8 costs 50",
      hands: [["8H"], ["KH", "QH", "JH", "TH"]],
      result: { kind: "win", winners: [1], reason: "blocked" },
    },
    {
      name: "a shared lowest penalty gives two winners",
      hands: [["8H"], ["TH"], ["KS"]],
      result: { kind: "win", winners: [1, 2], reason: "blocked" },
    },
    {
      name: "equal penalties everywhere are a draw",
      hands: [["5H", "AS"], ["6D"], ["2S", "4S"]],
      result: { kind: "draw", reason: "blocked" },
    },
  ])("when every player passes with nothing to draw, $name", ({ hands, result }) => {
    // Nothing to draw, and nothing but seat 0's cards matches the 9C; seat 0 has drawn its three.
    const { engine, state } = at({ hands, discard: ["9C"], stock: [], suit: "C", draws: 3 });
    let next = state;
    for (let i = 0; i < hands.length; i++) {
      expect(next.status).toBe("playing");
      next = playAll(engine, next, [{ type: "pass" }]);
    }
    expect(gameOf(next).passes).toBe(hands.length);
    expect(next.status).toBe("finished");
    expect(next.result).toEqual(result);
  });

  it("counts only passes in a row: a play in between starts the count again", () => {
    const { engine, state } = at({ hands: [["7H"], ["3D"], ["9D", "4S"]], discard: ["9C"], stock: [], suit: "C" });
    let next = playAll(engine, state, [{ type: "pass" }, { type: "pass" }]);
    expect(gameOf(next).passes).toBe(2);
    next = playAll(engine, next, [{ type: "play", card: "9D" }]);
    expect(gameOf(next).passes).toBe(0);
    expect(next.status).toBe("playing");
    // The 9C under the new top can be drawn now, so seat 0 may not pass.
    expect(crazyEights.legalMoves(gameOf(next), 0)).toEqual([{ type: "draw" }]);
  });

  it("does not count a pass made after three draws while the stock still holds cards", () => {
    const { engine, state } = at({
      hands: [["7H"], ["3D"]],
      discard: ["9C"],
      stock: ["2D", "4D", "5D", "6D"],
      draws: 3,
    });
    const next = playAll(engine, state, [{ type: "pass" }]);
    expect(gameOf(next).passes).toBe(0);
  });
});

describe("crazy eights: timeouts and views", () => {
  it.each<{ name: string; table: Table; move: CrazyEightsMove }>([
    { name: "draws while it may", table: { hands: [["2C"], ["3D"]], discard: ["9C"] }, move: { type: "draw" } },
    {
      name: "passes after three draws",
      table: { hands: [["2C"], ["3D"]], discard: ["9C"], draws: 3 },
      move: { type: "pass" },
    },
    {
      name: "passes with nothing to draw or play",
      table: { hands: [["2H"], ["3D"]], discard: ["9C"], stock: [] },
      move: { type: "pass" },
    },
    {
      name: "plays the first playable card when it must",
      table: { hands: [["KC", "2C", "8H"], ["3D"]], discard: ["9C"], stock: [] },
      move: { type: "play", card: "2C" },
    },
  ])("on a timeout, $name", ({ table, move }) => {
    const { engine, state } = at(table);
    expect(engine.timeout(state)).toEqual({ kind: "timeout", seats: [0], move });
    const next = engine.apply(state, engine.timeout(state)!);
    expect(next.moves).toBe(1);
  });

  it("shows a seat its own sorted hand and the others' counts, a spectator no hand", () => {
    const { engine, state } = at({ hands: [["KS", "2C", "7H", "AC"], ["3D"], ["4D", "5D"]], discard: ["6C", "9C"] });
    expect(engine.view(state, 0)).toEqual({
      viewer: 0,
      hand: ["AC", "2C", "7H", "KS"],
      handCounts: [4, 1, 2],
      stock: 52 - 9,
      discard: ["6C", "9C"],
      suit: "C",
      turn: 0,
      draws: 0,
      passes: 0,
      reshuffles: 0,
      last: null,
    });
    expect(engine.view(state, 2)).toMatchObject({ viewer: 2, hand: ["4D", "5D"] });
    expect(engine.view(state, "spectator")).toMatchObject({ viewer: "spectator", hand: null, handCounts: [4, 1, 2] });
    expect(engine.view(engine.initial(), 0)).toBeNull();
  });
});
