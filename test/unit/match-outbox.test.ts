import { describe, expect, it } from "vitest";
import type { AnyGame } from "../../shared/game.ts";
import { crazyEights } from "../../shared/games/crazy-eights.ts";
import { ticTacToe } from "../../shared/games/tic-tac-toe.ts";
import { liveEntry, matchReports, tournamentResult } from "../../server/match/outbox.ts";
import { rematchSpec, rotatedSeats } from "../../server/match/series.ts";
import { INITIAL_RATING } from "../../server/ratings.ts";
import { T0, loadedMatch } from "./helpers.ts";

describe("the outbox's messages", () => {
  it("lists a public match while it is played, and takes it off otherwise", () => {
    const playing = loadedMatch(ticTacToe as AnyGame, { events: [{ kind: "start", players: 2 }] });
    expect(liveEntry(playing, T0)).toEqual({
      matchId: "match-fixture",
      gameId: "tic-tac-toe",
      players: [
        { seat: 0, name: "Ada" },
        { seat: 1, name: "Brian" },
      ],
      moves: 0,
      startedAt: T0,
      rated: false,
    });
    const hidden = loadedMatch(ticTacToe as AnyGame, {
      events: [{ kind: "start", players: 2 }],
      config: { isPrivate: true },
    });
    expect(liveEntry(hidden, T0)).toBeNull();
    expect(liveEntry(loadedMatch(ticTacToe as AnyGame), T0)).toBeNull();
  });

  it("tells a tournament's game's Tournament who won by player id, and nothing for other matches or before the end", () => {
    const events = [
      { kind: "start", players: 2 },
      { kind: "resign", seat: 0 },
    ] as const;
    const game = loadedMatch(ticTacToe as AnyGame, { events: [...events], config: { tournamentId: "cup" } });
    expect(tournamentResult(game, T0)).toEqual({
      tournamentId: "cup",
      matchId: "match-fixture",
      finishedAt: T0,
      outcome: "win",
      winners: ["pid-Brian"],
      reason: "resign",
    });
    expect(tournamentResult(loadedMatch(ticTacToe as AnyGame, { events: [...events] }), T0)).toBeNull();
    const playing = loadedMatch(ticTacToe as AnyGame, { events: [events[0]], config: { tournamentId: "cup" } });
    expect(tournamentResult(playing, T0)).toBeNull();
  });

  it("reports a result to each person (never a bot), with a score against each opponent", () => {
    const loaded = loadedMatch(crazyEights as AnyGame, {
      seats: ["Ada", "Brian", "bot:random"],
      events: [
        { kind: "start", players: 3 },
        { kind: "resign", seat: 1 },
      ],
    });
    const reports = matchReports(loaded, T0);
    expect(reports.map((report) => report.pid)).toEqual(["pid-Ada", "pid-Brian"]);
    const [ada, brian] = reports.map((entry) => entry.report);
    // Seat 1 resigned: seats 0 and 2 both win.
    expect(ada).toMatchObject({ outcome: "win", reason: "resign", rated: false, seat: 0 });
    expect(ada!.opponents.map((o) => [o.seat, o.score])).toEqual([
      [1, 1],
      [2, 0.5],
    ]);
    expect(brian).toMatchObject({ outcome: "loss" });
    expect(brian!.opponents.map((o) => [o.seat, o.score, o.rating])).toEqual([
      [0, 0, INITIAL_RATING],
      [2, 0, INITIAL_RATING],
    ]);
  });

  it("rates only a rated match with a move in it", () => {
    const events = [{ kind: "start", players: 2 } as const, { kind: "resign", seat: 0 } as const];
    const loaded = loadedMatch(ticTacToe as AnyGame, { events, config: { rated: true } });
    expect(matchReports(loaded, T0).every((entry) => !entry.report.rated)).toBe(true);
  });

  it("asks for the rematch with the same settings and the seats rotated by one", () => {
    const loaded = loadedMatch(ticTacToe as AnyGame, { config: { isPrivate: true, graceMs: 9_000 } });
    expect(rotatedSeats(["a", "b", "c"])).toEqual(["b", "c", "a"]);
    const players = rotatedSeats(loaded.seats).map(({ pid, name }) => ({ pid, name, rating: INITIAL_RATING }));
    expect(rematchSpec(loaded, players)).toMatchObject({
      gameId: "tic-tac-toe",
      optionsJson: "{}",
      startNow: true,
      source: "rematch",
      private: true,
      graceMs: 9_000,
      players: [{ pid: "pid-Brian" }, { pid: "pid-Ada" }],
    });
  });
});
