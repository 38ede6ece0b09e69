import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Match } from "../../server/match/match.ts";
import type { MatchSummary } from "../../shared/protocol.ts";
import { api, Client, startedMatch, matchStub as stub, settle } from "./helpers.ts";

/** Time passes for the match: its turn timer becomes due. */
/**
 * Waits out the turn's deadline. The clocks live in the match state, so time has to pass for
 * real (moving the timer row alone no longer flags anyone: the engine checks the clock).
 */
async function expireTurn(matchId: string): Promise<void> {
  const at = await turnDeadline(matchId);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now() + 5)));
}

/** When the turn ends, as a spectator is told (the deadline is derived from the state: no timer row holds it). */
async function turnDeadline(matchId: string): Promise<number> {
  const spectator = await Client.connect(matchId);
  const deadline = (await spectator.next("snapshot")).state.turn?.deadline;
  if (typeof deadline !== "number") throw new Error("no turn deadline");
  return deadline;
}

async function timers(matchId: string) {
  return runInDurableObject(stub(matchId), async (_instance: Match, state) => ({
    rows: state.storage.sql.exec<{ kind: string; at: number; seq: number }>("SELECT * FROM timers").toArray(),
    alarm: await state.storage.getAlarm(),
  }));
}

describe("turn timer", () => {
  it("arms the alarm at the turn deadline the clients are told", async () => {
    const { matchId, tokens } = await startedMatch("connect-four", { turnMs: 5_000 });
    const player = await Client.connect(matchId, tokens[0]);
    const snapshot = await player.next("snapshot");
    const deadline = snapshot.state.turn?.deadline;
    expect(deadline).toBeTypeOf("number");
    expect(deadline! - snapshot.state.serverTime).toBeLessThanOrEqual(5_000);
    expect(deadline! - snapshot.state.serverTime).toBeGreaterThan(4_000);
    await settle(matchId);
    const { rows, alarm } = await timers(matchId);
    // The turn is derived from the match, not a row; the alarm is at it, before seat 1's grace
    // period (seat 0 is connected).
    expect(rows.map((row) => row.kind).sort()).toEqual(["grace:1"]);
    expect(alarm).toBe(deadline);
  });

  it("moves the alarm later when the players come back before their grace periods end", async () => {
    const { matchId, tokens } = await startedMatch("connect-four", { turnMs: 30_000, graceMs: 5_000 });
    // Nobody connected yet: once the lobby is told, the earliest timer is a grace period, five seconds away.
    await settle(matchId);
    const before = await timers(matchId);
    const graceAt = Math.min(...before.rows.filter((row) => row.kind.startsWith("grace:")).map((row) => row.at));
    expect(before.alarm).toBe(graceAt);
    const players = [await Client.connect(matchId, tokens[0]), await Client.connect(matchId, tokens[1])];
    const snapshot = await players[1]!.next("snapshot");
    await players[0]!.next("snapshot");
    // Both are back: no grace period is left, and the alarm waits for the turn's deadline
    // instead of waking the (perhaps hibernated) match for nothing in five seconds.
    const after = await timers(matchId);
    expect(after.rows.map((row) => row.kind)).toEqual([]);
    expect(after.alarm).toBe(snapshot.state.turn!.deadline);
  });

  it("ends a stalled match by timeout: the player to move forfeits and everyone is told", async () => {
    const { matchId, tokens } = await startedMatch("tic-tac-toe", { turnMs: 4_000 });
    const players = [await Client.connect(matchId, tokens[0]), await Client.connect(matchId, tokens[1])];
    const spectator = await Client.connect(matchId);
    const seq = (await players[0]!.next("snapshot")).state.seq;
    players[0]!.send({ type: "move", id: "only", seq, move: { cell: 4 } });
    await spectator.next("event", (frame) => frame.event.seq === seq + 1);

    // Seat 1 stalls. Before its deadline the alarm does nothing and re-arms itself.
    await settle(matchId);
    expect(await runDurableObjectAlarm(stub(matchId))).toBe(true);
    expect((await api<MatchSummary>(`/api/matches/${matchId}`)).body.status).toBe("playing");
    const waiting = await timers(matchId);
    const deadline = await turnDeadline(matchId);
    expect(deadline).toBeGreaterThan(Date.now());
    // Re-armed no later than the earliest timer still pending (the turn, or the lobby's next
    // refresh): an early alarm finds nothing due and re-arms; a late one would miss a deadline.
    expect(waiting.alarm).not.toBeNull();
    expect(waiting.alarm!).toBeLessThanOrEqual(Math.min(deadline, ...waiting.rows.map((row) => row.at)));

    await expireTurn(matchId);
    // The real alarm may have fired already; if not, this delivers it.
    await runDurableObjectAlarm(stub(matchId));
    for (const client of [...players, spectator]) {
      const end = await client.next("event", (frame) => frame.event.kind === "timeout");
      expect(end.event).toMatchObject({ kind: "timeout", seats: [1], seq: seq + 2 });
      expect(end.state).toMatchObject({
        status: "finished",
        turn: null,
        result: { kind: "win", winners: [0], reason: "timeout" },
      });
    }
    // Only the outbox is left (tell the lobby and the players); once delivered, nothing.
    // (The real alarm may have delivered them already: it fires on its own once the turn is due.)
    for (const row of (await timers(matchId)).rows) expect(["directory", "report"]).toContain(row.kind);
    await settle(matchId);
    expect(await timers(matchId)).toEqual({ rows: [], alarm: null });
    const summary = (await api<MatchSummary>(`/api/matches/${matchId}`)).body;
    expect(summary).toMatchObject({ status: "finished", seq: seq + 2, result: { reason: "timeout" } });
  });

  it("changes nothing when the same alarm is delivered a second time", async () => {
    const { matchId, tokens } = await startedMatch("connect-four", { turnMs: 1_000 });
    const spectator = await Client.connect(matchId);
    const seq = (await spectator.next("snapshot")).state.seq;
    await settle(matchId);
    // Let the turn's alarm fire once, then put back a turn row (as a database from before
    // migration 4 holds) and deliver the alarm twice more, as a duplicate delivery would.
    const deadline = await turnDeadline(matchId);
    expect((await timers(matchId)).alarm).toBe(deadline);
    const due = [{ kind: "turn", at: deadline, seq }];
    await expireTurn(matchId);
    await runDurableObjectAlarm(stub(matchId));
    await spectator.next("event", (frame) => frame.event.kind === "timeout");
    await settle(matchId);
    const afterFirst = await api<{ events: unknown[] }>(`/api/matches/${matchId}/events`);
    await runInDurableObject(stub(matchId), async (instance: Match, state) => {
      for (const timer of due)
        state.storage.sql.exec("INSERT INTO timers (kind, at, seq) VALUES (?, ?, ?)", timer.kind, timer.at, timer.seq);
      await instance.alarm();
      await instance.alarm();
    });
    const afterSecond = await api<{ events: unknown[] }>(`/api/matches/${matchId}/events`);
    expect(afterSecond.body.events).toEqual(afterFirst.body.events);
    expect(spectator.all("event").filter((frame) => frame.event.kind === "timeout")).toHaveLength(1);
    expect(await timers(matchId)).toEqual({ rows: [], alarm: null });
    // The match is over; its players' tokens still connect, to see the result.
    const late = await Client.connect(matchId, tokens[1]);
    expect((await late.next("snapshot")).state.result).toMatchObject({ reason: "timeout", winners: [1] });
  });

  it("does not fire a turn timer that a move has replaced", async () => {
    const { matchId, tokens } = await startedMatch("tic-tac-toe");
    const player = await Client.connect(matchId, tokens[0]);
    const seq = (await player.next("snapshot")).state.seq;
    player.send({ type: "move", id: "in-time", seq, move: { cell: 0 } });
    await player.next("event");
    // An old, due timer for the previous turn (as if left by a crash) must not end the match.
    await runInDurableObject(stub(matchId), async (instance: Match, state) => {
      for (const kind of ["stale-turn", "turn"])
        state.storage.sql.exec("INSERT INTO timers (kind, at, seq) VALUES (?, ?, ?)", kind, Date.now() - 1, seq);
      await instance.alarm();
    });
    const summary = (await api<MatchSummary>(`/api/matches/${matchId}`)).body;
    expect(summary).toMatchObject({ status: "playing", seq: seq + 1 });
    // Both old rows are gone, and the alarm waits for the new turn's deadline.
    const after = await timers(matchId);
    expect(after.rows.filter((row) => row.kind === "turn" || row.kind === "stale-turn")).toEqual([]);
    expect(after.alarm).toBeLessThanOrEqual(await turnDeadline(matchId));
  });
});
