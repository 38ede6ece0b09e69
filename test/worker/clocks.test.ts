import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Match } from "../../server/match/match.ts";
import type { MatchSummary } from "../../shared/protocol.ts";
import { api, as, Client, newPlayer, table } from "./helpers.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("time controls", () => {
  it("flags the player whose Fischer clock runs out, by the alarm, and the other seat wins", async () => {
    const { matchId, spectator, snapshot } = await table("connect-four", {
      timeControl: { kind: "fischer", baseMs: 1_000, incrementMs: 0 },
    });
    expect(snapshot.clock).toMatchObject({ control: { kind: "fischer" }, remaining: [1_000, 1_000], running: [0] });
    expect(snapshot.turn?.deadline).toBe(snapshot.clock!.since + 1_000);
    // Nobody moves: the match's own alarm flags seat 0 at its zero.
    const flag = await spectator.next("event", (frame) => frame.event.kind === "timeout");
    expect(flag.event).toMatchObject({ kind: "timeout", seats: [0] });
    expect(flag.event.at).toBeGreaterThanOrEqual(snapshot.clock!.since + 1_000);
    expect(flag.state).toMatchObject({ status: "finished", result: { kind: "win", winners: [1], reason: "timeout" } });
    expect(flag.state.clock).toMatchObject({ remaining: [0, 1_000], running: [] });
    expect((await api<MatchSummary>(`/api/matches/${matchId}`)).body.result).toMatchObject({ reason: "timeout" });
  });

  it("charges each move from the server's clock, adds the increment, and keeps time across an eviction", async () => {
    const control = { kind: "fischer", baseMs: 60_000, incrementMs: 2_000 } as const;
    const { matchId, players, spectator, snapshot } = await table("connect-four", { timeControl: control });
    const start = snapshot.clock!.since;
    await sleep(150);
    players[0].send({ type: "move", id: "a", seq: snapshot.seq, move: { column: 3 } });
    const first = await spectator.next("event", (frame) => frame.event.kind === "move");
    const thought0 = first.event.at - start;
    expect(thought0).toBeGreaterThanOrEqual(150);
    expect(first.state.clock).toEqual({
      control,
      remaining: [60_000 - thought0 + 2_000, 60_000],
      running: [1],
      since: first.event.at,
    });
    expect(first.state.turn?.deadline).toBe(first.event.at + 60_000);

    // The object goes away; the clock keeps running on the wall clock, and its alarm stays set.
    const stub = env.Match.getByName(matchId);
    await evictDurableObject(stub);
    await sleep(120);
    const alarm = await runInDurableObject(stub, (_instance: Match, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(first.event.at + 60_000);
    players[1].send({ type: "move", id: "b", seq: first.state.seq, move: { column: 3 } });
    const second = await spectator.next("event", (frame) => frame.event.kind === "move" && frame.event.seat === 1);
    const thought1 = second.event.at - first.event.at;
    expect(thought1).toBeGreaterThanOrEqual(120);
    expect(second.state.clock!.remaining).toEqual([60_000 - thought0 + 2_000, 60_000 - thought1 + 2_000]);
    // A newcomer after the wake sees the same clocks.
    const late = await Client.connect(matchId);
    expect((await late.next("snapshot")).state.clock).toEqual(second.state.clock);
  });

  it("flags a move that comes after the mover's time ran out, even before the alarm", async () => {
    const { matchId, players, spectator, snapshot } = await table("tic-tac-toe", {
      timeControl: { kind: "move", ms: 1_000 },
    });
    const stub = env.Match.getByName(matchId);
    // Take the alarm away (as a late delivery would), then move too late.
    await runInDurableObject(stub, (_instance: Match, state) => state.storage.deleteAlarm());
    await sleep(1_100);
    players[0].send({ type: "move", id: "late", seq: snapshot.seq, move: { cell: 4 } });
    expect(await players[0].next("error")).toMatchObject({ code: "game-over", id: "late" });
    const flag = await spectator.next("event");
    expect(flag.event).toMatchObject({ kind: "timeout", seats: [0] });
    expect(flag.state.moves).toBe(0);
  });

  it("keeps a correspondence clock in days, and a delay clock's free time", async () => {
    const days = await table("tic-tac-toe", { timeControl: { kind: "correspondence", days: 3 } });
    expect(days.snapshot.clock?.remaining).toEqual([3 * 86_400_000, 3 * 86_400_000]);
    expect(days.snapshot.turn?.deadline).toBe(days.snapshot.clock!.since + 3 * 86_400_000);
    const delay = await table("tic-tac-toe", { timeControl: { kind: "delay", baseMs: 10_000, delayMs: 5_000 } });
    expect(delay.snapshot.turn?.deadline).toBe(delay.snapshot.clock!.since + 15_000);
    const summary = (await api<MatchSummary>(`/api/matches/${delay.matchId}`)).body;
    expect(summary).toMatchObject({ timeControl: { kind: "delay", baseMs: 10_000, delayMs: 5_000 }, turnMs: 10_000 });
  });

  it.each([
    { name: "an unknown kind", body: { timeControl: { kind: "hourglass", ms: 5_000 } } },
    { name: "a negative increment", body: { timeControl: { kind: "fischer", baseMs: 60_000, incrementMs: -1 } } },
    { name: "a base under a second", body: { timeControl: { kind: "fischer", baseMs: 10, incrementMs: 0 } } },
    { name: "an extra field", body: { timeControl: { kind: "move", ms: 5_000, bonus: 1 } } },
    { name: "both turnMs and timeControl", body: { turnMs: 5_000, timeControl: { kind: "move", ms: 5_000 } } },
  ])("refuses a match with $name as bad-request", async ({ body }) => {
    const player = await newPlayer("Clara");
    const created = await api<{ error: { code: string } }>("/api/matches", {
      body: { game: "chess", ...body },
      headers: as(player),
    });
    expect(created.status).toBe(400);
    expect(created.body.error.code).toBe("bad-request");
  });
});

describe("draws by agreement", () => {
  it("offers, declines, offers again and agrees over the protocol; the clocks stop", async () => {
    const { players, spectator, snapshot } = await table("chess", {
      timeControl: { kind: "fischer", baseMs: 300_000, incrementMs: 2_000 },
    });
    players[0].send({ type: "draw", action: "offer" });
    const offered = await spectator.next("event", (frame) => frame.event.kind === "draw-offer");
    expect(offered.event).toMatchObject({ seat: 0, seq: snapshot.seq + 1 });
    expect(offered.state.drawOffers).toEqual([0]);
    players[1].send({ type: "draw", action: "decline" });
    expect((await spectator.next("event")).state.drawOffers).toEqual([]);
    // An offer stands through the offerer's own move; the opponent's move answers it.
    players[0].send({ type: "draw", action: "offer" });
    await spectator.next("event", (frame) => frame.event.kind === "draw-offer");
    players[0].send({ type: "move", id: "e4", seq: offered.state.seq + 2, move: "e2e4" });
    expect((await spectator.next("event", (frame) => frame.event.kind === "move")).state.drawOffers).toEqual([0]);
    players[1].send({ type: "draw", action: "accept" });
    const agreed = await spectator.next("event", (frame) => frame.event.kind === "draw-accept");
    expect(agreed.state).toMatchObject({
      status: "finished",
      result: { kind: "draw", reason: "agreement" },
      drawOffers: [],
    });
    expect(agreed.state.clock?.running).toEqual([]);
  });
});
