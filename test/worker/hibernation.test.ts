import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Match } from "../../server/match/match.ts";
import { MATCH_MIGRATIONS } from "../../server/match/store.ts";
import { Client, startedMatch } from "./helpers.ts";

async function play(client: Client, id: string, seq: number, move: unknown): Promise<number> {
  client.send({ type: "move", id, seq, move });
  const accepted = await client.next("event", (frame) => frame.event.kind === "move" && frame.event.id === id);
  return accepted.event.seq;
}

describe("eviction and hibernation", () => {
  it("continues from the same state on the same sockets after the object is evicted", async () => {
    const { matchId, tokens } = await startedMatch("connect-four");
    const stub = env.Match.getByName(matchId);
    const players = [await Client.connect(matchId, tokens[0]), await Client.connect(matchId, tokens[1])] as const;
    const spectator = await Client.connect(matchId);
    let seq = (await players[0].next("snapshot")).state.seq;
    seq = await play(players[0], "a", seq, { column: 3 });
    seq = await play(players[1], "b", seq, { column: 3 });
    const before = (await spectator.next("event", (frame) => frame.event.seq === seq)).state;

    const instanceBefore = await runInDurableObject(stub, (instance: Match) => instance);
    await evictDurableObject(stub);

    // The sockets hibernated rather than closed; the next move wakes a new instance.
    seq = await play(players[0], "c", seq, { column: 3 });
    const after = (await spectator.next("event", (frame) => frame.event.seq === seq)).state;
    expect(after.seq).toBe(before.seq + 1);
    expect(after.moves).toBe(before.moves + 1);
    expect(after.view).toMatchObject({ columns: [[], [], [], [0, 1, 0], [], [], []] });
    expect(await runInDurableObject(stub, (instance: Match) => instance === instanceBefore)).toBe(false);

    // Roles survived in the sockets' attachments: the spectator still cannot move.
    spectator.send({ type: "move", id: "x", seq, move: { column: 0 } });
    expect((await spectator.next("error")).code).toBe("spectator");
    // An old move id is still remembered after the wake.
    players[0].send({ type: "move", id: "a", seq, move: { column: 3 } });
    expect((await players[0].next("ack")).seq).toBe(4);
  });

  it("rebuilds the match after eviction from the last snapshot and the log after it, as it stood", async () => {
    const { matchId, tokens } = await startedMatch("connect-four");
    const stub = env.Match.getByName(matchId);
    const players = [await Client.connect(matchId, tokens[0]), await Client.connect(matchId, tokens[1])] as const;
    const spectator = await Client.connect(matchId);
    let seq = (await players[0].next("snapshot")).state.seq;
    // 14 moves that win nothing: seq passes a multiple of the snapshot interval (16) and the
    // last events after it exist only in the log.
    const columns = [0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6];
    for (const [index, column] of columns.entries())
      seq = await play(players[(index % 2) as 0 | 1], `m${index}`, seq, { column });
    const before = (await spectator.next("event", (frame) => frame.event.seq === seq)).state;
    await evictDurableObject(stub);

    const viewer = await Client.connect(matchId);
    const after = (await viewer.next("snapshot")).state;
    expect({ ...after, serverTime: 0 }).toEqual({ ...before, serverTime: 0 });
    // And play goes on from there.
    seq = await play(players[0], "next", seq, { column: 0 });
    expect((await viewer.next("event", (frame) => frame.event.seq === seq)).state.moves).toBe(before.moves + 1);
  });

  it("gives a reconnecting client exactly the events it missed", async () => {
    const { matchId, tokens } = await startedMatch("tic-tac-toe");
    const stub = env.Match.getByName(matchId);
    const players = [await Client.connect(matchId, tokens[0]), await Client.connect(matchId, tokens[1])] as const;
    let seq = (await players[1].next("snapshot")).state.seq;
    seq = await play(players[0], "a", seq, { cell: 0 });
    await players[1].next("event", (frame) => frame.event.seq === seq);
    const lastSeen = seq;
    players[1].close();

    // While seat 1's first socket is gone, the game goes on through another socket of seat 1.
    const other = await Client.connect(matchId, tokens[1]);
    seq = (await other.next("snapshot")).state.seq;
    seq = await play(other, "b", seq, { cell: 4 });
    seq = await play(players[0], "c", seq, { cell: 1 });
    other.close();
    await evictDurableObject(stub);

    const back = await Client.connect(matchId, tokens[1]);
    await back.next("snapshot");
    back.send({ type: "resync", seq: lastSeen });
    const sync = await back.next("sync");
    expect(sync.from).toBe(lastSeen);
    expect(sync.events.map((event) => event.seq)).toEqual([lastSeen + 1, lastSeen + 2]);
    expect(sync.events.map((event) => event.kind === "move" && event.id)).toEqual(["b", "c"]);
    expect(sync.state.seq).toBe(seq);

    // Up to date: an empty sync. Ahead of the server (another match's seq): a fresh snapshot.
    back.send({ type: "resync", seq });
    expect((await back.next("sync")).events).toEqual([]);
    back.send({ type: "resync", seq: seq + 50 });
    expect((await back.next("snapshot")).state.seq).toBe(seq);
  });

  it("migrates a database written before migration 4: index and turn row gone, retries still answered", async () => {
    const { matchId, tokens } = await startedMatch("connect-four", { turnMs: 60_000 });
    const stub = env.Match.getByName(matchId);
    const players = [await Client.connect(matchId, tokens[0]), await Client.connect(matchId, tokens[1])] as const;
    let seq = (await players[0].next("snapshot")).state.seq;
    seq = await play(players[0], "a", seq, { column: 3 });
    seq = await play(players[1], "b", seq, { column: 4 });
    const seqOfB = seq;
    // Put the storage back as schema 3 left it: the (seat, client_id) index and a turn timer row,
    // and none of the later migrations' tables and columns (5: tournament_id; 6: base, games).
    const deadline = Date.now() + 60_000;
    await runInDurableObject(stub, (_instance: Match, state) => {
      state.storage.sql.exec(
        "CREATE UNIQUE INDEX events_client_id ON events (seat, client_id) WHERE client_id IS NOT NULL",
      );
      state.storage.sql.exec("INSERT INTO timers (kind, at, seq) VALUES ('turn', ?, ?)", deadline, seq);
      state.storage.sql.exec("ALTER TABLE match DROP COLUMN tournament_id");
      state.storage.sql.exec("ALTER TABLE match DROP COLUMN base");
      state.storage.sql.exec("DROP TABLE games");
      state.storage.sql.exec("UPDATE schema_version SET version = 3");
    });
    await evictDurableObject(stub);

    // The next frame wakes the object, which migrates before it reads the match.
    players[0].send({ type: "move", id: "a", seq, move: { column: 0 } });
    expect((await players[0].next("ack")).seq).toBe(seq - 1);
    seq = await play(players[0], "c", seq, { column: 3 });
    const stored = await runInDurableObject(stub, (_instance: Match, state) => ({
      version: state.storage.sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version,
      indexes: state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'")
        .toArray(),
      turn: state.storage.sql.exec("SELECT 1 FROM timers WHERE kind = 'turn'").toArray().length,
    }));
    expect(stored).toEqual({ version: MATCH_MIGRATIONS.length, indexes: [], turn: 0 });
    // Still answered after the migration, and never applied twice.
    players[1].send({ type: "move", id: "b", seq, move: { column: 0 } });
    expect((await players[1].next("ack")).seq).toBe(seqOfB);
  });
});
