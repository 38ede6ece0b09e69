import { describe, expect, it } from "vitest";
import type { AnyGame } from "../../shared/game.ts";
import { crazyEights } from "../../shared/games/crazy-eights.ts";
import { ticTacToe } from "../../shared/games/tic-tac-toe.ts";
import { presenceOf, rematchInfo, summaryOf, viewOf } from "../../server/match/views.ts";
import { T0, deepFreeze, loadedMatch } from "./helpers.ts";

const noRematch = () => ({ offers: [false, false], matchId: null });

describe("viewOf: the match as one recipient may see it", () => {
  it("gives each seat of a hidden-information game its own view and spectators none of the hands", () => {
    const loaded = loadedMatch(crazyEights as AnyGame, { events: [{ kind: "start", players: 2 }] });
    deepFreeze(loaded.state);
    const mine = viewOf(loaded, 0, loaded, noRematch, T0);
    const theirs = viewOf(loaded, 1, loaded, noRematch, T0);
    const spectator = viewOf(loaded, "spectator", loaded, noRematch, T0);
    expect(mine.view).toEqual(crazyEights.view!(loaded.state.game as never, 0));
    expect(theirs.view).toEqual(crazyEights.view!(loaded.state.game as never, 1));
    expect(spectator.view).toEqual(crazyEights.view!(loaded.state.game as never, "spectator"));
    expect(JSON.stringify(spectator.view)).not.toEqual(JSON.stringify(mine.view));
  });

  it("gives everyone the same view of a game without hidden information", () => {
    const loaded = loadedMatch(ticTacToe as AnyGame, { events: [{ kind: "start", players: 2 }] });
    expect(viewOf(loaded, 0, loaded, noRematch, T0)).toEqual(viewOf(loaded, "spectator", loaded, noRematch, T0));
  });

  it("shows every seat the game has until the start, then the seats that play", () => {
    const waiting = loadedMatch(crazyEights as AnyGame, { seats: ["Ada"] });
    expect(viewOf(waiting, "spectator", waiting, noRematch, T0)).toMatchObject({ capacity: 6, turn: null, view: null });
    const started = loadedMatch(crazyEights as AnyGame, { events: [{ kind: "start", players: 2 }] });
    expect(viewOf(started, "spectator", started, noRematch, T0)).toMatchObject({ capacity: 2, turn: { seats: [0] } });
  });

  it("offers a rematch only once a played match is over, and only asks for it then", () => {
    let asked = 0;
    const rematch = () => {
      asked += 1;
      return { offers: [true, false], matchId: null };
    };
    const playing = loadedMatch(ticTacToe as AnyGame, { events: [{ kind: "start", players: 2 }] });
    expect(viewOf(playing, 0, playing, rematch, T0).rematch).toBeNull();
    const over = loadedMatch(ticTacToe as AnyGame, {
      events: [
        { kind: "start", players: 2 },
        { kind: "resign", seat: 1 },
      ],
    });
    expect(viewOf(over, 0, over, rematch, T0).rematch).toEqual({ offers: [true, false], matchId: null });
    const calledOff = loadedMatch(ticTacToe as AnyGame, { events: [{ kind: "abort", reason: "not-collected" }] });
    expect(viewOf(calledOff, 0, calledOff, rematch, T0).rematch).toBeNull();
    expect(asked).toBe(1);
  });

  it("shows spectators some moves behind with the clocks standing, and some seconds behind shifted", () => {
    const events = [{ kind: "start", players: 2 } as const];
    const moves = loadedMatch(ticTacToe as AnyGame, { events, config: { spectatorDelay: { moves: 2 } } });
    const point = { state: moves.state, seq: moves.seq, delayed: true as const };
    expect(viewOf(moves, "spectator", point, noRematch, T0)).toMatchObject({
      turn: { deadline: null },
      clock: { running: [] },
    });
    const seconds = loadedMatch(ticTacToe as AnyGame, { events, config: { spectatorDelay: { seconds: 10 } } });
    const live = viewOf(seconds, "spectator", seconds, noRematch, T0);
    const behind = viewOf(seconds, "spectator", { ...point, state: seconds.state }, noRematch, T0);
    expect(behind.turn!.deadline).toBe(live.turn!.deadline! + 10_000);
    expect(behind.clock!.since).toBe(live.clock!.since + 10_000);
  });
});

describe("summaryOf", () => {
  it("publishes the seed only once the match is over, and the invite code of a private match", () => {
    const playing = loadedMatch(ticTacToe as AnyGame, {
      events: [{ kind: "start", players: 2 }],
      config: { matchId: "inv_ABC234", isPrivate: true },
    });
    const summary = summaryOf(playing, viewOf(playing, "spectator", playing, noRematch, T0));
    expect(summary).toMatchObject({ matchId: "inv_ABC234", inviteCode: "ABC234", seed: null, status: "playing" });
    playing.state = playing.engine.apply(playing.state, { kind: "resign", seat: 0 }, T0);
    expect(summaryOf(playing, viewOf(playing, "spectator", playing, noRematch, T0)).seed).toBe("fixture-seed");
  });
});

describe("presenceOf and rematchInfo", () => {
  it("counts a bot as always connected and gives each absent person's forfeit time", () => {
    const loaded = loadedMatch(ticTacToe as AnyGame, { seats: ["Ada", "bot:random"] });
    expect(presenceOf(loaded, () => 0, new Map([[0, T0 + 60_000]]), 3)).toEqual({
      connected: [false, true],
      forfeitAt: [T0 + 60_000, null],
      spectators: 3,
    });
  });

  it("names the rematch only once it exists", () => {
    const loaded = loadedMatch(ticTacToe as AnyGame);
    loaded.rematchId = "next-match-id";
    loaded.seats[0]!.rematch = true;
    expect(rematchInfo(loaded, false)).toEqual({ offers: [true, false], matchId: null });
    expect(rematchInfo(loaded, true)).toEqual({ offers: [true, false], matchId: "next-match-id" });
  });
});
