/** Turning valibot issues into the one-line messages that error frames and bodies carry. */
import * as v from "valibot";
import type { AnyGame } from "./game.ts";
import { fail, ok, type Result } from "./result.ts";

/** One line naming each schema issue with its path, for error messages. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const path = v.getDotPath(issue);
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}

/** Parses a game's options; failures name the offending field. */
export function parseOptions(game: AnyGame, input: unknown): Result<unknown, "bad-options"> {
  const parsed = v.safeParse(game.options, input ?? {});
  if (parsed.success) return ok(parsed.output);
  return fail("bad-options", describeIssues(parsed.issues));
}
