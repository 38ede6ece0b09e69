import { describe, expect, it } from "vitest";
import { INITIAL_RATING, rated } from "../../server/ratings.ts";

describe("Glicko-2", () => {
  it("reproduces the worked example of Glickman's paper (τ = 0.5)", () => {
    // Glickman, "Example of the Glicko-2 system" (2022 revision), section "Example calculation":
    // a 1500/200/0.06 player beats a 1400/30 player, loses to 1550/100 and to 1700/300.
    const after = rated({ rating: 1500, rd: 200, vol: 0.06 }, [
      { opponent: { rating: 1400, rd: 30, vol: 0.06 }, score: 1 },
      { opponent: { rating: 1550, rd: 100, vol: 0.06 }, score: 0 },
      { opponent: { rating: 1700, rd: 300, vol: 0.06 }, score: 0 },
    ]);
    // The paper rounds μ' to -0.2069 before converting back (173.7178 × -0.2069 + 1500 =
    // 1464.06); unrounded it is 1464.0507. Both agree to within that rounding, 0.01.
    expect(Math.abs(after.rating - 1464.06)).toBeLessThan(0.01);
    expect(Math.abs(after.rd - 151.52)).toBeLessThan(0.01);
    expect(Math.abs(after.vol - 0.05999)).toBeLessThan(0.00001); // printed to five places (0.0599960)
  });

  it("moves two new players apart symmetrically after one decisive game", () => {
    const winner = rated(INITIAL_RATING, [{ opponent: INITIAL_RATING, score: 1 }]);
    const loser = rated(INITIAL_RATING, [{ opponent: INITIAL_RATING, score: 0 }]);
    expect(winner.rating).toBeGreaterThan(1500);
    expect(winner.rating - 1500).toBeCloseTo(1500 - loser.rating, 6);
    expect(winner.rd).toBeLessThan(INITIAL_RATING.rd);
  });

  it("leaves equal players' ratings where they were after a draw", () => {
    const after = rated(INITIAL_RATING, [{ opponent: INITIAL_RATING, score: 0.5 }]);
    expect(after.rating).toBeCloseTo(1500, 6);
  });

  it("returns the rating unchanged for a period without games", () => {
    expect(rated(INITIAL_RATING, [])).toEqual(INITIAL_RATING);
  });
});
