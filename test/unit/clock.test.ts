import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { flagAt, initialMs, remainingAt, startClock, tick, type TimeControl } from "../../shared/clock.ts";
import { createEngine, type MatchState } from "../../shared/engine.ts";
import type { MatchEvent } from "../../shared/events.ts";
import { connectFour } from "../../shared/games/connect-four.ts";

const T0 = 1_700_000_000_000;

const controls: fc.Arbitrary<TimeControl> = fc.oneof(
  fc.record({ kind: fc.constant("move" as const), ms: fc.integer({ min: 1_000, max: 20_000 }) }),
  fc.record({
    kind: fc.constant("fischer" as const),
    baseMs: fc.integer({ min: 1_000, max: 60_000 }),
    incrementMs: fc.integer({ min: 0, max: 5_000 }),
  }),
  fc.record({
    kind: fc.constant("delay" as const),
    baseMs: fc.integer({ min: 1_000, max: 60_000 }),
    delayMs: fc.integer({ min: 0, max: 5_000 }),
  }),
  fc.record({ kind: fc.constant("correspondence" as const), days: fc.integer({ min: 1, max: 3 }) }),
);

/** used + remaining = initial + added, for every seat: no time is made up or lost. */
function conserved(control: TimeControl, state: MatchState): void {
  const clock = state.clock!;
  clock.remaining.forEach((remaining, seat) => {
    expect(remaining).toBeGreaterThanOrEqual(0);
    expect(clock.used[seat]! + remaining).toBe(initialMs(control) + clock.added[seat]!);
  });
}

interface Played {
  readonly events: (MatchEvent & { at: number })[];
  readonly states: MatchState[];
}

/**
 * Plays Connect Four as the server would: each turn the seat thinks for its `think` time;
 * when that passes its flag the alarm's timeout comes first, at the flag time.
 */
function play(control: TimeControl, thinks: readonly number[], columns: readonly number[]): Played {
  const engine = createEngine(connectFour, {}, "clocks", control);
  const start = { kind: "start" as const, players: 2, at: T0 };
  let state = engine.apply(engine.initial(), start, T0);
  const events: Played["events"] = [start];
  const states = [state];
  let now = T0;
  for (let i = 0; i < thinks.length && state.status === "playing"; i++) {
    const deadline = engine.deadline(state)!;
    const moveAt = now + thinks[i]!;
    let event: MatchEvent;
    if (moveAt >= deadline) {
      // Not a millisecond early: the alarm that fires before the flag finds nothing to do.
      expect(engine.timeout(state, deadline - 1)).toBeNull();
      event = engine.timeout(state, deadline)!;
      expect(event).not.toBeNull();
      now = deadline;
    } else {
      const legal = engine.game.legalMoves(state.game, engine.activeSeats(state)[0]!) as { column: number }[];
      const seat = engine.activeSeats(state)[0]!;
      event = { kind: "move", seat, move: legal[columns[i]! % legal.length]!, id: `m${i}` };
      now = moveAt;
    }
    const before = state;
    state = engine.apply(state, event, now);
    events.push({ ...event, at: now });
    states.push(state);
    if (event.kind === "move") {
      // The mover is charged exactly its thinking time (less any delay), then gets its increment.
      const seat = event.seat;
      const held = before.clock!.remaining[seat]!;
      const thought = now - before.clock!.since;
      const charged = control.kind === "delay" ? Math.max(0, thought - control.delayMs) : thought;
      const expected =
        control.kind === "fischer"
          ? held - charged + control.incrementMs
          : control.kind === "delay"
            ? held - charged
            : state.status === "playing" && engine.activeSeats(state).includes(seat)
              ? initialMs(control)
              : held - charged;
      expect(state.clock!.remaining[seat]).toBe(expected);
    }
  }
  return { events, states };
}

