/**
 * Tic-tac-toe and Connect Four through the engine: the registry, the start, views, random legal
 * play checked against the independent invariant checker and outcome oracle (./grid-games.ts),
 * and replay.
 */
import fc from "fast-check";
import { anything } from "./arbitraries.ts";
import { describe, expect, it } from "vitest";
import { createEngine } from "../../shared/engine.ts";
import type { MatchEvent } from "../../shared/events.ts";
import { chess } from "../../shared/games/chess.ts";
import { connectFour } from "../../shared/games/connect-four.ts";
import { crazyEights } from "../../shared/games/crazy-eights.ts";
import { GAMES } from "../../shared/games/index.ts";
import { ticTacToe } from "../../shared/games/tic-tac-toe.ts";
import {
  counts,
  FULL_RUNS,
  fullGame,
  legalIndices,
  linesOn,
  moveOf,
  nearMisses,
  oracle,
  play,
  SPECS,
  started,
  violations,
} from "./grid-games.ts";

describe("the game registry", () => {
  it("holds every game under its id", () => {
    expect([...GAMES.keys()].sort()).toEqual(["battleship", "chess", "connect-four", "crazy-eights", "tic-tac-toe"]);
    expect(GAMES.get("chess")).toBe(chess);
    expect(GAMES.get("crazy-eights")).toBe(crazyEights);
    expect(GAMES.get("tic-tac-toe")).toBe(ticTacToe);
    // A game with bots of its own is its rules plus those bots, joined at its registry line.
    expect(GAMES.get("connect-four")).toEqual({ ...connectFour, bots: { search: expect.any(Function) } });
  });
});

describe.each(SPECS)("$label through the engine", (spec) => {
  it("starts empty, with seat 0 to move and nothing decided", () => {
    const { engine, state } = started(spec);
    expect(state.status).toBe("playing");
    expect(state.players).toBe(2);
    expect(state.moves).toBe(0);
    expect(state.result).toBeNull();
    expect(engine.activeSeats(state)).toEqual([0]);
    expect(counts(spec.read(state.game, []))).toEqual([0, 0]);
    expect(violations(spec, state)).toEqual([]);
    expect(legalIndices(spec, engine, state)).toEqual(Array.from({ length: spec.size }, (_, i) => i));
  });

  it("shows every viewer the whole state, and nothing before the start", () => {
    const { engine, state } = started(spec);
    expect(engine.view(engine.initial(), 0)).toBeNull();
    expect(engine.view(engine.initial(), "spectator")).toBeNull();
    expect(engine.view(state, 0)).toEqual(state.game);
    expect(engine.view(state, 1)).toEqual(state.game);
    expect(engine.view(state, "spectator")).toEqual(state.game);
  });

  it("never reaches an illegal state in random legal play, and ends with the outcome the board shows", () => {
    fc.assert(
      fc.property(fullGame, fc.string({ maxLength: 12 }), (choices, seed) => {
        const { engine, events, states, last } = play(spec, choices, seed, true);
        expect(last.status).toBe("finished");
        expect(engine.activeSeats(last)).toEqual([]);
        const grid = spec.read(last.game, []);
        const expected = oracle(spec, grid);
        expect(expected).not.toBeNull();
        expect(last.result).toEqual(expected);
        expect(last.moves).toBe(events.length - 1);
        // No play after the end: every earlier board was undecided, and a win includes the last piece.
        for (const earlier of states.slice(0, -1)) expect(oracle(spec, spec.read(earlier.game, []))).toBeNull();
        if (expected?.kind === "win") {
          const lastEvent = events.at(-1) as Extract<MatchEvent, { kind: "move" }>;
          const previous = spec.read(states.at(-2)!.game, []);
          const placed = spec.target(previous, (lastEvent.move as Record<string, number>)[spec.key]!)!;
          const through = linesOn(spec, grid).filter((l) =>
            l.cells.some(([x, y]) => x === placed[0] && y === placed[1]),
          );
          expect(through.length).toBeGreaterThan(0);
          expect(expected.winners).toEqual([lastEvent.seat]);
        }
      }),
      { numRuns: FULL_RUNS },
    );
  });

  it("has no active seats once finished, refuses every move with game-over, and has no timeout", () => {
    fc.assert(
      fc.property(
        fullGame,
        fc.oneof(fc.integer({ min: -2, max: 3 }), fc.double()),
        fc.oneof(anything, nearMisses(spec)),
        (choices, seat, move) => {
          const { engine, last } = play(spec, choices);
          expect(last.status).toBe("finished");
          expect(engine.activeSeats(last)).toEqual([]);
          expect(engine.timeout(last)).toBeNull();
          for (let index = 0; index < spec.size; index++) {
            for (const s of [0, 1]) {
              const refused = engine.check(last, s, moveOf(spec, index));
              expect(refused.ok ? "accepted" : refused.error.code).toBe("game-over");
            }
          }
          const refused = engine.check(last, seat, move);
          expect(refused.ok ? "accepted" : refused.error.code).toBe("game-over");
        },
      ),
      { numRuns: FULL_RUNS },
    );
  });

  it("replays its event log, also after a JSON round trip, to the live state at every point", () => {
    const ending = fc.option(
      fc.record({ at: fc.nat({ max: 41 }), kind: fc.constantFrom("resign", "timeout"), seat: fc.constantFrom(0, 1) }),
    );
    fc.assert(
      fc.property(fullGame, ending, fc.string({ maxLength: 12 }), (choices, end, seed) => {
        const { engine, events, states } = play(spec, end ? choices.slice(0, end.at) : choices, seed);
        let live = states.at(-1)!;
        if (end && live.status === "playing") {
          const event: MatchEvent = end.kind === "resign" ? { kind: "resign", seat: end.seat } : engine.timeout(live)!;
          live = engine.apply(live, event);
          events.push(event);
          states.push(live);
        }
        expect(engine.replay(events)).toEqual(live);
        const stored = JSON.parse(JSON.stringify(events)) as MatchEvent[];
        expect(engine.replay(stored)).toEqual(live);
        expect(createEngine(spec.game, {}, seed).replay(stored)).toEqual(live);
        for (let n = 0; n <= events.length; n++) {
          expect(engine.replay(stored.slice(0, n))).toEqual(n === 0 ? engine.initial() : states[n - 1]);
        }
      }),
      { numRuns: FULL_RUNS },
    );
  });
});
