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
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { pathToFileURL } from "node:url";
import { createEngine, hasHiddenInformation, MOVE_REFUSALS, type Engine, type MatchState } from "../shared/engine.ts";
import type { MatchEvent } from "../shared/events.ts";
import type { AnyGame, Seat, Viewer } from "../shared/game.ts";
import { GAMES } from "../shared/games/index.ts";
import { createRandom, seedRandom, type Random } from "../shared/random.ts";
import { parseOptions } from "../shared/schema-issues.ts";

/** Every rule, in the order they are checked. */
export const RULES = [
  "json-round-trip",
  "deterministic",
  "listed-moves-pass",
  "unlisted-moves-refused",
  "schema-refuses-junk",
  "ends-within-bound",
  "replay-reproduces",
  "views-hide-secrets",
  "moves-carry-no-secret",
] as const;
export type Rule = (typeof RULES)[number];

/** What a rule is about, for the report. */
export const RULE_TEXT: Readonly<Record<Rule, string>> = {
  "json-round-trip": "every state, view and move survives a JSON round trip unchanged",
  deterministic: "the same seed and moves give the same states, events, views and legal moves; apply never mutates",
  "listed-moves-pass": "every move legalMoves lists passes the engine's checks; seats that may not act list none",
  "unlisted-moves-refused": "moves outside legalMoves are refused with a stable code (or are another spelling of one)",
  "schema-refuses-junk": "values that are not moves (non-JSON, extra keys) are refused as bad-move, never thrown on",
  "ends-within-bound": "random matches end within the game's declared maxMoves",
  "replay-reproduces": "folding the JSON log from the seed, or from a JSON snapshot, reproduces every state",
  "views-hide-secrets":
    "changing what a seat cannot see never changes its view, its legal moves or the spectators' view",
  "moves-carry-no-secret": "two different moves never look the same to another viewer (the move itself would tell)",
};

/** The bound checked when a game declares no `maxMoves`. */
export const DEFAULT_BOUND = 10_000;

/** A broken rule, with the shrunk match that breaks it. */
export interface Violation {
  readonly game: string;
  readonly rule: Rule;
  readonly message: string;
  readonly players: number;
  readonly seed: string;
  /** The moves from the start up to the one that breaks the rule (timeouts are seat -1's "timeout"). */
  readonly moves: readonly { readonly seat: Seat; readonly move: unknown }[];
}

export interface CheckOptions {
  /** Random matches per rule (the bound rule plays a quarter as many, to the end). */
  readonly runs?: number;
  /** fast-check's seed, to repeat a run. */
  readonly seed?: number;
  /** Moves per match for the rules that look at prefixes. */
  readonly steps?: number;
  readonly rules?: readonly Rule[];
}

/** A rule broken at some point of a match: thrown out of the property so fast-check shrinks it. */
class Broken extends Error {
  readonly rule: Rule;
  // No parameter property: Node runs this file by stripping types, which cannot rewrite them.
  constructor(rule: Rule, message: string) {
    super(message);
    this.rule = rule;
  }
}

interface Scenario {
  readonly players: number;
  readonly seed: string;
  /** One number per step: which active seat acts and which of its legal moves it makes. */
  readonly choices: readonly number[];
}

interface Point {
  readonly engine: Engine;
  readonly state: MatchState;
  readonly index: number;
  readonly at: number;
  /** Chance for the checks at this point, fixed by the scenario and the step. */
  readonly random: Random;
}

interface Played {
  readonly engine: Engine;
  readonly states: MatchState[];
  readonly events: (MatchEvent & { at: number })[];
  readonly moves: { seat: Seat; move: unknown }[];
}

const STEP_MS = 1_000;
const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** Listed moves checked one by one at a point (a sample when there are more). */
const SAMPLE = 24;

/** JSON with sorted keys: two values are the same move or view when these strings are equal. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

const show = (value: unknown): string => {
  const text = canonical(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** The first path where two JSON values differ, for messages. */
