/**
 * Crazy Eights through the engine: random play for every player count checking that the 52
 * cards are conserved, that `legalMoves` is exactly what the engine accepts and that no view
 * shows a secret card; exact replay of the deal and every draw; immutability.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEngine } from "../../shared/engine.ts";
import type { MatchEvent } from "../../shared/events.ts";
import { crazyEights } from "../../shared/games/crazy-eights.ts";
import { cardProblems, gameArb, gameOf, playRandom, started } from "./crazy-eights-helpers.ts";

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
