/**
 * Crazy Eights through the engine on hand-built positions: turns, draws and the pile, the blocked
 * end and its scoring, the timeout policy and what each viewer sees.
 */
import { describe, expect, it } from "vitest";
import { crazyEights, penalty, type Card, type CrazyEightsMove } from "../../shared/games/crazy-eights.ts";
import { at, gameOf, playAll, SUITS, type Table } from "./crazy-eights-helpers.ts";

describe("crazy eights: turns, draws and the pile", () => {
  it("keeps the turn through draws and passes it on after a play or a pass", () => {
    const { engine, state } = at({ hands: [["7H", "6H"], ["3D"], ["4D"]], discard: ["9C"] });
    let next = playAll(engine, state, [{ type: "draw" }, { type: "draw" }]);
    expect(gameOf(next)).toMatchObject({ turn: 0, draws: 2 });
    expect(gameOf(next).hands[0]).toHaveLength(4);
    next = playAll(engine, next, [{ type: "draw" }, { type: "pass" }]);
    expect(gameOf(next)).toMatchObject({ turn: 1, draws: 0, passes: 0, last: { seat: 0, type: "pass" } });
  });

  it("plays an 8 naming a suit, which the next player must follow", () => {
    const { engine, state } = at({
      hands: [
        ["8S", "2C"],
        ["3D", "4H"],
      ],
      discard: ["9C"],
    });
    const next = playAll(engine, state, [{ type: "play", card: "8S", suit: "H" }]);
    expect(gameOf(next)).toMatchObject({
      suit: "H",
      turn: 1,
      discard: ["9C", "8S"],
      last: { seat: 0, type: "play", card: "8S", suit: "H" },
    });
    expect(crazyEights.legalMoves(gameOf(next), 1)).toEqual([{ type: "play", card: "4H" }, { type: "draw" }]);
  });

  it("turns the discard pile under its top card over into the stock when the stock is empty", () => {
    const { engine, state } = at({ hands: [["7H"], ["3D"]], discard: ["2C", "3C", "4C", "9C"], stock: [], suit: "S" });
    const next = engine.apply(state, { kind: "move", seat: 0, move: { type: "draw" }, id: "x" });
    const game = gameOf(next);
    expect(game.discard).toEqual(["9C"]);
    expect(game.suit).toBe("S");
    expect(game.reshuffles).toBe(1);
    expect(game.last).toEqual({ seat: 0, type: "draw", reshuffled: true });
    expect(game.hands[0]).toHaveLength(2);
    expect([...game.hands[0]!.slice(1), ...game.stock].sort()).toEqual(["2C", "3C", "4C"]);
    expect(next.random).not.toEqual(state.random);
  });

  it("ends the game when the player to move plays their last card", () => {
    const { engine, state } = at({ hands: [["3C"], ["7C", "AH"]], discard: ["9C"], turn: 1 });
    const next = playAll(engine, state, [
      { type: "play", card: "7C" },
      { type: "play", card: "3C" },
    ]);
    expect(next.status).toBe("finished");
    expect(next.result).toEqual({ kind: "win", winners: [0], reason: "out-of-cards" });
    expect(engine.activeSeats(next)).toEqual([]);
  });
});

