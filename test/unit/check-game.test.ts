/**
 * check-game over every registered game, and over deliberately broken copies of real games to
 * show that each property catches its defect, naming the rule and a shrunk match.
 */
import { describe, expect, it } from "vitest";
import { connectFour } from "../../shared/games/connect-four.ts";
import type { GameDefinition } from "../../shared/game.ts";
import {
  crazyEights,
  type CrazyEightsMove,
  type CrazyEightsState,
  type CrazyEightsView,
} from "../../shared/games/crazy-eights.ts";
import { GAMES } from "../../shared/games/index.ts";
import { checkGame, describeViolation, RULES } from "../../scripts/check-game.ts";

/** Few runs per rule: `npm run check-game` runs fifty, this keeps `npm test` quick. */
const RUNS = 15;

describe("check-game on every registered game", () => {
  it.each([...GAMES.keys()])("%s passes every rule", (id) => {
    const violations = checkGame(GAMES.get(id)!, { runs: RUNS, seed: 1 });
    expect(violations.map(describeViolation)).toEqual([]);
  });
});

describe("check-game on broken copies", () => {
  it("fails a nondeterministic game under deterministic, after one move", () => {
    let calls = 0;
    const broken: typeof connectFour = {
      ...connectFour,
      // A hidden counter: the same match played twice does not give the same states.
      apply: (state, seat, move, random) => ({ ...connectFour.apply(state, seat, move, random), n: calls++ }),
    };
    const [violation, ...rest] = checkGame(broken, { runs: RUNS, seed: 1, rules: ["deterministic"] });
    expect(rest).toEqual([]);
    expect(violation).toMatchObject({ game: "connect-four", rule: "deterministic" });
    expect(violation!.moves).toHaveLength(1);
    expect(describeViolation(violation!)).toContain('broke "deterministic"');
  });

  it("fails an onEnd that is not deterministic under replay-reproduces", () => {
    let calls = 0;
    const broken: typeof connectFour = {
      ...connectFour,
      // A hidden counter: a replay of the log would not end the game the way the match did.
      onEnd: (state) => ({ ...state, n: calls++ }),
    };
    const violations = checkGame(broken, { runs: RUNS, seed: 1, rules: ["replay-reproduces"] });
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ game: "connect-four", rule: "replay-reproduces" });
  });

  it("fails a legalMoves that lists a full column, with the six moves that fill it", () => {
    const broken: typeof connectFour = {
      ...connectFour,
      legalMoves: (state, seat) =>
        connectFour.activeSeats(state).includes(seat) ? Array.from({ length: 7 }, (_, column) => ({ column })) : [],
    };
    const violations = checkGame(broken, { runs: 200, seed: 1, rules: ["listed-moves-pass"] });
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ rule: "listed-moves-pass" });
    expect(violations[0]!.message).toContain("column-full");
    // Shrunk: six discs into one column, and nothing else.
    expect(violations[0]!.moves).toHaveLength(6);
    expect(new Set(violations[0]!.moves.map(({ move }) => JSON.stringify(move))).size).toBe(1);
  });

  it("fails a view that shows another player's hand, before any move", () => {
    const broken: GameDefinition<CrazyEightsState, CrazyEightsMove, Record<string, never>, unknown> = {
      ...crazyEights,
      view: (state, viewer) => ({
        ...(crazyEights.view!(state, viewer) as object),
        // The leak: the next seat's hand, in every view.
        peek: state.hands[1],
      }),
    };
    const [violation] = checkGame(broken, { runs: RUNS, seed: 1, rules: ["views-hide-secrets"] });
    expect(violation).toMatchObject({ rule: "views-hide-secrets", moves: [] });
    expect(violation!.message).toMatch(/changes .*view: \$\.peek/);
  });

  it("fails a move that names a card its viewers cannot see", () => {
    const broken: GameDefinition<CrazyEightsState, CrazyEightsMove, Record<string, never>, unknown> = {
      ...crazyEights,
      // Cards go on the pile face down, yet the move that plays one names it (and is sent to all).
      view: (state, viewer) => {
        const { discard, suit, last, ...rest } = crazyEights.view!(state, viewer) as CrazyEightsView;
        return { ...rest, discard: discard.length, lastSeat: last?.seat ?? null };
      },
    };
    const [violation] = checkGame(broken, { runs: RUNS, seed: 1, rules: ["moves-carry-no-secret"] });
    expect(violation).toMatchObject({ rule: "moves-carry-no-secret" });
    expect(violation!.message).toMatch(/leave (\d|spectator) the same view/);
  });

  it("names every rule once", () => {
    expect(new Set(RULES).size).toBe(RULES.length);
  });
});
