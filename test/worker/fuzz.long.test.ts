/** Protocol fuzzing, long (`npm run fuzz`): 100,000 hostile frames. See fuzz-frames.ts. */
import { describe, it } from "vitest";
import { fuzzMatches } from "./fuzz-frames.ts";

describe("protocol fuzzing, long", () => {
  it(
    "answers 100,000 hostile frames from spectators and players once each, and none changes the match",
    {
      timeout: 600_000,
    },
    () => fuzzMatches(100_000),
  );
});