describe("crazy eights: the blocked end", () => {
  it.each([
    ["8", 50],
    ["K", 10],
    ["Q", 10],
    ["J", 10],
    ["T", 10],
    ["A", 1],
    ["2", 2],
    ["5", 5],
    ["9", 9],
  ] as const)("scores a %s as %i", (rank, points) => {
    for (const suit of SUITS) expect(penalty(`${rank}${suit}`)).toBe(points);
  });

  it.each<{ name: string; hands: Card[][]; result: unknown }>([
    {
      name: "the lowest penalty wins",
      hands: [
        ["KH", "2H"],
        ["AS", "3S"],
      ],
      result: { kind: "win", winners: [1], reason: "blocked" },
    },
    {
      name: "an 8 costs 50",
      hands: [["8H"], ["KH", "QH", "JH", "TH"]],
      result: { kind: "win", winners: [1], reason: "blocked" },
    },
    {
      name: "a shared lowest penalty gives two winners",
      hands: [["8H"], ["TH"], ["KS"]],
      result: { kind: "win", winners: [1, 2], reason: "blocked" },
    },
    {
      name: "equal penalties everywhere are a draw",
      hands: [["5H", "AS"], ["6D"], ["2S", "4S"]],
      result: { kind: "draw", reason: "blocked" },
    },
  ])("when every player passes with nothing to draw, $name", ({ hands, result }) => {
    // Nothing to draw, and nothing but seat 0's cards matches the 9C; seat 0 has drawn its three.
    const { engine, state } = at({ hands, discard: ["9C"], stock: [], suit: "C", draws: 3 });
    let next = state;
    for (let i = 0; i < hands.length; i++) {
      expect(next.status).toBe("playing");
      next = playAll(engine, next, [{ type: "pass" }]);
    }
    expect(gameOf(next).passes).toBe(hands.length);
    expect(next.status).toBe("finished");
    expect(next.result).toEqual(result);
  });

  it("counts only passes in a row: a play in between starts the count again", () => {
    const { engine, state } = at({ hands: [["7H"], ["3D"], ["9D", "4S"]], discard: ["9C"], stock: [], suit: "C" });
    let next = playAll(engine, state, [{ type: "pass" }, { type: "pass" }]);
    expect(gameOf(next).passes).toBe(2);
    next = playAll(engine, next, [{ type: "play", card: "9D" }]);
    expect(gameOf(next).passes).toBe(0);
    expect(next.status).toBe("playing");
    // The 9C under the new top can be drawn now, so seat 0 may not pass.
    expect(crazyEights.legalMoves(gameOf(next), 0)).toEqual([{ type: "draw" }]);
  });

  it("does not count a pass made after three draws while the stock still holds cards", () => {
    const { engine, state } = at({
      hands: [["7H"], ["3D"]],
      discard: ["9C"],
      stock: ["2D", "4D", "5D", "6D"],
      draws: 3,
    });
    const next = playAll(engine, state, [{ type: "pass" }]);
    expect(gameOf(next).passes).toBe(0);
  });
});

describe("crazy eights: timeouts and views", () => {
  it.each<{ name: string; table: Table; move: CrazyEightsMove }>([
    { name: "draws while it may", table: { hands: [["2C"], ["3D"]], discard: ["9C"] }, move: { type: "draw" } },
    {
      name: "passes after three draws",
      table: { hands: [["2C"], ["3D"]], discard: ["9C"], draws: 3 },
      move: { type: "pass" },
    },
    {
      name: "passes with nothing to draw or play",
      table: { hands: [["2H"], ["3D"]], discard: ["9C"], stock: [] },
      move: { type: "pass" },
    },
    {
      name: "plays the first playable card when it must",
      table: { hands: [["KC", "2C", "8H"], ["3D"]], discard: ["9C"], stock: [] },
      move: { type: "play", card: "2C" },
    },
  ])("on a timeout, $name", ({ table, move }) => {
    const { engine, state } = at(table);
    expect(engine.timeout(state)).toEqual({ kind: "timeout", seats: [0], move });
    const next = engine.apply(state, engine.timeout(state)!);
    expect(next.moves).toBe(1);
  });

  it("shows a seat its own sorted hand and the others' counts, a spectator no hand", () => {
    const { engine, state } = at({ hands: [["KS", "2C", "7H", "AC"], ["3D"], ["4D", "5D"]], discard: ["6C", "9C"] });
    expect(engine.view(state, 0)).toEqual({
      viewer: 0,
      hand: ["AC", "2C", "7H", "KS"],
      handCounts: [4, 1, 2],
      stock: 52 - 9,
      discard: ["6C", "9C"],
      suit: "C",
      turn: 0,
      draws: 0,
      passes: 0,
      reshuffles: 0,
      last: null,
    });
    expect(engine.view(state, 2)).toMatchObject({ viewer: 2, hand: ["4D", "5D"] });
    expect(engine.view(state, "spectator")).toMatchObject({ viewer: "spectator", hand: null, handCounts: [4, 1, 2] });
    expect(engine.view(engine.initial(), 0)).toBeNull();
  });
});
