import { describe, expect, it } from "vitest";
import { deltaText, distinct, ratingText, seatNames, shownName } from "../../client/names.ts";

describe("names and ratings as shown", () => {
  it("names bots by strength and numbers several that read the same", () => {
    const seats = [
      { seat: 2, name: "Bot (random)", playerId: "bot-random-2", bot: "random" },
      { seat: 0, name: "Ada", playerId: "a".repeat(21) },
      { seat: 1, name: "Bot (random)", playerId: "bot-random-1", bot: "random" },
      { seat: 3, name: "Bot (search)", playerId: "bot-search-3", bot: "search" },
    ];
    expect([...seatNames(seats)].sort(([a], [b]) => a - b)).toEqual([
      [0, "Ada"],
      [1, "Computer (easy) 1"],
      [2, "Computer (easy) 2"],
      [3, "Computer (strong)"],
    ]);
    expect(distinct(["Ada", "Ada", "Bo"])).toEqual(["Ada 1", "Ada 2", "Bo"]);
    expect(shownName("Bot (search)")).toBe("Computer (strong)");
    expect(shownName("Bo")).toBe("Bo");
  });

  it.each([
    [null, "1500?"],
    [{ rating: 1662.4, rd: 290 }, "1662?"],
    [{ rating: 1712.6, rd: 60 }, "1713"],
  ])("writes the rating %j as %s", (rating, text) => {
    expect(ratingText(rating)).toBe(text);
  });

  it.each([
    [1500, 1512.2, "+12"],
    [1500, 1337.8, "−162"],
    [1500.2, 1499.9, "±0"],
  ])("writes the change from %d to %d as %s", (before, after, text) => {
    expect(deltaText(before, after)).toBe(text);
  });
});
