/**
 * Crazy Eights through the engine: table-driven refusals on hand-built positions, and the moves
 * each position lists.
 */
import { describe, expect, it } from "vitest";
import { crazyEights, type CrazyEightsMove } from "../../shared/games/crazy-eights.ts";
import { at, gameOf, key, playAll, type Table } from "./crazy-eights-helpers.ts";

describe("crazy eights: refusals", () => {
  it.each<{ name: string; table: Table; move: unknown; code: string; reason?: string }>([
    {
      name: "a card of neither the suit nor the rank",
      table: { hands: [["7H", "2C"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "7H" },
      code: "illegal",
      reason: "no-match",
    },
    {
      name: "the top card's suit after an 8 named another",
      table: { hands: [["3C", "3H"], ["3D"]], discard: ["9C", "8C"], suit: "H" },
      move: { type: "play", card: "3C" },
      code: "illegal",
      reason: "no-match",
    },
    {
      name: "an 8 without a suit",
      table: { hands: [["8H"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "8H" },
      code: "illegal",
      reason: "suit-required",
    },
    {
      name: "a suit named with a card that is not an 8",
      table: { hands: [["7C"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "7C", suit: "H" },
      code: "illegal",
      reason: "suit-not-allowed",
    },
    {
      name: "a card that is not in the hand",
      table: { hands: [["7C"], ["3C"]], discard: ["9C"] },
      move: { type: "play", card: "3C" },
      code: "illegal",
      reason: "not-in-hand",
    },
    {
      name: "a pass before three draws",
      table: { hands: [["7H"], ["3D"]], discard: ["9C"], draws: 2 },
      move: { type: "pass" },
      code: "illegal",
      reason: "pass-not-allowed",
    },
    {
      name: "a pass with nothing to draw and a card to play",
      table: { hands: [["7C"], ["3D"]], discard: ["9C"], stock: [] },
      move: { type: "pass" },
      code: "illegal",
      reason: "pass-not-allowed",
    },
    {
      name: "a fourth draw",
      table: { hands: [["7H"], ["3D"]], discard: ["9C"], draws: 3 },
      move: { type: "draw" },
      code: "illegal",
      reason: "draw-limit",
    },
    {
      name: "a draw with nothing to draw",
      table: { hands: [["7H"], ["3D"]], discard: ["9C"], stock: [] },
      move: { type: "draw" },
      code: "illegal",
      reason: "nothing-to-draw",
    },
    {
      name: "a card that does not exist",
      table: { hands: [["7H"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "1H" },
      code: "bad-move",
    },
    {
      name: "a lower-case card",
      table: { hands: [["7H"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "7h" },
      code: "bad-move",
    },
    {
      name: "a suit that does not exist",
      table: { hands: [["8H"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "8H", suit: "X" },
      code: "bad-move",
    },
    {
      name: "a draw naming a card (moves carry no secrets)",
      table: { hands: [["7H"], ["3D"]], discard: ["9C"] },
      move: { type: "draw", card: "2C" },
      code: "bad-move",
    },
    {
      name: "an unknown move type",
      table: { hands: [["7H"], ["3D"]], discard: ["9C"] },
      move: { type: "discard", card: "7H" },
      code: "bad-move",
    },
    { name: "a bare string", table: { hands: [["7H"], ["3D"]], discard: ["9C"] }, move: "draw", code: "bad-move" },
  ])("refuses $name", ({ table, move, code, reason }) => {
    const { engine, state } = at(table);
    const refused = engine.check(state, 0, move);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe(code);
      expect(refused.error.reason).toBe(reason);
    }
    // Nothing the engine refuses is listed as legal.
    expect(crazyEights.legalMoves(gameOf(state), 0).map((m) => key(m))).not.toContain(
      typeof move === "object" ? key(move) : move,
    );
  });

  it.each<{ name: string; table: Table; move: CrazyEightsMove }>([
    {
      name: "a card of the suit to follow",
      table: { hands: [["2C"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "2C" },
    },
    {
      name: "a card of the top card's rank",
      table: { hands: [["9H"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "9H" },
    },
    {
      name: "a card of the suit an 8 named",
      table: { hands: [["3H"], ["3D"]], discard: ["9C", "8C"], suit: "H" },
      move: { type: "play", card: "3H" },
    },
    {
      name: "an 8 on anything, naming any suit",
      table: { hands: [["8D"], ["3D"]], discard: ["9C"] },
      move: { type: "play", card: "8D", suit: "S" },
    },
    {
      name: "an 8 on an 8",
      table: { hands: [["8D"], ["3D"]], discard: ["8C"], suit: "H" },
      move: { type: "play", card: "8D", suit: "C" },
    },
    {
      name: "a pass after three draws, even with a card to play",
      table: { hands: [["2C"], ["3D"]], discard: ["9C"], draws: 3 },
      move: { type: "pass" },
    },
    {
      name: "a pass with nothing to draw and nothing to play",
      table: { hands: [["7H"], ["3D"]], discard: ["9C"], stock: [] },
      move: { type: "pass" },
    },
    {
      name: "a draw that turns the pile over",
      table: { hands: [["7H"], ["3D"]], discard: ["2C", "9C"], stock: [] },
      move: { type: "draw" },
    },
  ])("accepts $name", ({ table, move }) => {
    const { engine, state } = at(table);
    expect(engine.check(state, 0, move)).toEqual({ ok: true, value: move });
    expect(crazyEights.legalMoves(gameOf(state), 0)).toContainEqual(move);
  });

  it("answers not-your-turn to every seat but the one to move, and game-over after the end", () => {
    const { engine, state } = at({ hands: [["2C"], ["3C"], ["4C"]], discard: ["9C"], turn: 1 });
    expect(engine.check(state, 0, { type: "draw" })).toMatchObject({ ok: false, error: { code: "not-your-turn" } });
    expect(engine.check(state, 2, { type: "draw" })).toMatchObject({ ok: false, error: { code: "not-your-turn" } });
    expect(crazyEights.legalMoves(gameOf(state), 0)).toEqual([]);
    const over = playAll(engine, state, [{ type: "play", card: "3C" }]);
    expect(over.result).toEqual({ kind: "win", winners: [1], reason: "out-of-cards" });
    expect(engine.check(over, 2, { type: "draw" })).toMatchObject({ ok: false, error: { code: "game-over" } });
    expect(crazyEights.legalMoves(gameOf(over), 2)).toEqual([]);
  });

  it("lists an 8 once per suit, and the hand's other playable cards once", () => {
    const { state } = at({ hands: [["8D", "5C", "9H", "2H"], ["3D"]], discard: ["9C"] });
    expect(crazyEights.legalMoves(gameOf(state), 0)).toEqual([
      { type: "play", card: "5C" },
      { type: "play", card: "8D", suit: "C" },
      { type: "play", card: "8D", suit: "D" },
      { type: "play", card: "8D", suit: "H" },
      { type: "play", card: "8D", suit: "S" },
      { type: "play", card: "9H" },
      { type: "draw" },
    ]);
  });
});
