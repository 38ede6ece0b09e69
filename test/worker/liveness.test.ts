import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Connection } from "partyserver";
import { SILENT_MS } from "../../server/liveness.ts";
import type { Match, Role } from "../../server/match/match.ts";
import { CLOSE_CODES, HEARTBEAT } from "../../shared/protocol.ts";
import { Client, startedMatch } from "./helpers.ts";

/** The match's liveness timer, if one is booked. */
async function livenessTimer(matchId: string): Promise<number | null> {
  return runInDurableObject(
    env.Match.getByName(matchId),
    (_instance: Match, state) =>
      state.storage.sql.exec<{ at: number }>("SELECT at FROM timers WHERE kind = 'liveness'").toArray()[0]?.at ?? null,
  );
}

describe("liveness", () => {
  it("answers any ping but the heartbeat in the match, and watches no socket that never beat", async () => {
    const { matchId, tokens } = await startedMatch("connect-four");
    const player = await Client.connect(matchId, tokens[0]);
    await player.next("snapshot");
    player.send({ type: "ping", t: 7 });
    const answered = await player.next("pong");
    expect(answered.t).toBe(7);
    expect(answered.serverTime).toBeTypeOf("number");
    expect(await livenessTimer(matchId)).toBeNull();
    // The heartbeat, byte for byte, is the runtime's to answer: as written, with no server time.
    player.send(HEARTBEAT.ping);
    expect(await player.next("pong")).toEqual({ type: "pong" });
  });

  it("starts watching a player socket that announces its heartbeat, looking again when it could turn silent", async () => {
    const { matchId, tokens } = await startedMatch("connect-four");
    const player = await Client.connect(matchId, tokens[0]);
    await player.next("snapshot");
    const before = Date.now();
    player.send({ type: "ping", t: 1, heartbeat: true });
    await player.next("pong");
    const at = await livenessTimer(matchId);
    expect(at).not.toBeNull();
    expect(at!).toBeGreaterThanOrEqual(before + SILENT_MS);
    expect(at!).toBeLessThanOrEqual(Date.now() + SILENT_MS);
  });

  it("watches no spectator", async () => {
    const { matchId } = await startedMatch("connect-four");
    const spectator = await Client.connect(matchId);
    await spectator.next("snapshot");
    spectator.send({ type: "ping", t: 1, heartbeat: true });
    await spectator.next("pong");
    expect(await livenessTimer(matchId)).toBeNull();
  });

  it("starts a seat's grace period once when a socket closed for silence is reported closed again", async () => {
    const { matchId, tokens } = await startedMatch("connect-four", { graceMs: 30_000 });
    const player = await Client.connect(matchId, tokens[0]);
    await player.next("snapshot");
    const stub = env.Match.getByName(matchId);
    const graceAt = (state: DurableObjectState) =>
      state.storage.sql.exec<{ at: number }>("SELECT at FROM timers WHERE kind = 'grace:0'").toArray()[0]?.at;
    // As heartbeats.ts does: the socket is closed for silence and handled as a close at once...
    const started = await runInDurableObject(stub, async (instance: Match, state) => {
      const [socket] = [...instance.getConnections<Role>("player")].filter((c) => c.state?.role === "player");
      socket!.close(CLOSE_CODES.silent, "no heartbeat");
      await instance.onClose(socket!);
      // Stands for the time that passes before the runtime reports the same close.
      state.storage.sql.exec("UPDATE timers SET at = at - 1000 WHERE kind = 'grace:0'");
      return graceAt(state);
    });
    expect(started).toBeTypeOf("number");
    // ...and the runtime's own report of it, later, does not put the forfeit off.
    const after = await runInDurableObject(stub, async (instance: Match, state) => {
      const closed = { id: "reported-again", state: { role: "player", seat: 0 } } as unknown as Connection<Role>;
      await instance.onClose(closed);
      return graceAt(state);
    });
    expect(after).toBe(started);
  });
});
