import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SILENT_MS } from "../../server/liveness.ts";
import type { Match } from "../../server/match/match.ts";
import { HEARTBEAT } from "../../shared/protocol.ts";
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
});
