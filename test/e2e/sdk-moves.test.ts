/**
 * The client SDK end to end: moves the shared rules refuse before they reach the server,
 * optimistic moves and their rollback, and a watcher who holds no seat. No sleeps: every wait is
 * for an event or a condition, bounded by a timeout.
 */
import { describe, expect, it } from "vitest";
import { legalMoves } from "../../client/bot.ts";
import type { MoveRefusal } from "../../client/sdk.ts";
import { Network } from "./sdk-network.ts";
import {
  board,
  connect,
  play,
  players,
  serverLog,
  serverView,
  table,
  timeless,
  until,
  untilReady,
  useDevServer,
} from "./sdk-harness.ts";

useDevServer();

describe("the client SDK against a real wrangler dev", () => {
  it("refuses what the shared rules refuse before it reaches the server", async () => {
    const { matchId, tokens } = await table("connect-four");
    const networks = [new Network(), new Network()];
    const [a, b] = [connect(matchId, tokens[0], networks[0]), connect(matchId, tokens[1], networks[1])] as const;
    await untilReady([a, b]);
    // Fill column 0 (no four: the discs alternate); seat 0 is to move again.
    for (let ply = 0; ply < 6; ply++) await play(ply % 2 === 0 ? a : b, { column: 0 });
    await until([a, b], () => a.myTurn && b.confirmed?.seq === a.confirmed?.seq, "seat 0's turn");
    const before = await serverLog(matchId);
    const written = networks.map((network) => network.sent.length);
    const refusals: MoveRefusal[] = [];
    const errors: unknown[] = [];
    for (const client of [a, b]) {
      client.on("refused", (refusal) => refusals.push(refusal));
      client.on("error", (error) => errors.push(error));
    }

    expect(a.move({ column: 0 })).toEqual({
      ok: false,
      error: { id: null, move: { column: 0 }, code: "illegal", reason: "column-full", message: "column 0 is full" },
    });
    expect(b.move({ column: 3 })).toMatchObject({ ok: false, error: { id: null, code: "not-your-turn" } });
    const shapes: unknown[] = [
      { column: 7 },
      { column: -1 },
      { column: 2.5 },
      { column: "3" },
      { col: 3 },
      { column: 3, extra: 1 },
      3,
      null,
      undefined,
    ];
    for (const shape of shapes)
      expect(a.move(shape)).toMatchObject({ ok: false, error: { id: null, code: "bad-move" } });
    expect(refusals.map((refusal) => refusal.code)).toEqual([
      "illegal",
      "not-your-turn",
      ...shapes.map(() => "bad-move"),
    ]);

    // Nothing was written, nothing is pending, and the views did not move.
    expect(networks.map((network) => network.sent.length)).toEqual(written);
    expect(a.pending).toEqual([]);
    expect(a.view).toBe(a.confirmed);
    // A legal move after them is the only thing the server's log gains.
    const id = await play(a, { column: 3 });
    const after = await serverLog(matchId);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length)).toMatchObject([{ kind: "move", seat: 0, move: { column: 3 }, id }]);
    expect(networks[0]!.moves().map(({ frame }) => frame.move)).toEqual([
      { column: 0 },
      { column: 0 },
      { column: 0 },
      { column: 3 },
    ]);
    expect(errors).toEqual([]);
  });

  it("shows a move at once, and rolls back one the server refuses", async () => {
    const { matchId, tokens } = await table("connect-four");
    // Two clients on seat 0 (two tabs of the same player), one on seat 1.
    const [a, twin, b] = [
      connect(matchId, tokens[0]),
      connect(matchId, tokens[0]),
      connect(matchId, tokens[1]),
    ] as const;
    await untilReady([a, twin, b]);
    expect([a.seat, twin.seat, b.seat]).toEqual([0, 0, 1]);

    const confirmed = a.confirmed!;
    const sent = a.move({ column: 3 });
    expect(sent.ok).toBe(true);
    // Before the server has answered: shown, not confirmed.
    expect(a.confirmed).toBe(confirmed);
    expect(a.pending).toMatchObject([{ move: { column: 3 }, seq: confirmed.seq }]);
    expect(board(a.view)[3]).toEqual([0]);
    expect(board(a.confirmed)[3]).toEqual([]);
    expect(a.view).toMatchObject({ moves: confirmed.moves + 1, seq: confirmed.seq, turn: { seats: [1] } });
    expect(a.myTurn).toBe(false);
    await until(a, () => a.pending.length === 0, "the server's answer");
    expect(board(a.confirmed)[3]).toEqual([0]);
    expect(a.log.at(-1)).toMatchObject({ kind: "move", seat: 0, id: sent.ok ? sent.id : "" });

    await play(b, { column: 3 });
    await until([a, twin], () => a.myTurn && twin.myTurn, "seat 0's turn on both tabs");
    // Both tabs of seat 0 move at once: the server takes the first and refuses the other.
    const refusals: MoveRefusal[] = [];
    for (const client of [a, twin]) client.on("refused", (refusal) => refusals.push(refusal));
    const moves = [a.move({ column: 0 }), twin.move({ column: 6 })];
    if (!moves[0]!.ok || !moves[1]!.ok) throw new Error("a racing move was refused locally");
    expect(board(a.view)[0]).toEqual([0]);
    expect(board(twin.view)[6]).toEqual([0]);
    await until([a, twin], () => a.pending.length + twin.pending.length === 0, "both answers");
    await until([a, twin], () => a.confirmed!.seq === twin.confirmed!.seq, "both tabs at the same seq");

    const log = await serverLog(matchId);
    const ids = moves.map((move) => (move.ok ? move.id : ""));
    const won = ids.findIndex((id) => log.some((event) => event.kind === "move" && event.id === id));
    expect(won).toBeGreaterThanOrEqual(0);
    const lost = 1 - won;
    expect(log.filter((event) => event.kind === "move" && ids.includes(event.id))).toHaveLength(1);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ id: ids[lost] });
    expect(["not-your-turn", "stale"]).toContain(refusals[0]!.code);
    // The loser shows what the server has: the winner's disc, not its own.
    const loser = [a, twin][lost]!;
    const winnerColumn = won === 0 ? 0 : 6;
    const loserColumn = won === 0 ? 6 : 0;
    expect(loser.view).toBe(loser.confirmed);
    expect(board(loser.view)[winnerColumn]).toEqual([0]);
    expect(board(loser.view)[loserColumn]).toEqual([]);
    expect(timeless(loser.view)).toEqual(timeless(await serverView(matchId)));
    expect(loser.log).toEqual(log);
  });

  it("watches with the token of a player who holds no seat", async () => {
    const { matchId, tokens } = await table("tic-tac-toe");
    const carol = players[2]!;
    const network = new Network();
    const [a, watcher] = [connect(matchId, tokens[0]), connect(matchId, carol.token, network)] as const;
    // Before the server's welcome nobody knows the seat yet.
    expect(a.move({ cell: 4 })).toMatchObject({ ok: false, error: { code: "not-connected" } });
    await untilReady([a, watcher]);
    expect(watcher.role).toBe("spectator");
    expect(watcher.seat).toBeNull();
    expect(watcher.myTurn).toBe(false);
    expect(legalMoves(watcher.game!, watcher.view!, 0)).toHaveLength(9);
    const refusals: MoveRefusal[] = [];
    watcher.on("refused", (refusal) => refusals.push(refusal));
    expect(watcher.move({ cell: 4 })).toMatchObject({ ok: false, error: { id: null, code: "spectator" } });
    expect(refusals).toMatchObject([{ code: "spectator" }]);
    expect(network.moves()).toEqual([]);
    expect(watcher.presence?.spectators).toBeGreaterThanOrEqual(1);
    // It still follows the match.
    await play(a, { cell: 4 });
    await until(watcher, () => watcher.log.length === a.log.length, "the watcher to see the move");
    expect(timeless(watcher.view)).toEqual(timeless(a.view));
  });
});
