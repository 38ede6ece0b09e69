/** Races: simultaneous actions that only one may win. */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Match } from "../../server/match/match.ts";
import type { MatchSummary } from "../../shared/protocol.ts";
import { api, Client, startedMatch } from "./helpers.ts";

describe("races", () => {
  it("accepts exactly one of two moves sent for the same turn at once", async () => {
    const { matchId, tokens } = await startedMatch("connect-four");
    // Two tabs of seat 0, both looking at the same state.
    const tabs = [await Client.connect(matchId, tokens[0]), await Client.connect(matchId, tokens[0])];
    const seq = (await tabs[0]!.next("snapshot")).state.seq;
    await tabs[1]!.next("snapshot");
    tabs[0]!.send({ type: "move", id: "tab-a", seq, move: { column: 2 } });
    tabs[1]!.send({ type: "move", id: "tab-b", seq, move: { column: 4 } });
    // Both tabs hear of the winning move; a ping on each then proves any refusal has arrived.
    for (const [index, tab] of tabs.entries()) {
      await tab.next("event", (frame) => frame.event.kind === "move");
      tab.send({ type: "ping", t: index });
      await tab.next("pong");
    }
    // Whichever frame arrived second lost: after the winner, seat 0 may not act again.
    const summary = (await api<MatchSummary>(`/api/matches/${matchId}`)).body;
    expect(summary.moves).toBe(1);
    const errors = tabs.flatMap((tab) => tab.all("error"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "not-your-turn" });
    const loser = errors[0]!.id;
    const log = await api<{ events: { kind: string; id?: string }[] }>(`/api/matches/${matchId}/events`);
    expect(log.body.events.filter((event) => event.kind === "move").map((event) => event.id)).toEqual([
      loser === "tab-a" ? "tab-b" : "tab-a",
    ]);
  });

  it("starts the next game once when both players ask at once and the alarm is delivered twice", async () => {
    const { matchId, tokens } = await startedMatch("tic-tac-toe");
    const players = [await Client.connect(matchId, tokens[0]), await Client.connect(matchId, tokens[1])];
    await players[0]!.next("snapshot");
    players[1]!.send({ type: "resign" });
    await players[0]!.next("event", (frame) => frame.event.kind === "resign");
    players[0]!.send({ type: "rematch" });
    players[1]!.send({ type: "rematch" });
    const stub = env.Match.getByName(matchId);
    await Promise.all([
      runInDurableObject(stub, (instance: Match) => instance.onAlarm()),
      runInDurableObject(stub, (instance: Match) => instance.onAlarm()),
    ]);
    const next = `${matchId}.2`;
    for (const player of players) await player!.next("welcome", (frame) => frame.matchId === next);
    // One next game, announced once on each socket; never named in a rematch frame.
    for (const player of players) {
      expect(player!.all("welcome").map((frame) => frame.matchId)).toEqual([matchId, next]);
      expect(player!.all("rematch").filter((frame) => frame.matchId !== null)).toEqual([]);
    }
    expect((await api<MatchSummary>(`/api/matches/${next}`)).body).toMatchObject({ status: "playing", seq: 3 });
    expect((await api(`/api/matches/${matchId}.3`)).status).toBe(404);
  });
});
