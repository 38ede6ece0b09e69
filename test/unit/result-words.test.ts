/**
 * The result line's sentences that a game words itself (its renderer's `reasons`) read as they
 * did when the match page held them: checkmate names both sides, Crazy Eights' "blocked" differs
 * between a win and a draw.
 */
import { expect, it } from "vitest";
import type { MatchResult } from "../../shared/game.ts";

type Describe = (
  result: MatchResult,
  seats: readonly { seat: number; name: string; playerId: string }[],
  mySeat: number | null,
  renderer?: unknown,
) => { headline: string; detail: string; tone: string };

// Imported by computed paths: the client's DOM types are not this project's to check.
async function load(): Promise<{ describe: Describe; renderers: Readonly<Record<string, unknown>> }> {
  const text = (await import(/* @vite-ignore */ ["..", "..", "client", "pages", "match", "text.ts"].join("/"))) as {
    describeResult: Describe;
  };
  const games = (await import(/* @vite-ignore */ ["..", "..", "client", "games", "index.ts"].join("/"))) as {
    RENDERERS: Readonly<Record<string, unknown>>;
  };
  return { describe: text.describeResult, renderers: games.RENDERERS };
}

const seats = [
  { seat: 0, name: "Ada", playerId: "a" },
  { seat: 1, name: "Bob", playerId: "b" },
];

it("says checkmate with both sides named, from the viewer's side", async () => {
  const { describe, renderers } = await load();
  const mate: MatchResult = { kind: "win", winners: [0], reason: "checkmate" };
  expect(describe(mate, seats, 0, renderers.chess)).toEqual({
    headline: "You won!",
    detail: "Checkmate: You mated Bob.",
    tone: "win",
  });
  expect(describe(mate, seats, 1, renderers.chess).detail).toBe("Checkmate: Ada mated you.");
  expect(describe(mate, seats, null, renderers.chess).detail).toBe("Checkmate: Ada mated Bob.");
  expect(describe({ kind: "draw", reason: "stalemate" }, seats, 0, renderers.chess).detail).toBe("Stalemate.");
});

it("words Crazy Eights' endings, a blocked win apart from a blocked draw", async () => {
  const { describe, renderers } = await load();
  const eights = renderers["crazy-eights"];
  expect(describe({ kind: "win", winners: [1], reason: "out-of-cards" }, seats, 0, eights).detail).toBe(
    "Bob played out every card.",
  );
  expect(describe({ kind: "win", winners: [1], reason: "blocked" }, seats, 1, eights).detail).toBe(
    "Nobody could play or draw: the smallest hand wins.",
  );
  expect(describe({ kind: "draw", reason: "blocked" }, seats, 1, eights).detail).toBe(
    "Nobody could play or draw, and the hands tie.",
  );
});

it("keeps the reasons every match shares on the page", async () => {
  const { describe, renderers } = await load();
  const four = renderers["connect-four"];
  expect(describe({ kind: "win", winners: [0], reason: "resign" }, seats, 0, four).detail).toBe("Bob resigned.");
  expect(describe({ kind: "draw", reason: "timeout" }, seats, 0, four).detail).toBe("Both ran out of time.");
  expect(describe({ kind: "win", winners: [0], reason: "four-in-a-row" }, seats, 0, four).detail).toBe(
    "Four in a row.",
  );
  expect(describe({ kind: "aborted", reason: "not-collected" }, seats, 0, four).detail).toBe(
    "No result: a player never arrived.",
  );
});
