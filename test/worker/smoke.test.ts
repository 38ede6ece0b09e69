import { describe, expect, it } from "vitest";
import { Client, startedMatch } from "./helpers.ts";

describe("smoke", () => {
  it("plays a move", async () => {
    const { matchId, tokens } = await startedMatch("tic-tac-toe");
    const a = await Client.connect(matchId, tokens[0]);
    const welcome = await a.next("welcome");
    expect(welcome.seat).toBe(0);
    const snap = await a.next("snapshot");
    a.send({ type: "move", id: "m1", seq: snap.state.seq, move: { cell: 4 } });
    const ev = await a.next("event");
    expect(ev.event.kind).toBe("move");
    a.close();
  });
});
