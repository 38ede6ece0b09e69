/** checkGame: every rule as a fast-check property, each failure shrunk to its smallest match. */
import fc from "fast-check";
import type { AnyGame, Seat } from "../../shared/game.ts";
import { checkRule } from "./properties.ts";
import { Broken, type CheckOptions, type Rule, RULE_TEXT, RULES, show, type Violation } from "./rules.ts";

/** Checks `game` against every rule (or `options.rules`); an empty list means it passed. */
export function checkGame(game: AnyGame, options: CheckOptions = {}): Violation[] {
  const runs = options.runs ?? 50;
  const steps = options.steps ?? 60;
  const violations: Violation[] = [];
  for (const rule of options.rules ?? RULES) {
    const scenario = fc.record({
      players: fc.integer({ min: game.minPlayers, max: game.maxPlayers }),
      seed: fc.string({ maxLength: 6 }),
      choices: fc.array(fc.nat({ max: 2 ** 30 }), { maxLength: steps, size: "max" }),
    });
    const property = fc.property(scenario, (input) => checkRule(game, rule, input, []));
    const numRuns = rule === "ends-within-bound" ? Math.max(3, Math.ceil(runs / 4)) : runs;
    const details = fc.check(property, { numRuns, ...(options.seed === undefined ? {} : { seed: options.seed }) });
    if (!details.failed || !details.counterexample) continue;
    const [shrunk] = details.counterexample;
    const trail: { seat: Seat; move: unknown }[] = [];
    let message = String(details.errorInstance);
    let broken: Rule = rule;
    try {
      checkRule(game, rule, shrunk, trail);
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
      // A defect that is no rule's own check (a throw inside the game) is reported under the rule that found it.
      if (error instanceof Broken) broken = error.rule;
    }
    violations.push({ game: game.id, rule: broken, message, players: shrunk.players, seed: shrunk.seed, moves: trail });
  }
  return violations;
}

/** A violation as a few lines for people. */
export function describeViolation(violation: Violation): string {
  const moves = violation.moves.map(({ seat, move }) => (seat < 0 ? "timeout" : `${seat}:${show(move)}`));
  return [
    `${violation.game}: broke "${violation.rule}" (${RULE_TEXT[violation.rule]})`,
    `  ${violation.message}`,
    `  ${violation.players} players, seed ${JSON.stringify(violation.seed)}, ${moves.length} moves: ${moves.join(" ") || "(none)"}`,
  ].join("\n");
}