describe("clocks through the engine", () => {
  it("keep time charged + time remaining = base + increments for every seat at every event, and replay from the log", () => {
    fc.assert(
      fc.property(
        controls,
        fc.array(fc.integer({ min: 0, max: 25_000 }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
        (control, thinks, columns) => {
          const { events, states } = play(control, thinks, columns);
          for (const state of states) conserved(control, state);
          // The log, with its times, rebuilds the same clocks (after a JSON round trip).
          const engine = createEngine(connectFour, {}, "clocks", control);
          expect(engine.replay(JSON.parse(JSON.stringify(events)) as Played["events"])).toEqual(states.at(-1));
          const last = states.at(-1)!;
          if (last.status === "finished") expect(last.clock!.running).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("flags the seat whose banked time runs out, and the other seat wins", () => {
    const control: TimeControl = { kind: "fischer", baseMs: 5_000, incrementMs: 1_000 };
    const { events, states } = play(control, [1_000, 2_000, 9_000], [3, 3, 3]);
    const last = states.at(-1)!;
    expect(events.at(-1)).toMatchObject({ kind: "timeout", seats: [0] });
    // Seat 0: 5 s − 1 s + 1 s = 5 s left after its first move, so its flag falls 5 s into its second turn.
    expect(events.at(-1)!.at - events.at(-2)!.at).toBe(5_000);
    expect(last.result).toEqual({ kind: "win", winners: [1], reason: "timeout" });
    expect(last.clock!.remaining).toEqual([0, 4_000]);
  });

  it("lets the delay pass before the bank runs", () => {
    const control: TimeControl = { kind: "delay", baseMs: 10_000, delayMs: 3_000 };
    const { states } = play(control, [2_500, 4_000], [0, 0]);
    expect(states[1]!.clock!.remaining).toEqual([10_000, 10_000]);
    expect(states[2]!.clock!.remaining).toEqual([10_000, 9_000]);
    const clock = states[2]!.clock!;
    expect(flagAt(control, clock, 0)).toBe(clock.since + 13_000);
    expect(remainingAt(control, clock, 0, clock.since + 5_000)).toBe(8_000);
  });

  it("gives a per-move limit afresh every turn and applies the game's timeout policy (a forfeit here)", () => {
    const control: TimeControl = { kind: "move", ms: 4_000 };
    const { events, states } = play(control, [3_900, 3_900, 4_000], [1, 2, 3]);
    expect(states[2]!.clock!.remaining).toEqual([4_000, 100]);
    expect(events.at(-1)).toMatchObject({ kind: "timeout", seats: [0] });
    expect(states.at(-1)!.result).toMatchObject({ kind: "win", winners: [1] });
  });

  it("charges nothing for a clock that steps back", () => {
    const control: TimeControl = { kind: "fischer", baseMs: 5_000, incrementMs: 0 };
    const clock = startClock(control, 2, [0], T0);
    const after = tick(control, clock, T0 - 500, [0], [1]);
    expect(after.remaining).toEqual([5_000, 5_000]);
    expect(after.since).toBe(T0);
  });
});

describe("draw offers through the engine", () => {
  const engine = createEngine(connectFour, {}, "draws");
  const started = () => engine.apply(engine.initial(), { kind: "start", players: 2 }, T0);

  it("draws when the other seat accepts, and stops the clocks", () => {
    let state = started();
    const offer = engine.draw(state, 0, "offer");
    expect(offer).toEqual({ ok: true, value: { kind: "draw-offer", seat: 0 } });
    state = engine.apply(state, offer.ok ? offer.value : (null as never), T0 + 1_000);
    expect(state.drawOffers).toEqual([0]);
    expect(engine.draw(state, 0, "offer")).toMatchObject({ ok: false, error: { code: "draw-offered" } });
    expect(engine.draw(state, 0, "accept")).toMatchObject({ ok: false, error: { code: "no-draw-offer" } });
    const accept = engine.draw(state, 1, "accept");
    expect(accept).toEqual({ ok: true, value: { kind: "draw-accept", seat: 1 } });
    state = engine.apply(state, { kind: "draw-accept", seat: 1 }, T0 + 2_000);
    expect(state).toMatchObject({ status: "finished", result: { kind: "draw", reason: "agreement" }, drawOffers: [] });
    expect(state.clock!.running).toEqual([]);
    expect(state.clock!.used).toEqual([2_000, 0]);
    expect(engine.draw(state, 1, "offer")).toMatchObject({ ok: false, error: { code: "game-over" } });
  });

  it("withdraws every offer on a decline, or when the other seat moves instead", () => {
    let state = engine.apply(started(), { kind: "draw-offer", seat: 0 });
    expect(engine.draw(state, 1, "decline")).toEqual({ ok: true, value: { kind: "draw-decline", seat: 1 } });
    expect(engine.apply(state, { kind: "draw-decline", seat: 1 }).drawOffers).toEqual([]);
    // The offerer's own move keeps the offer standing; the opponent's move answers it.
    state = engine.apply(state, { kind: "move", seat: 0, move: { column: 3 }, id: "a" });
    expect(state.drawOffers).toEqual([0]);
    state = engine.apply(state, { kind: "move", seat: 1, move: { column: 3 }, id: "b" });
    expect(state.drawOffers).toEqual([]);
    expect(engine.draw(state, 1, "decline")).toMatchObject({ ok: false, error: { code: "no-draw-offer" } });
  });

  it("treats an offer made while the other seat's stands as acceptance", () => {
    const state = engine.apply(started(), { kind: "draw-offer", seat: 1 });
    expect(engine.draw(state, 0, "offer")).toEqual({ ok: true, value: { kind: "draw-accept", seat: 0 } });
  });

  it("refuses offers before the start, and throws on a logged draw event that could not happen", () => {
    expect(engine.draw(engine.initial(), 0, "offer")).toMatchObject({ ok: false, error: { code: "not-started" } });
    expect(() => engine.apply(started(), { kind: "draw-accept", seat: 1 })).toThrow();
    expect(() => engine.apply(started(), { kind: "draw-offer", seat: 5 })).toThrow();
  });
});
