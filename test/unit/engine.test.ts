import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { createEngine } from "../../shared/engine.ts";
import type { AnyGame, GameDefinition } from "../../shared/game.ts";
import type { MatchEvent } from "../../shared/events.ts";

/**
 * A purpose-built game for engine behaviour the real games don't exercise: a counter race to
 * `target`, where a timed-out seat plays the move its policy chooses.
 */
function race(choose: (state: { total: number; turn: number }) => unknown): AnyGame {
  const game: GameDefinition<{ total: number; turn: number }, { add: number }, { target: number }> = {
    id: "race",
    name: "Race",
    minPlayers: 2,
    maxPlayers: 2,
    options: v.strictObject({ target: v.optional(v.number(), 5) }),
    move: v.strictObject({ add: v.picklist([1, 2]) }),
    defaultTimeControl: { kind: "move", ms: 1_000 },
    timeout: { kind: "move", choose: (state) => choose(state) as { add: number } },
    setup: () => ({ total: 0, turn: 0 }),
    activeSeats: (state) => (state.total >= 5 ? [] : [state.turn]),
    validate: (state, _seat, move) => (state.total + move.add > 5 ? { code: "overshoot", message: "too far" } : null),
    legalMoves: (state, seat) =>
      state.total >= 5 || seat !== state.turn
        ? []
        : [{ add: 1 as const }, { add: 2 as const }].filter((m) => state.total + m.add <= 5),
    apply: (state, seat, move) => ({ total: state.total + move.add, turn: 1 - seat }),
    outcome: (state) => (state.total >= 5 ? { kind: "win", winners: [1 - state.turn], reason: "reached" } : null),
  };
  return game as AnyGame;
}

describe("timeout policy 'move'", () => {
  it("plays the chosen move for the timed-out seat, and the log replays to the same state", () => {
    const engine = createEngine(
      race(() => ({ add: 1 })),
      { target: 5 },
      "seed",
    );
    const events: MatchEvent[] = [{ kind: "start", players: 2 }];
    let state = engine.apply(engine.initial(), events[0]!);
    const timeout = engine.timeout(state);
    expect(timeout).toEqual({ kind: "timeout", seats: [0], move: { add: 1 } });
    state = engine.apply(state, timeout!);
    events.push(timeout!);
    expect(state).toMatchObject({ status: "playing", moves: 1, game: { total: 1, turn: 1 } });
    expect(engine.replay(events)).toEqual(state);
  });

  it.each([
    { why: "a move of the wrong shape", chosen: { add: 3 } },
    { why: "an illegal move", chosen: { add: 2 } },
    { why: "no move at all", chosen: undefined },
  ])("makes the seat forfeit when the policy chooses $why", ({ chosen }) => {
    const engine = createEngine(
      race(() => chosen),
      { target: 5 },
      "seed",
    );
    let state = engine.apply(engine.initial(), { kind: "start", players: 2 });
    // Bring the total to 4, so { add: 2 } overshoots.
    for (const [seat, add] of [
      [0, 2],
      [1, 2],
    ] as const)
      state = engine.apply(state, { kind: "move", seat, move: { add }, id: `m${seat}` });
    const timeout = engine.timeout(state);
    expect(timeout).toEqual({ kind: "timeout", seats: [0] });
    expect(engine.apply(state, timeout!)).toMatchObject({
      status: "finished",
      result: { kind: "win", winners: [1], reason: "timeout" },
    });
  });

  it("refuses to apply a logged timeout move that the rules refuse (a corrupt log is a defect)", () => {
    const engine = createEngine(
      race(() => ({ add: 1 })),
      { target: 5 },
      "seed",
    );
    const state = engine.apply(engine.initial(), { kind: "start", players: 2 });
    expect(() => engine.apply(state, { kind: "timeout", seats: [0], move: { add: 7 } })).toThrow(/refused/);
  });
});
