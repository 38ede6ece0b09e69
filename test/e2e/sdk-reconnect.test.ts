/**
 * The client SDK end to end over a network the test controls: catching up after a disconnection,
 * lost frames, resync from a snapshot, moves queued offline, resent after a lost frame, and a lost
 * reply. No sleeps: every wait is for an event or a condition, bounded by a timeout.
 */
import { describe, expect, it } from "vitest";
import { Network } from "./sdk-network.ts";
import {
  board,
  connect,
  restartDevServer,
  play,
  range,
  ready,
  server,
  serverLog,
  serverView,
  table,
  timeless,
  until,
  untilReady,
  useDevServer,
  within,
} from "./sdk-harness.ts";

useDevServer();

describe("the client SDK against a real wrangler dev", () => {
  it("catches up on exactly the events it missed while disconnected", async () => {
    const { matchId, tokens } = await table("connect-four");
    const [netA, netS] = [new Network(), new Network()];
    const [a, b, spectator] = [
      connect(matchId, tokens[0], netA),
      connect(matchId, tokens[1]),
      connect(matchId, null, netS),
    ] as const;
    const emitted = new Map([a, spectator].map((client) => [client, [] as number[]]));
    for (const [client, seen] of emitted) client.on("event", (event) => seen.push(event.seq));
    // The seq each client shows when it says it is open again.
    const openedAt = new Map([a, spectator].map((client) => [client, [] as number[]]));
    for (const [client, seqs] of openedAt)
      client.on("connection", (status) => status === "open" && seqs.push(client.confirmed!.seq));
    await untilReady([a, b, spectator]);

    // The spectator drops off while three moves are played; then seat 0 while seat 1 moves.
    netS.cut();
    await until(spectator, () => spectator.status === "connecting", "the spectator to notice");
    const spectatorHad = spectator.log.length;
    await play(a, { column: 2 });
    await play(b, { column: 3 });
    await play(a, { column: 2 });
    netA.cut();
    await until(a, () => a.status === "connecting", "seat 0 to notice");
    const aHad = a.log.length;
    const missed = await play(b, { column: 4 });
    expect(a.log.some((event) => event.kind === "move" && event.id === missed)).toBe(false);

    netA.restore();
    netS.restore();
    await within(untilReady([a, spectator]), 30_000, "both to reconnect");
    const log = await serverLog(matchId);
    for (const [client, had] of [
      [a, aHad],
      [spectator, spectatorHad],
    ] as const) {
      expect(client.log).toEqual(log);
      // Each event was told once, in order; after the reconnect, exactly the missed ones.
      expect(emitted.get(client)).toEqual(range(1, log.length));
      expect(emitted.get(client)!.slice(had)).toEqual(range(had + 1, log.length));
      expect(timeless(client.view)).toEqual(timeless(await serverView(matchId)));
    }
    // "open" comes with the current state, not the one from before the drop.
    expect(openedAt.get(a)!.at(-1)).toBe(log.length);
    expect(openedAt.get(spectator)!.at(-1)).toBe(log.length);
    expect(aHad).toBe(log.length - 1);
    expect(spectatorHad).toBe(log.length - 4);
    expect(netA.sockets).toBeGreaterThanOrEqual(2);
    // And the reconnected client plays on.
    expect(a.myTurn).toBe(true);
    await play(a, { column: 4 });
    await until(b, () => b.myTurn, "seat 1's turn");
  });

  it("asks for the events it is missing when a frame is lost on the way", async () => {
    const { matchId, tokens } = await table("tic-tac-toe");
    const netS = new Network();
    const [a, b, spectator] = [
      connect(matchId, tokens[0]),
      connect(matchId, tokens[1]),
      connect(matchId, null, netS),
    ] as const;
    await untilReady([a, b, spectator]);
    const lost = spectator.confirmed!.seq + 2;
    netS.lose = (frame) => frame.type === "event" && frame.event.seq === lost;
    for (const [client, cell] of [
      [a, 4],
      [b, 0],
      [a, 8],
      [b, 2],
    ] as const)
      await play(client, { cell });
    await until(
      spectator,
      () => ready(spectator) && spectator.confirmed!.seq === lost + 2,
      "the spectator to fill the gap",
    );
    expect(spectator.log).toEqual(await serverLog(matchId));
    // One resync to fill the log on connecting, one for the gap.
    expect(netS.sent.filter(({ frame }) => frame.type === "resync").map(({ frame }) => frame.seq)).toEqual([
      0,
      lost - 1,
    ]);
  });

  it("fills a long gap from the HTTP log when the server answers a resync with a snapshot", async () => {
    const { matchId, tokens } = await table("tic-tac-toe");
    const [a, b] = [connect(matchId, tokens[0]), connect(matchId, tokens[1])] as const;
    await untilReady([a, b]);
    for (const [client, cell] of [
      [a, 4],
      [b, 0],
      [a, 8],
    ] as const)
      await play(client, { cell });
    // What the server does for a client more than LIMITS.resyncEvents behind: a snapshot instead of the events.
    const network = new Network();
    let presence: unknown = null;
    network.rewrite = (frame) => {
      if (frame.type === "snapshot") presence = frame.presence;
      return frame.type === "sync" && frame.from === 0 ? { type: "snapshot", state: frame.state, presence } : frame;
    };
    const late = connect(matchId, null, network);
    await until(late, () => ready(late), "the late spectator's log", 10_000);
    expect(late.log).toEqual(await serverLog(matchId));
    expect(network.sent.filter(({ frame }) => frame.type === "resync").length).toBeLessThanOrEqual(1);
    // And it follows on from there over the socket.
    await play(b, { cell: 2 });
    await until(late, () => ready(late) && late.log.length === b.log.length, "the next event");
    expect(late.log).toEqual(await serverLog(matchId));
  });

  it("queues a move made offline and sends it once, with its id, after reconnecting", async () => {
    const { matchId, tokens } = await table("connect-four");
    const netA = new Network();
    const [a, b] = [connect(matchId, tokens[0], netA), connect(matchId, tokens[1])] as const;
    await untilReady([a, b]);
    await play(a, { column: 0 });
    await play(b, { column: 1 });
    await until(a, () => a.myTurn, "seat 0's turn");

    // The whole server goes away; a move made meanwhile waits in the queue.
    await server.stop();
    await until([a, b], () => a.status !== "open" && b.status !== "open", "both clients to notice");
    const socketsBefore = netA.sockets;
    const queued = a.move({ column: 2 });
    if (!queued.ok) throw new Error(`refused offline: ${JSON.stringify(queued.error)}`);
    expect(a.pending).toMatchObject([{ id: queued.id, move: { column: 2 } }]);
    expect(board(a.view)[2]).toEqual([0]);
    expect(netA.moves(queued.id)).toEqual([]);

    await restartDevServer();
    await within(
      until(a, () => a.pending.length === 0 && ready(a), "the queued move to be applied", 60_000),
      60_000,
      "the queued move",
    );
    const log = await serverLog(matchId);
    expect(log.filter((event) => event.kind === "move" && event.id === queued.id)).toMatchObject([
      { seat: 0, move: { column: 2 } },
    ]);
    expect(a.log).toEqual(log);
    const carried = netA.moves(queued.id);
    expect(carried).toHaveLength(1);
    expect(carried[0]!.socket).toBeGreaterThan(socketsBefore);
    expect(carried[0]!.frame).toMatchObject({ id: queued.id, seq: log.at(-1)!.seq - 1, move: { column: 2 } });
    await until(b, () => b.myTurn && b.log.length === log.length, "seat 1 to see it", 60_000);
  }, 150_000);

  it("resends a move the server never got, with its original id, after reconnecting", async () => {
    const { matchId, tokens } = await table("tic-tac-toe");
    const netA = new Network();
    const [a, b] = [connect(matchId, tokens[0], netA), connect(matchId, tokens[1])] as const;
    await untilReady([a, b]);
    netA.loseOutgoing = (frame) => frame.type === "move";
    const sent = a.move({ cell: 0 });
    if (!sent.ok) throw new Error("refused");
    expect(netA.moves(sent.id)).toHaveLength(1);
    netA.cut();
    netA.loseOutgoing = null;
    netA.restore();
    await within(
      until(a, () => ready(a) && a.pending.length === 0, "the resent move", 30_000),
      30_000,
      "the resent move",
    );
    const carried = netA.moves(sent.id);
    expect(carried.map(({ socket }) => socket)).toEqual([1, netA.sockets]);
    expect(carried[1]!.frame).toEqual(carried[0]!.frame);
    const log = await serverLog(matchId);
    expect(log.filter((event) => event.kind === "move" && event.id === sent.id)).toMatchObject([
      { seat: 0, move: { cell: 0 } },
    ]);
    expect(a.log).toEqual(log);
  });

  it("answers a lost reply without applying the move twice", async () => {
    const { matchId, tokens } = await table("tic-tac-toe");
    const netA = new Network();
    const [a, b] = [connect(matchId, tokens[0], netA), connect(matchId, tokens[1])] as const;
    await untilReady([a, b]);
    // The move leaves, then the network drops before any answer can come back.
    netA.lose = (frame) => frame.type !== "welcome" && frame.type !== "snapshot" && frame.type !== "sync";
    const sent = a.move({ cell: 4 });
    if (!sent.ok) throw new Error("refused");
    await until(
      b,
      () => b.log.some((event) => event.kind === "move" && event.id === sent.id),
      "the server to apply it",
    );
    netA.cut();
    netA.lose = null;
    netA.restore();
    await within(
      until(a, () => ready(a) && a.pending.length === 0, "seat 0 to reconnect and settle", 30_000),
      30_000,
      "settle",
    );
    const log = await serverLog(matchId);
    expect(log.filter((event) => event.kind === "move" && event.id === sent.id)).toHaveLength(1);
    // The log it caught up on told it the move was in: it was not sent again.
    expect(netA.moves(sent.id)).toHaveLength(1);
    expect(a.log).toEqual(log);
    expect(timeless(a.view)).toEqual(timeless(await serverView(matchId)));
    expect(a.myTurn).toBe(false);
  });
});