function firstDifference(a: unknown, b: unknown, path = "$"): string {
  if (canonical(a) === canonical(b)) return "";
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const found = firstDifference(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
      if (found) return found;
    }
  }
  return `${path}: ${show(a)} vs ${show(b)}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

const viewersOf = (players: number): Viewer[] => [...Array.from({ length: players }, (_, seat) => seat), "spectator"];

/**
 * Plays `scenario` through a fresh engine: join, start, then one move per choice (a choice may
 * also let a per-move timeout play its move), calling `visit` at every point before a move.
 * With `toEnd`, play goes on with seeded random choices until the match ends or passes `bound`.
 */
function play(
  game: AnyGame,
  scenario: Scenario,
  trail: { seat: Seat; move: unknown }[],
  visit: (point: Point) => void = () => {},
  toEnd?: { bound: number },
): Played {
  const options = parseOptions(game, {});
  if (!options.ok) throw new Broken("schema-refuses-junk", `the options schema refuses {}: ${options.error.message}`);
  const engine = createEngine(game, options.value, scenario.seed);
  const events: (MatchEvent & { at: number })[] = [];
  const states: MatchState[] = [];
  let state = engine.initial();
  /** Logs `event` at `at`; `after` is the state after it when the engine has it already (a played move). */
  const log = (event: MatchEvent, at: number, after?: MatchState) => {
    state = deepFreeze(after ?? engine.apply(state, event, at));
    events.push({ ...event, at });
    states.push(state);
  };
  for (let seat = 0; seat < scenario.players; seat++) log({ kind: "join", seat, name: `p${seat}` }, 0);
  log({ kind: "start", players: scenario.players }, 0);
  const extra = createRandom(seedRandom(`${scenario.seed}:${scenario.choices.join(",")}`));
  for (let index = 0; state.status === "playing"; index++) {
    let choice = scenario.choices[index];
    if (choice === undefined) {
      if (!toEnd) break;
      if (index >= toEnd.bound) {
        throw new Broken(
          "ends-within-bound",
          `still playing after ${index} moves; the game declares ${game.maxMoves ?? `no bound (checked against ${DEFAULT_BOUND})`}`,
        );
      }
      choice = extra.int(2 ** 30);
    }
    const at = (index + 1) * STEP_MS;
    visit({ engine, state, index, at, random: createRandom(seedRandom(`${scenario.seed}#${index}#${choice}`)) });
    // Now and then a per-move clock runs out and the timeout policy plays its move.
    if (game.timeout.kind === "move" && choice % 13 === 12) {
      const deadline = engine.deadline(state);
      const timeout = deadline === null ? null : engine.timeout(state, deadline);
      if (timeout !== null && deadline !== null) {
        trail.push({ seat: -1, move: "timeout" });
        log(timeout, Math.max(at, deadline));
        continue;
      }
    }
    const active = engine.activeSeats(state);
    const seat = active[choice % active.length];
    if (seat === undefined) throw new Broken("listed-moves-pass", "the match is playing but no seat may act");
    const moves = game.legalMoves(state.game, seat);
    const move = moves[Math.floor(choice / active.length) % moves.length];
    if (move === undefined) throw new Broken("listed-moves-pass", `seat ${seat} may act but legalMoves lists nothing`);
    trail.push({ seat, move });
    // The move goes the server's way: `play`, the one rules call per move (replay then folds the log with `apply`).
    let played: ReturnType<Engine["play"]>;
    try {
      played = engine.play(state, seat, move, at, `m${index}`);
    } catch (error) {
      // States are frozen: a game that writes into its input state throws here.
      throw new Broken("deterministic", `apply threw on ${show(move)} by seat ${seat}: ${String(error)}`);
    }
    if (!played.ok) {
      const { code, reason } = played.error;
      throw new Broken(
        "listed-moves-pass",
        `legalMoves lists ${show(move)} for seat ${seat}, refused: ${reason ?? code}`,
      );
    }
    log(played.value.event, at, played.value.state);
  }
  return { engine, states, events, moves: trail };
}

