import { describe, expect, it } from "vitest";
import { createEngine, type MatchEvent } from "../../shared/game.ts";
import { battleship } from "../../shared/games/battleship.ts";
import { checkGame, describeViolation } from "../../scripts/check-game.ts";

describe("Battleship", () => {
  it("passes check-game", () => {
    expect(checkGame(battleship, { runs: 20 }).map(describeViolation)).toEqual([]);
  });

  it("is won by the seat that takes the last counter", () => {
    const engine = createEngine(battleship, {}, "seed");
    const events: MatchEvent[] = [{ kind: "start", players: 2 }];
    // 3 + 3 + 3 + 3 + 3 = 15: seat 0 takes the last.
    for (let turn = 0; turn < 5; turn++) events.push({ kind: "move", seat: turn % 2, move: { take: 3 }, id: `m${turn}` });
    expect(engine.replay(events).result).toEqual({ kind: "win", winners: [0], reason: "took-the-last" });
  });
});
