/**
 * Protocol fuzzing, short: the first 5,000 of the 100,000 hostile frames `npm run fuzz` sends
 * (fuzz.long.test.ts), and a flooding socket. See fuzz-frames.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CLOSE_CODES, LIMITS } from "../../shared/protocol.ts";
import { frame, fuzzMatches } from "./fuzz-frames.ts";
import { Client, progress, startedMatch } from "./helpers.ts";

describe("protocol fuzzing", () => {
  it(
    "answers 5,000 hostile frames from spectators and players once each, and none changes the match",
    {
      timeout: 60_000,
    },
    () => fuzzMatches(5_000),
  );

  it("closes a socket that floods refused frames with the documented code, and the match is untouched", async () => {
    const table = await startedMatch("connect-four");
    const before = await progress(table.matchId);
    const flooder = await Client.connect(table.matchId, table.tokens[1]);
    await flooder.next("snapshot");
    for (const item of fc.sample(frame, { numRuns: LIMITS.floodStrikes * 3, seed: 7 })) flooder.socket.send(item);
    expect((await flooder.closedWith()).code).toBe(CLOSE_CODES.flooding);
    expect(await progress(table.matchId)).toEqual(before);
    // The match still plays.
    const player = await Client.connect(table.matchId, table.tokens[0]);
    const seq = (await player.next("snapshot")).state.seq;
    player.send({ type: "move", id: "after-flood", seq, move: { column: 0 } });
    expect((await player.next("event")).event).toMatchObject({ kind: "move", id: "after-flood" });
  });
});