/** Values that are no move of any game: not JSON, or JSON that no schema should take. */
function junkFor(listed: readonly unknown[], random: Random): unknown[] {
  const junk: unknown[] = [undefined, Number.NaN, Infinity, () => 1, 10n, new Date(0), new Map(), Symbol("move")];
  const sample = listed[random.int(Math.max(1, listed.length))];
  if (sample !== null && typeof sample === "object" && !Array.isArray(sample)) {
    junk.push({ ...sample, junk: 1 });
    for (const key of Object.keys(sample)) {
      for (const bad of [undefined, Number.NaN, 1.5, -1, 1e9, "x", null, [], {}]) junk.push({ ...sample, [key]: bad });
    }
  }
  if (typeof sample === "string") junk.push(`${sample}${"x".repeat(5000)}`, [sample], { move: sample });
  return junk;
}

/** Moves near the listed ones (a number off by some, a string from another move): mostly illegal ones. */
function nearMisses(listed: readonly unknown[], random: Random): unknown[] {
  const strings = new Set<string>();
  const collect = (value: unknown): void => {
    if (typeof value === "string") strings.add(value);
    else if (value !== null && typeof value === "object") Object.values(value).forEach(collect);
  };
  listed.forEach(collect);
  const pool = [...strings];
  const mutate = (value: unknown): unknown => {
    if (typeof value === "number") return [value + 1, value - 1, value + 7, -1, 0, 99, value * 3][random.int(7)];
    if (typeof value === "boolean") return !value;
    if (typeof value === "string") {
      const other = pool[random.int(Math.max(1, pool.length))] ?? value;
      return random.int(2) === 0 ? other : value.slice(0, -1) + "abcdefgh12345678"[random.int(16)];
    }
    if (Array.isArray(value)) {
      if (value.length === 0) return [0];
      const index = random.int(value.length);
      return value.map((inner, at) => (at === index ? mutate(inner) : inner));
    }
    if (value !== null && typeof value === "object") {
      const keys = Object.keys(value);
      const key = keys[random.int(Math.max(1, keys.length))];
      return key === undefined ? value : { ...value, [key]: mutate((value as Record<string, unknown>)[key]) };
    }
    return value;
  };
  return Array.from({ length: 12 }, () => mutate(listed[random.int(Math.max(1, listed.length))]));
}

function sampleOf<T>(items: readonly T[], random: Random): readonly T[] {
  return items.length <= SAMPLE ? items : random.shuffle(items).slice(0, SAMPLE);
}

