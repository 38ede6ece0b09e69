import { afterEach, describe, expect, it, vi } from "vitest";
import { ticTacToe } from "../../shared/games/tic-tac-toe.ts";
import { table } from "./helpers.ts";

describe("one rules call per move", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("runs the game's validate once for an accepted move, from the frame to the broadcast", async () => {
    const { players, spectator, seq } = await table("tic-tac-toe");
    // The Match runs in this isolate and holds this same game object: every rules call is counted.
    const validate = vi.spyOn(ticTacToe, "validate");
    const apply = vi.spyOn(ticTacToe, "apply");
    players[0].send({ type: "move", id: "once", seq, move: { cell: 4 } });
    await players[0].next("event");
    await spectator.next("event");
    expect(validate).toHaveBeenCalledTimes(1);
    expect(apply).toHaveBeenCalledTimes(1);
  });

  it("runs it once for a refused move too, and applies nothing", async () => {
    const { players, seq } = await table("tic-tac-toe");
    players[0].send({ type: "move", id: "first", seq, move: { cell: 4 } });
    await players[0].next("event");
    const validate = vi.spyOn(ticTacToe, "validate");
    const apply = vi.spyOn(ticTacToe, "apply");
    players[1].send({ type: "move", id: "taken", seq: seq + 1, move: { cell: 4 } });
    expect((await players[1].next("error")).code).toBe("illegal");
    expect(validate).toHaveBeenCalledTimes(1);
    expect(apply).not.toHaveBeenCalled();
  });
});
