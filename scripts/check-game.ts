/**
 * check-game: the properties every game module must have before a server can host it, checked
 * with fast-check over random matches played through the engine. Each rule is its own property,
 * so a failure names the rule and fast-check shrinks the match to the fewest, simplest moves
 * that still break it.
 *
 *   npm run check-game [id …] [-- --runs 100 --seed 42]
 *
 * Also a library: `npm test` runs `checkGame` over every registered game
 * (test/unit/check-game.test.ts), and the scaffold test runs it over a generated game.
 */
import { pathToFileURL } from "node:url";
import { GAMES } from "../shared/games/index.ts";
import { checkGame, describeViolation } from "./check-game/check.ts";
import { DEFAULT_BOUND, RULES } from "./check-game/rules.ts";

export { checkGame, describeViolation } from "./check-game/check.ts";
export { canonical, DEFAULT_BOUND, RULE_TEXT, RULES } from "./check-game/rules.ts";
export type { CheckOptions, Rule, Violation } from "./check-game/rules.ts";

async function main(args: readonly string[]): Promise<number> {
  const flag = (name: string) => {
    const at = args.indexOf(name);
    return at === -1 ? undefined : Number(args[at + 1]);
  };
  const runs = flag("--runs");
  const seed = flag("--seed");
  const ids = args.filter((arg, index) => !arg.startsWith("--") && !args[index - 1]?.startsWith("--"));
  const unknown = ids.filter((id) => !GAMES.has(id));
  if (unknown.length > 0) {
    console.error(`no such game: ${unknown.join(", ")} (games: ${[...GAMES.keys()].join(", ")})`);
    return 2;
  }
  let failed = 0;
  const chosen = ids.length > 0 ? ids.flatMap((id) => GAMES.get(id) ?? []) : [...GAMES.values()];
  for (const game of chosen) {
    const started = performance.now();
    const violations = checkGame(game, { ...(runs ? { runs } : {}), ...(seed !== undefined ? { seed } : {}) });
    const ms = Math.round(performance.now() - started);
    const bound = game.maxMoves === undefined ? ` (no maxMoves: checked against ${DEFAULT_BOUND})` : "";
    if (violations.length === 0) console.log(`ok   ${game.id}: ${RULES.length} rules in ${ms} ms${bound}`);
    for (const violation of violations) console.log(`FAIL ${describeViolation(violation)}`);
    failed += violations.length;
  }
  return failed === 0 ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exitCode = await main(process.argv.slice(2));