/** The check of one rule over one scenario; throws Broken when the rule is broken. */
function checkRule(game: AnyGame, rule: Rule, scenario: Scenario, trail: { seat: Seat; move: unknown }[]): void {
  const roundTrips = (value: unknown, what: string) => {
    let copy: unknown;
    try {
      copy = JSON.parse(JSON.stringify(value) ?? "null");
    } catch (error) {
      throw new Broken("json-round-trip", `${what} is not JSON: ${String(error)}`);
    }
    if (!isDeepStrictEqual(copy, value))
      throw new Broken("json-round-trip", `${what} changes in a JSON round trip: ${firstDifference(value, copy)}`);
  };

  switch (rule) {
    case "json-round-trip": {
      play(game, scenario, trail, ({ engine, state }) => {
        roundTrips(state.game, "the state");
        for (const viewer of viewersOf(state.players)) roundTrips(engine.view(state, viewer), `${viewer}'s view`);
        for (const seat of engine.activeSeats(state))
          for (const move of game.legalMoves(state.game, seat)) roundTrips(move, `move ${show(move)}`);
      });
      return;
    }
    case "deterministic": {
      const first = play(game, scenario, [], ({ engine, state }) => {
        for (const viewer of viewersOf(state.players)) {
          const [once, again] = [canonical(engine.view(state, viewer)), canonical(engine.view(state, viewer))];
          if (once !== again) throw new Broken("deterministic", `${viewer}'s view differs between two calls`);
        }
        for (let seat = 0; seat < state.players; seat++) {
          const [once, again] = [game.legalMoves(state.game, seat), game.legalMoves(state.game, seat)];
          if (canonical(once) !== canonical(again))
            throw new Broken("deterministic", `seat ${seat}'s legalMoves differ between two calls`);
        }
      });
      const second = play(game, scenario, trail);
      first.states.forEach((state, index) => {
        const other = second.states[index];
        const difference = firstDifference(state, other);
        if (difference)
          throw new Broken("deterministic", `two plays of the same match differ after event ${index}: ${difference}`);
        if (canonical(first.events[index]) !== canonical(second.events[index]))
          throw new Broken(
            "deterministic",
            `event ${index} differs: ${firstDifference(first.events[index], second.events[index])}`,
          );
      });
      if (second.states.length !== first.states.length)
        throw new Broken("deterministic", "two plays logged different numbers of events");
      return;
    }
    case "listed-moves-pass": {
      play(game, scenario, trail, ({ engine, state, random }) => {
        const active = engine.activeSeats(state);
        for (let seat = 0; seat < state.players; seat++) {
          const listed = game.legalMoves(state.game, seat);
          if (!active.includes(seat)) {
            if (listed.length > 0)
              throw new Broken(rule, `seat ${seat} may not act but legalMoves lists ${show(listed[0])}`);
            continue;
          }
          if (listed.length === 0) throw new Broken(rule, `seat ${seat} may act but legalMoves lists nothing`);
          for (const move of sampleOf(listed, random)) {
            const checked = engine.check(state, seat, move);
            if (!checked.ok) {
              const { code, reason, message } = checked.error;
              throw new Broken(
                rule,
                `legalMoves lists ${show(move)} for seat ${seat}; refused ${reason ?? code}: ${message}`,
              );
            }
          }
          if (game.timeout.kind === "move") {
            const chosen = game.timeout.choose(state.game, seat);
            if (!engine.check(state, seat, chosen).ok)
              throw new Broken(rule, `the timeout policy picks ${show(chosen)} for seat ${seat}, which is refused`);
          }
        }
      });
      return;
    }
    case "unlisted-moves-refused": {
      play(game, scenario, trail, ({ engine, state, random }) => {
        const active = engine.activeSeats(state);
        for (let seat = 0; seat < state.players; seat++) {
          const listed = game.legalMoves(state.game, seat);
          const keys = new Set(listed.map(canonical));
          const others = active.includes(seat)
            ? []
            : engine.activeSeats(state).flatMap((other) => game.legalMoves(state.game, other));
          for (const move of [...nearMisses(listed.length > 0 ? listed : others, random), ...others.slice(0, 4)]) {
            if (keys.has(canonical(move))) continue;
            const checked = engine.check(state, seat, move);
            if (checked.ok) {
              // Another spelling of a listed move (chess takes SAN and UCI) is fine: it must do the same.
              const after = engine.apply(state, { kind: "move", seat, move: checked.value, id: "x" }, 0).game;
              const same = listed.some(
                (other) =>
                  canonical(engine.apply(state, { kind: "move", seat, move: other, id: "x" }, 0).game) ===
                  canonical(after),
              );
              if (!same)
                throw new Broken(rule, `seat ${seat}'s move ${show(move)} is accepted but legalMoves omits it`);
              continue;
            }
            const again = engine.check(state, seat, move);
            const { code, reason } = checked.error;
            if (!MOVE_REFUSALS.includes(code)) throw new Broken(rule, `refused with an unknown code ${code}`);
            if (code === "illegal" && (reason === undefined || !KEBAB.test(reason)))
              throw new Broken(rule, `${show(move)} is refused with the reason ${show(reason)}, not a kebab-case code`);
            if (again.ok || again.error.code !== code || again.error.reason !== reason)
              throw new Broken(
                rule,
                `${show(move)} is refused with ${reason ?? code}, then differently when asked again`,
              );
          }
        }
      });
      return;
    }
    case "schema-refuses-junk": {
      play(game, scenario, trail, ({ engine, state, random }) => {
        for (const seat of engine.activeSeats(state)) {
          for (const junk of junkFor(game.legalMoves(state.game, seat), random)) {
            let checked: ReturnType<Engine["check"]>;
            try {
              checked = engine.check(state, seat, junk);
            } catch (error) {
              throw new Broken(rule, `checking ${show(junk)} threw: ${String(error)}`);
            }
            if (checked.ok) throw new Broken(rule, `the move schema takes ${show(junk)}`);
          }
        }
      });
      return;
    }
    case "ends-within-bound": {
      play(game, scenario, trail, undefined, { bound: game.maxMoves ?? DEFAULT_BOUND });
      return;
    }
    case "replay-reproduces": {
      const played = play(game, scenario, trail);
      const log = JSON.parse(JSON.stringify(played.events)) as (MatchEvent & { at: number })[];
      const fresh = createEngine(game, played.engine.options, scenario.seed);
      let state = fresh.initial();
      log.forEach((event, index) => {
        state = fresh.apply(state, event, event.at);
        const difference = firstDifference(state, played.states[index]);
        if (difference) throw new Broken(rule, `the replayed log differs after event ${index}: ${difference}`);
      });
      // The Match's path on wake: a JSON snapshot from the middle, then the events after it.
      const middle = Math.floor(log.length / 2);
      let resumed = JSON.parse(JSON.stringify(played.states[middle])) as MatchState;
      for (const event of log.slice(middle + 1)) resumed = fresh.apply(resumed, event, event.at);
      const difference = firstDifference(resumed, played.states.at(-1));
      if (difference)
        throw new Broken(rule, `resuming from the JSON snapshot at event ${middle} differs: ${difference}`);
      return;
    }
    case "views-hide-secrets": {
      play(game, scenario, trail, ({ engine, state, random }) => {
        const viewers = viewersOf(state.players);
        if (!hasHiddenInformation(game)) {
          const spectator = canonical(engine.view(state, "spectator"));
          for (const viewer of viewers)
            if (canonical(engine.view(state, viewer)) !== spectator)
              throw new Broken(rule, `${viewer}'s view differs from the spectators' but the game has no view`);
          return;
        }
        if (!game.resampleHidden)
          throw new Broken(rule, "a game with hidden information needs resampleHidden to be checked");
        for (const viewer of viewers) {
          const resampled = game.resampleHidden(state.game, viewer, random);
          const other = { ...state, game: resampled };
          for (const seen of viewer === "spectator" ? ["spectator" as const] : [viewer, "spectator" as const]) {
            const difference = firstDifference(engine.view(state, seen), engine.view(other, seen));
            if (difference)
              throw new Broken(rule, `changing what ${viewer} cannot see changes ${seen}'s view: ${difference}`);
          }
          if (viewer !== "spectator") {
            const difference = firstDifference(game.legalMoves(state.game, viewer), game.legalMoves(resampled, viewer));
            if (difference)
              throw new Broken(rule, `changing what seat ${viewer} cannot see changes its legal moves: ${difference}`);
          }
        }
      });
      return;
    }
    case "moves-carry-no-secret": {
      if (!hasHiddenInformation(game)) return;
      play(game, scenario, trail, ({ engine, state, random }) => {
        for (const seat of engine.activeSeats(state)) {
          const after = sampleOf(game.legalMoves(state.game, seat), random).map((move) => ({
            move,
            state: engine.apply(state, { kind: "move", seat, move, id: "x" }, 0),
          }));
          for (const viewer of viewersOf(state.players).filter((viewer) => viewer !== seat)) {
            const seen = new Map<string, { move: unknown; state: string }>();
            for (const { move, state: next } of after) {
              const view = canonical(engine.view(next, viewer));
              const earlier = seen.get(view);
              const whole = canonical(next.game);
              if (earlier && earlier.state !== whole) {
                throw new Broken(
                  rule,
                  `seat ${seat}'s moves ${show(earlier.move)} and ${show(move)} leave ${viewer} the same view, yet the move is sent to ${viewer}`,
                );
              }
              seen.set(view, { move, state: whole });
            }
          }
        }
      });
      return;
    }
  }
}

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
