import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { checkOnView, createEngine } from "../../shared/engine.ts";
import type { AnyGame, GameDefinition } from "../../shared/game.ts";
import { ticTacToe } from "../../shared/games/tic-tac-toe.ts";
import { T0 } from "./helpers.ts";

/** Tic-tac-toe wrapped so that every call of its move schema and of `validate` is counted. */
function counting() {
  const calls = { validate: 0, schema: 0, apply: 0 };
  const move = v.pipe(
    v.unknown(),
    v.check(() => {
      calls.schema += 1;
      return true;
    }),
    ticTacToe.move,
  );
  const game: GameDefinition<unknown, unknown, unknown> = {
    ...(ticTacToe as AnyGame),
    move,
    validate(state, seat, m) {
      calls.validate += 1;
      return ticTacToe.validate(state as never, seat, m as never);
    },
    apply(state, seat, m, random) {
      calls.apply += 1;
      return ticTacToe.apply(state as never, seat, m as never, random);
    },
  };
  return { game, calls };
}

describe("engine.play", () => {
  it("checks a move once: one schema parse and one validate, then one apply", () => {
    const { game, calls } = counting();
    const engine = createEngine(game, {}, "seed");
    const state = engine.apply(engine.initial(), { kind: "start", players: 2 }, T0);
    const played = engine.play(state, 0, { cell: 4 }, T0 + 10, "m1");
    expect(played.ok).toBe(true);
    expect(calls).toEqual({ validate: 1, schema: 1, apply: 1 });
  });

  it("returns the event to log and the state it leads to, the same state a replay of the log reaches", () => {
    const engine = createEngine(ticTacToe as AnyGame, {}, "seed");
    const start = { kind: "start", players: 2 } as const;
    const state = engine.apply(engine.initial(), start, T0);
    const played = engine.play(state, 0, { cell: 4 }, T0 + 10, "m1");
    if (!played.ok) throw new Error(played.error.code);
    expect(played.value.event).toEqual({ kind: "move", seat: 0, move: { cell: 4 }, id: "m1" });
    expect(played.value.state).toMatchObject({ moves: 1, status: "playing" });
    const replayed = engine.replay([
      { ...start, at: T0 },
      { ...played.value.event, at: T0 + 10 },
    ]);
    expect(replayed).toEqual(played.value.state);
  });

  it("restores a logged move without checking it again, to the state play reached; apply still checks", () => {
    const { game, calls } = counting();
    const engine = createEngine(game, {}, "seed");
    const state = engine.apply(engine.initial(), { kind: "start", players: 2 }, T0);
    const played = engine.play(state, 0, { cell: 4 }, T0 + 10, "m1");
    if (!played.ok) throw new Error(played.error.code);
    const logged = JSON.parse(JSON.stringify(played.value.event));
    calls.validate = calls.schema = calls.apply = 0;
    expect(engine.restore(state, logged, T0 + 10)).toEqual(played.value.state);
    expect(calls).toEqual({ validate: 0, schema: 0, apply: 1 });
    expect(engine.apply(state, logged, T0 + 10)).toEqual(played.value.state);
    expect(calls).toEqual({ validate: 1, schema: 1, apply: 2 });
  });

  it.each([
    { name: "before the start", started: false, seat: 0, move: { cell: 0 }, code: "not-started" },
    { name: "out of turn", started: true, seat: 1, move: { cell: 0 }, code: "not-your-turn" },
    { name: "of the wrong shape", started: true, seat: 0, move: { column: 0 }, code: "bad-move" },
  ])("refuses a move $name with $code and never calls validate", ({ started, seat, move, code }) => {
    const { game, calls } = counting();
    const engine = createEngine(game, {}, "seed");
    const initial = engine.initial();
    const state = started ? engine.apply(initial, { kind: "start", players: 2 }, T0) : initial;
    expect(engine.play(state, seat, move, T0, "x")).toMatchObject({ ok: false, error: { code } });
    expect(calls.validate).toBe(0);
  });

  it("refuses an illegal move with illegal and the game's reason", () => {
    const engine = createEngine(ticTacToe as AnyGame, {}, "seed");
    let state = engine.apply(engine.initial(), { kind: "start", players: 2 }, T0);
    const first = engine.play(state, 0, { cell: 4 }, T0, "a");
    if (!first.ok) throw new Error(first.error.code);
    state = first.value.state;
    expect(engine.play(state, 1, { cell: 4 }, T0, "b")).toMatchObject({
      ok: false,
      error: { code: "illegal", reason: "cell-occupied" },
    });
  });
});

describe("resign and rematch guards", () => {
  const engine = createEngine(ticTacToe as AnyGame, {}, "seed");
  const waiting = engine.initial();
  const playing = engine.apply(waiting, { kind: "start", players: 2 }, T0);
  const resigned = engine.apply(playing, { kind: "resign", seat: 0 }, T0);
  const calledOff = engine.apply(waiting, { kind: "abort", reason: "not-collected" }, T0);

  it("lets a seat resign only while the match is played", () => {
    expect(engine.resign(waiting, 0)).toMatchObject({ ok: false, error: { code: "not-started" } });
    expect(engine.resign(playing, 1)).toEqual({ ok: true, value: { kind: "resign", seat: 1 } });
    expect(engine.resign(resigned, 1)).toMatchObject({ ok: false, error: { code: "game-over" } });
  });

  it("allows a rematch only of a match that was played and is over", () => {
    expect(engine.rematch(playing)).toMatchObject({ ok: false, error: { code: "not-finished" } });
    expect(engine.rematch(calledOff)).toMatchObject({ ok: false, error: { code: "not-finished" } });
    expect(engine.rematch(resigned)).toEqual({ ok: true, value: true });
  });
});

describe("checkOnView (the SDK's check)", () => {
  const view = (status: "waiting" | "playing" | "finished", seats: number[], board: unknown) => ({
    status,
    turn: status === "playing" ? { seats } : null,
    view: board,
  });
  const board = { cells: [0, null, null, null, null, null, null, null, null], turn: 1 };

  it("runs the engine's ladder on a view, rules included for a game without hidden information", () => {
    const game = ticTacToe as AnyGame;
    expect(checkOnView(game, view("waiting", [], null), 0, { cell: 1 })).toMatchObject({
      error: { code: "not-started" },
    });
    expect(checkOnView(game, view("playing", [1], board), 0, { cell: 1 })).toMatchObject({
      error: { code: "not-your-turn" },
    });
    expect(checkOnView(game, view("playing", [1], board), 1, { cell: 0 })).toMatchObject({
      error: { code: "illegal", reason: "cell-occupied" },
    });
    expect(checkOnView(game, view("playing", [1], board), 1, { cell: 1 })).toEqual({ ok: true, value: { cell: 1 } });
  });

  it("leaves the rules to the server for a game with hidden information", () => {
    const { game, calls } = counting();
    const hidden = { ...game, view: (state: unknown) => state };
    expect(checkOnView(hidden, view("playing", [0], null), 0, { cell: 1 })).toEqual({ ok: true, value: { cell: 1 } });
    expect(calls.validate).toBe(0);
  });
});
