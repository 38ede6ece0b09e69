/**
 * Battleship on the real Match: a whole match against the search bot with a spectator
 * watching, and the simultaneous placement between two people.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Match } from "../../server/match/match.ts";
import { MatchStore } from "../../server/match/store.ts";
import { type BattleshipState, type BattleshipView, FLEET } from "../../shared/games/battleship.ts";
import type { MatchView } from "../../shared/protocol.ts";
import { Client, createMatch, newPlayer, startedMatch } from "./helpers.ts";

const seas = (view: MatchView) => (view.view as BattleshipView).seas;

describe("Battleship on the server", () => {
  it("plays a whole match against the bot; a spectator sees shots, and fleets only at the end", async () => {
    const ada = await newPlayer("Ada");
    const match = await createMatch("battleship", ada, { bots: ["search"] });
    expect(match.status).toBe("playing");
    const me = await Client.connect(match.matchId, ada.token);
    const watcher = await Client.connect(match.matchId);
    let view = (await me.next("snapshot")).state;
    expect(seas(view)[0]!.fleet).toHaveLength(5);
    expect(seas(view)[1]!.fleet).toBeNull();

    me.send({ type: "move", id: "ready", seq: view.seq, move: { type: "ready" } });
    // Both seats placed (the bot readies on its own alarm, before or after Ada): seat 0 fires first.
    view = (await me.next("event", (frame) => (frame.state.view as BattleshipView).phase === "firing")).state;
    expect(view.turn?.seats).toEqual([0]);
    // Ada aims at the bot's ships, read from the match's own storage (a test's privilege), so the
    // match takes 17 shots a side rather than up to 100: the test stays short on a busy machine.
    const targets = await runInDurableObject(env.Match.getByName(match.matchId), (_instance: Match, state) => {
      const game = new MatchStore(state.storage).load()?.state.game as BattleshipState | undefined;
      return (game?.fleets[1] ?? []).flat();
    });
    expect(targets).toHaveLength(FLEET.reduce((sum, length) => sum + length, 0));
    let shots = 0;
    while (view.status === "playing") {
      const cell = targets[shots]!;
      me.send({ type: "move", id: `f${cell}`, seq: view.seq, move: { type: "fire", cell } });
      shots++;
      view = (await me.next("event", (frame) => frame.event.kind === "move" && frame.event.seat === 0)).state;
      if (view.status !== "playing") break;
      view = (await me.next("event", (frame) => frame.event.kind === "move" && frame.event.seat === 1)).state;
      // Ada never sees the bot's fleet while it plays.
      if (view.status === "playing") expect(seas(view)[1]!.fleet).toBeNull();
    }
    expect(view.result).toMatchObject({ kind: "win", reason: "fleet-sunk" });
    expect(me.all("error")).toEqual([]);
    expect(shots).toBe(targets.length);

    // The spectator saw every event; no frame before the end showed a fleet.
    await watcher.next("event", (frame) => frame.state.status === "finished");
    const frames = [...watcher.all("snapshot"), ...watcher.all("event")].map((frame) => frame.state);
    for (const state of frames.filter((state) => state.status === "playing"))
      expect(seas(state).map((sea) => sea.fleet)).toEqual([null, null]);
    const last = frames.at(-1)!;
    expect(seas(last).every((sea) => sea.fleet?.length === 5)).toBe(true);
    expect(seas(last)[1]!.shots.length).toBe(shots);
  }, 60_000);

  it("shows a spectator both fleets when Ada resigns after placing", async () => {
    const ada = await newPlayer("Ada");
    const match = await createMatch("battleship", ada, { bots: ["search"] });
    const me = await Client.connect(match.matchId, ada.token);
    const watcher = await Client.connect(match.matchId);
    const view = (await me.next("snapshot")).state;
    me.send({ type: "move", id: "ready", seq: view.seq, move: { type: "ready" } });
    await me.next("event", (frame) => frame.event.kind === "move" && frame.event.seat === 0);
    me.send({ type: "resign" });
    const end = await watcher.next("event", (frame) => frame.event.kind === "resign");
    expect(end.state.result).toMatchObject({ kind: "win", winners: [1], reason: "resign" });
    expect(seas(end.state).map((sea) => sea.fleet?.length)).toEqual([5, 5]);
    expect((end.state.view as BattleshipView).phase).toBe("over");
    // Every frame before the end hid both fleets from the spectator.
    const frames = [...watcher.all("snapshot"), ...watcher.all("event")].map((frame) => frame.state);
    for (const state of frames.filter((state) => state.status === "playing"))
      expect(seas(state).map((sea) => sea.fleet)).toEqual([null, null]);
    // Ada sees the bot's fleet too once the match is over.
    const mine = await me.next("event", (frame) => frame.event.kind === "resign");
    expect(seas(mine.state).map((sea) => sea.fleet?.length)).toEqual([5, 5]);
    expect(me.all("error")).toEqual([]);
  });

  it("readies both placing seats on the alarm when a per-move clock runs out for both at once", async () => {
    const { matchId, tokens } = await startedMatch("battleship", { turnMs: 1_000 });
    const players = await Promise.all(tokens.map((token) => Client.connect(matchId, token)));
    const start = (await players[0]!.next("snapshot")).state;
    expect(start.turn?.seats).toEqual([0, 1]);
    // Both clocks ran from the start: one alarm readies seat 0, and seat 1, whose time is
    // already spent (another seat's timeout gives it none back), follows at once.
    const first = await players[0]!.next("event", (frame) => frame.event.kind === "timeout");
    const second = await players[0]!.next("event", (frame) => frame.event.kind === "timeout");
    expect([first.event, second.event]).toMatchObject([
      { kind: "timeout", seats: [0], move: { type: "ready" } },
      { kind: "timeout", seats: [1], move: { type: "ready" } },
    ]);
    expect((second.state.view as BattleshipView).phase).toBe("firing");
    expect(second.state.turn?.seats).toEqual([0]);
    // Seat 0 fires with a fresh second; seat 1 spent all of its own.
    expect(second.state.clock?.remaining).toEqual([1_000, 0]);
  });

  it("takes both players' placements made against the same seq: neither is stale", async () => {
    const { matchId, tokens } = await startedMatch("battleship");
    const players = await Promise.all(tokens.map((token) => Client.connect(matchId, token)));
    const seq = (await players[0]!.next("snapshot")).state.seq;
    expect((await players[1]!.next("snapshot")).state.turn?.seats).toEqual([0, 1]);
    const fromSeat = (seat: number) => (frame: { event: { kind: string; seat?: number } }) =>
      frame.event.kind === "move" && frame.event.seat === seat;
    players[0]!.send({ type: "move", id: "shuffle", seq, move: { type: "shuffle" } });
    const shuffled = await players[1]!.next("event", fromSeat(0));
    // Seat 1 decided before it heard of seat 0's shuffle: another seat's move does not make it stale.
    players[1]!.send({ type: "move", id: "ready", seq, move: { type: "ready" } });
    expect((await players[1]!.next("event", fromSeat(1))).event.seq).toBe(shuffled.event.seq + 1);
    // Seat 0's own shuffle came after the seq it names: that is stale, as ever.
    players[0]!.send({ type: "move", id: "ready", seq, move: { type: "ready" } });
    expect(await players[0]!.next("error")).toMatchObject({ code: "stale", id: "ready" });
    players[0]!.send({ type: "move", id: "ready-2", seq: shuffled.event.seq, move: { type: "ready" } });
    const firing = await players[1]!.next("event", fromSeat(0));
    expect((firing.state.view as BattleshipView).phase).toBe("firing");
    expect(players[1]!.all("error")).toEqual([]);
  });
});
