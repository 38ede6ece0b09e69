import { env } from "cloudflare:workers";
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EventsPage, MatchSummary } from "../../shared/protocol.ts";
import { api, Client, startedMatch } from "./helpers.ts";

const COLUMNS = [3, 3, 4, 4, 2, 5];

describe("spectator delay", () => {
  it("keeps spectators exactly N moves behind (sockets, summary and public log), players unaffected, and catches up at the end", async () => {
    const { matchId, tokens } = await startedMatch("connect-four", { spectatorDelay: { moves: 2 } });
    const players = [await Client.connect(matchId, tokens[0]), await Client.connect(matchId, tokens[1])] as const;
    const spectator = await Client.connect(matchId);
    let seq = (await players[0].next("snapshot")).state.seq;
    const start = (await spectator.next("snapshot")).state;
    expect(start).toMatchObject({ seq, moves: 0, status: "playing" });

    for (const [index, column] of COLUMNS.entries()) {
      const moves = index + 1;
      const mover = players[index % 2]!;
      mover.send({ type: "move", id: `m${moves}`, seq, move: { column } });
      // Players see every move at once.
      for (const player of players) {
        const frame = await player.next("event", (event) => event.event.kind === "move" && event.state.moves === moves);
        seq = frame.state.seq;
      }
      const behind = Math.max(0, moves - 2);
      if (behind > 0) {
        const shown = await spectator.next("event");
        expect(shown.event).toMatchObject({ kind: "move", id: `m${behind}` });
        expect(shown.state.moves).toBe(behind);
      }
      // What anyone can read over HTTP is just as far behind.
      const summary = (await api<MatchSummary>(`/api/matches/${matchId}`)).body;
      expect(summary.moves).toBe(behind);
      const log = (await api<EventsPage>(`/api/matches/${matchId}/events`)).body;
      expect(log.events.filter((event) => event.kind === "move")).toHaveLength(behind);
      expect(log.events.at(-1)!.seq).toBe(summary.seq);
      // A spectator arriving now starts from the same place, and a resync goes no further.
      const late = await Client.connect(matchId);
      expect((await late.next("snapshot")).state.moves).toBe(behind);
      late.send({ type: "resync", seq: 0 });
      const sync = await late.next("sync");
      expect(sync.events.at(-1)?.seq ?? 0).toBe(summary.seq);
      late.close();
    }
    // Nothing beyond the horizon ever reached the spectator.
    expect(spectator.all("event").map((frame) => frame.state.moves)).toEqual([1, 2, 3, 4]);

    players[0].send({ type: "resign" });
    const end = await players[1].next("event", (frame) => frame.event.kind === "resign");
    // At the end the spectator catches up: the last two moves, then the resignation.
    const caught = [await spectator.next("event"), await spectator.next("event"), await spectator.next("event")];
    expect(caught.map((frame) => frame.event.kind)).toEqual(["move", "move", "resign"]);
    expect(caught.at(-1)!.state.view).toEqual(end.state.view);
    expect(caught.at(-1)!.state).toMatchObject({ seq: end.state.seq, status: "finished", result: end.state.result });
    expect((await api<MatchSummary>(`/api/matches/${matchId}`)).body.seq).toBe(end.state.seq);
  });

  it("still sends what came within view while the object was evicted, and shows the clocks standing", async () => {
    const { matchId, tokens } = await startedMatch("connect-four", {
      spectatorDelay: { moves: 1 },
      timeControl: { kind: "fischer", baseMs: 60_000, incrementMs: 0 },
    });
    const players = [await Client.connect(matchId, tokens[0]), await Client.connect(matchId, tokens[1])] as const;
    const spectator = await Client.connect(matchId);
    let seq = (await players[0].next("snapshot")).state.seq;
    await spectator.next("snapshot");
    for (const [index, column] of [3, 4].entries()) {
      players[index]!.send({ type: "move", id: `m${index + 1}`, seq, move: { column } });
      seq = (await players[index]!.next("event", (frame) => frame.event.kind === "move" && frame.event.seat === index))
        .state.seq;
    }
    const first = await spectator.next("event");
    expect(first.event).toMatchObject({ kind: "move", id: "m1" });
    // A spectator some moves behind sees the clocks as they stood, not ticking against now.
    expect(first.state.clock?.running).toEqual([]);
    expect(first.state.turn?.deadline).toBeNull();

    await evictDurableObject(env.Match.getByName(matchId));
    players[0].send({ type: "move", id: "m3", seq, move: { column: 3 } });
    const second = await spectator.next("event");
    expect(second.event).toMatchObject({ kind: "move", id: "m2" });
    expect(second.state.moves).toBe(2);
  });

  it("shows spectators each event only once its delay in seconds has passed", async () => {
    const { matchId, tokens } = await startedMatch("tic-tac-toe", { spectatorDelay: { seconds: 1 } });
    const player = await Client.connect(matchId, tokens[0]);
    const spectator = await Client.connect(matchId);
    const seq = (await player.next("snapshot")).state.seq;
    // Who plays is no secret: the match has started for spectators too, only its moves wait.
    expect((await spectator.next("snapshot")).state).toMatchObject({ status: "playing", seq });
    player.send({ type: "move", id: "a", seq, move: { cell: 4 } });
    const played = await player.next("event", (frame) => frame.event.kind === "move");
    expect((await api<MatchSummary>(`/api/matches/${matchId}`)).body.moves).toBe(0);
    const shown = await spectator.next("event");
    // The match's alarm let it through no sooner than a second after it happened (by the
    // server's clock, which stamped both; the test's own clock only moves on I/O in workerd).
    expect(shown.state.serverTime).toBeGreaterThanOrEqual(played.event.at + 1_000);
    expect(shown.event).toEqual(played.event);
    expect(shown.state.moves).toBe(1);
    // Their clocks run exactly that far behind: the turn (and its deadline) as it was, a second later.
    expect(shown.state.turn!.deadline).toBe(played.state.turn!.deadline! + 1_000);
    expect(shown.state.clock!.since).toBe(played.state.clock!.since + 1_000);
    expect((await api<MatchSummary>(`/api/matches/${matchId}`)).body.moves).toBe(1);
  });
});
