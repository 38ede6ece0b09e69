import { describe, expect, it } from "vitest";
import { createEngine, type MatchState } from "../../shared/engine.ts";
import type { AnyGame } from "../../shared/game.ts";
import { ticTacToe } from "../../shared/games/tic-tac-toe.ts";
import { DIRECTORY_REFRESH_MS, scheduleAfter, type Commit } from "../../server/match/timers.ts";
import { T0 } from "./helpers.ts";

const engine = createEngine(ticTacToe as AnyGame, {}, "seed", { kind: "move", ms: 30_000 });
const waiting = engine.initial();
const playing = engine.apply(waiting, { kind: "start", players: 2 }, T0);
const finished = engine.apply(playing, { kind: "resign", seat: 0 }, T0 + 1_000);

/** A commit from `before` to `after` at T0 + 1 s, with no bots, everyone online, a public live match. */
function commit(before: MatchState, after: MatchState, extra: Partial<Commit> = {}): Commit {
  return {
    before,
    after,
    seq: 3,
    now: T0 + 1_000,
    deadline: engine.deadline(after),
    hasBots: false,
    botToAct: null,
    botDelayMs: 600,
    reportDelayMs: 10_000,
    offline: [],
    startedBefore: before.status !== "waiting",
    graceMs: 60_000,
    isPrivate: false,
    rated: false,
    spectatorDelay: null,
    tournamentId: null,
    listedAt: 0,
    listingDue: null,
    ...extra,
  };
}

const kinds = (plan: ReturnType<typeof scheduleAfter>) => plan.arm.map((arm) => arm.timer.kind);

describe("scheduleAfter: the timers a commit needs", () => {
  it("derives the turn deadline (no timer row), and lists a match that starts at once", () => {
    const plan = scheduleAfter(commit(waiting, playing));
    expect(plan.turn).toBe(T0 + 30_000);
    expect(kinds(plan)).not.toContain("turn");
    expect(plan.arm).toContainEqual({ timer: { kind: "directory" }, at: T0 + 1_000, seq: 0 });
    expect(plan.clear).toEqual([]);
  });

  it("starts the grace period of seats nobody is connected to when the match starts", () => {
    const plan = scheduleAfter(commit(waiting, playing, { offline: [1] }));
    expect(plan.arm).toContainEqual({ timer: { kind: "grace", seat: 1 }, at: T0 + 61_000, seq: 0 });
    expect(kinds(scheduleAfter(commit(playing, playing, { offline: [1] })))).not.toContain("grace");
  });

  it("ends the turn deadline and clears every grace period at the end, and reports a played match to its players", () => {
    const plan = scheduleAfter(commit(playing, finished));
    expect(plan.turn).toBeNull();
    expect(plan.clear).toEqual([{ kind: "grace" }]);
    // A casual game's reports wait for the series' next games (an earlier pending report stays); a rated one's go at once.
    const report = { timer: { kind: "report" }, seq: 0, keepEarlier: true };
    expect(plan.arm).toContainEqual({ ...report, at: T0 + 11_000 });
    expect(scheduleAfter(commit(playing, finished, { rated: true })).arm).toContainEqual({ ...report, at: T0 + 1_000 });
  });

  it("tells a tournament's game's Tournament how it ended, and no other match's", () => {
    const arm = { timer: { kind: "tournament" }, at: T0 + 1_000, seq: 0, keepEarlier: true };
    expect(scheduleAfter(commit(playing, finished, { tournamentId: "t1" })).arm).toContainEqual(arm);
    expect(kinds(scheduleAfter(commit(playing, finished)))).not.toContain("tournament");
    expect(kinds(scheduleAfter(commit(playing, playing, { tournamentId: "t1" })))).not.toContain("tournament");
  });

  it("reports nothing for a match called off before it started", () => {
    const aborted = engine.apply(waiting, { kind: "abort", reason: "not-collected" }, T0);
    expect(kinds(scheduleAfter(commit(waiting, aborted)))).toEqual([]);
  });

  it("moves a bot after its pause, never more than a fiftieth of the time it has left", () => {
    expect(scheduleAfter(commit(playing, playing, { hasBots: true, botToAct: 0 })).arm).toContainEqual({
      timer: { kind: "bot" },
      at: T0 + 1_600,
      seq: 3,
    });
    const short = scheduleAfter(commit(playing, playing, { hasBots: true, botToAct: 0, botDelayMs: 60_000 }));
    expect(short.arm).toContainEqual({ timer: { kind: "bot" }, at: T0 + 1_000 + 30_000 / 50, seq: 3 });
    expect(scheduleAfter(commit(playing, playing, { hasBots: true, botToAct: null })).clear).toContainEqual({
      kind: "bot",
    });
    expect(scheduleAfter(commit(playing, playing)).clear).not.toContainEqual({ kind: "bot" });
  });

  it("releases events to spectators a delay in seconds later, keeping an earlier pending release", () => {
    const plan = scheduleAfter(commit(playing, playing, { spectatorDelay: { seconds: 5 } }));
    expect(plan.arm).toContainEqual({ timer: { kind: "spectators" }, at: T0 + 6_000, seq: 0, keepEarlier: true });
    expect(kinds(scheduleAfter(commit(playing, playing, { spectatorDelay: { moves: 2 } })))).not.toContain(
      "spectators",
    );
  });

  it("refreshes the lobby at most every DIRECTORY_REFRESH_MS while the match runs, and never for private matches", () => {
    const listed = { listedAt: T0, listingDue: null };
    expect(scheduleAfter(commit(playing, playing, listed)).arm).toContainEqual({
      timer: { kind: "directory" },
      at: T0 + DIRECTORY_REFRESH_MS,
      seq: 0,
    });
    // A refresh already pending covers this move: nothing to write.
    expect(kinds(scheduleAfter(commit(playing, playing, { listingDue: T0 + 5_000 })))).not.toContain("directory");
    expect(kinds(scheduleAfter(commit(waiting, playing, { isPrivate: true })))).not.toContain("directory");
  });
});
