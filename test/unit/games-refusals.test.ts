/**
 * Tic-tac-toe and Connect Four through the engine: refused moves, immutability, resignation,
 * timeouts and impossible events.
 */
import fc from "fast-check";
import { anything } from "./arbitraries.ts";
import { describe, expect, it } from "vitest";
import { createEngine } from "../../shared/engine.ts";
import { deepFreeze } from "./helpers.ts";
import {
  moveOf,
  nearMisses,
  play,
  playingPosition,
  someMoves,
  SPECS,
  START,
  started,
  wellFormed,
} from "./grid-games.ts";

describe.each(SPECS)("$label through the engine", (spec) => {
  it("refuses anything that is not a well-formed move with bad-move on the seat's turn", () => {
    fc.assert(
      fc.property(someMoves, fc.oneof(anything, nearMisses(spec)), (choices, move) => {
        fc.pre(!wellFormed(spec, move));
        const { engine, state } = playingPosition(spec, choices);
        const [seat] = engine.activeSeats(state);
        const refused = engine.check(state, seat!, move);
        expect(refused.ok ? "accepted" : refused.error.code).toBe("bad-move");
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ["null", null],
    ["undefined", undefined],
    ["a bare number", 4],
    ["a string", "4"],
    ["an array", [4]],
    ["an empty object", {}],
    ["a string value", { [spec.key]: "4" }],
    ["a negative value", { [spec.key]: -1 }],
    ["a value past the end", { [spec.key]: spec.size }],
    ["a fractional value", { [spec.key]: 1.5 }],
    ["NaN", { [spec.key]: Number.NaN }],
    ["Infinity", { [spec.key]: Infinity }],
    ["an extra key", { [spec.key]: 1, seat: 0 }],
    ["the other game's key", { [spec.key === "cell" ? "column" : "cell"]: 1 }],
    ["a nested move", { move: { [spec.key]: 1 } }],
  ])("refuses %s as a move with bad-move", (_name, move) => {
    const { engine, state } = started(spec);
    const refused = engine.check(state, 0, move);
    expect(refused.ok ? "accepted" : refused.error.code).toBe("bad-move");
  });

  it("refuses a move from any seat but the one to move with not-your-turn, whatever the move", () => {
    const seatArb = fc.oneof(fc.integer({ min: -3, max: 5 }), fc.double());
    fc.assert(
      fc.property(
        someMoves,
        seatArb,
        fc.oneof(
          anything,
          fc.nat({ max: spec.size - 1 }).map((n) => moveOf(spec, n)),
        ),
        (choices, seat, move) => {
          const { engine, state } = playingPosition(spec, choices);
          fc.pre(!engine.activeSeats(state).includes(seat));
          const refused = engine.check(state, seat, move);
          expect(refused.ok ? "accepted" : refused.error.code).toBe("not-your-turn");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses every move before the start with not-started", () => {
    const engine = createEngine(spec.game, {}, "seed");
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -1, max: 3 }), fc.double()),
        fc.oneof(anything, nearMisses(spec)),
        (seat, move) => {
          const refused = engine.check(engine.initial(), seat, move);
          expect(refused.ok ? "accepted" : refused.error.code).toBe("not-started");
        },
      ),
    );
    expect(engine.activeSeats(engine.initial())).toEqual([]);
    expect(engine.timeout(engine.initial())).toBeNull();
  });

  it("refuses a well-formed move into a taken cell or full column with illegal and the game's reason", () => {
    fc.assert(
      fc.property(someMoves, (choices) => {
        const { engine, state } = playingPosition(spec, choices);
        const [seat] = engine.activeSeats(state);
        const grid = spec.read(state.game, []);
        for (let index = 0; index < spec.size; index++) {
          const result = engine.check(state, seat!, moveOf(spec, index));
          if (spec.target(grid, index)) {
            expect(result).toEqual({ ok: true, value: moveOf(spec, index) });
          } else {
            expect(result.ok).toBe(false);
            if (!result.ok) {
              expect(result.error.code).toBe("illegal");
              expect(result.error.reason).toBe(spec.takenReason);
              expect(result.error.message.length).toBeGreaterThan(0);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("never mutates the state when checking or applying, even a deeply frozen one", () => {
    fc.assert(
      fc.property(
        someMoves,
        fc.oneof(anything, nearMisses(spec)),
        fc.integer({ min: -1, max: 2 }),
        (choices, move, seat) => {
          const { engine, state } = playingPosition(spec, choices);
          const before = structuredClone(state);
          deepFreeze(state);
          const [active] = engine.activeSeats(state);
          const attempts: [number, unknown][] = [
            [seat, move],
            [active! + 1, moveOf(spec, 0)],
            ...Array.from({ length: spec.size }, (_, i): [number, unknown] => [active!, moveOf(spec, i)]),
          ];
          for (const [s, m] of attempts) {
            const result = engine.check(state, s, m);
            if (result.ok) engine.apply(state, { kind: "move", seat: s, move: m, id: "x" });
          }
          engine.apply(state, { kind: "resign", seat: active! });
          engine.apply(state, engine.timeout(state)!);
          expect(state).toEqual(before);
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([0, 1])("gives the win to the other seat with reason resign when seat %i resigns", (loser) => {
    for (const choices of [[], [0], [1, 2, 3]]) {
      const { engine, last } = play(spec, choices);
      const state = engine.apply(last, { kind: "resign", seat: loser });
      expect(state.status).toBe("finished");
      expect(state.result).toEqual({ kind: "win", winners: [1 - loser], reason: "resign" });
      expect(state.moves).toBe(last.moves);
      expect(state.game).toEqual(last.game);
      expect(engine.activeSeats(state)).toEqual([]);
      expect(engine.timeout(state)).toBeNull();
      const refused = engine.check(state, 1 - loser, moveOf(spec, spec.size - 1));
      expect(refused.ok ? "accepted" : refused.error.code).toBe("game-over");
    }
  });

  it("times out the seat to move, giving the other seat the win with reason timeout", () => {
    fc.assert(
      fc.property(someMoves, (choices) => {
        const { engine, state } = playingPosition(spec, choices);
        const [active] = engine.activeSeats(state);
        const event = engine.timeout(state);
        expect(event).toEqual({ kind: "timeout", seats: [active] });
        const after = engine.apply(state, event!);
        expect(after.status).toBe("finished");
        expect(after.result).toEqual({ kind: "win", winners: [1 - active!], reason: "timeout" });
        expect(after.moves).toBe(state.moves);
        expect(engine.timeout(after)).toBeNull();
        expect(engine.activeSeats(after)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it("throws on events that cannot follow the state (defects, not refusals)", () => {
    const { engine, state } = started(spec);
    const finished = engine.apply(state, { kind: "resign", seat: 0 });
    expect(() => engine.apply(state, START)).toThrow();
    expect(() => engine.apply(engine.initial(), { kind: "resign", seat: 0 })).toThrow();
    expect(() => engine.apply(engine.initial(), { kind: "timeout", seats: [0] })).toThrow();
    expect(() => engine.apply(finished, { kind: "resign", seat: 1 })).toThrow();
    expect(() => engine.apply(state, { kind: "resign", seat: 5 })).toThrow(/not in the match/);
    expect(() => engine.apply(finished, { kind: "timeout", seats: [1] })).toThrow();
    expect(() => engine.apply(state, { kind: "move", seat: 1, move: moveOf(spec, 0), id: "x" })).toThrow(
      /not-your-turn/,
    );
    expect(() => engine.apply(state, { kind: "move", seat: 0, move: { [spec.key]: -1 }, id: "x" })).toThrow(/bad-move/);
  });
});
