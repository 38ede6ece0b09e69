/**
 * Random matches for the checks: a scenario played through a fresh engine, with a visit at every
 * point before a move, and the odd moves (junk, near misses) the refusal rules try.
 */
import { createEngine, type Engine, type MatchState } from "../../shared/engine.ts";
import type { MatchEvent } from "../../shared/events.ts";
import type { AnyGame, Seat, Viewer } from "../../shared/game.ts";
import { createRandom, seedRandom, type Random } from "../../shared/random.ts";
import { parseOptions } from "../../shared/schema-issues.ts";
import { Broken, DEFAULT_BOUND, show } from "./rules.ts";

export interface Scenario {
  readonly players: number;
  readonly seed: string;
  /** One number per step: which active seat acts and which of its legal moves it makes. */
  readonly choices: readonly number[];
}

export interface Point {
  readonly engine: Engine;
  readonly state: MatchState;
  readonly index: number;
  readonly at: number;
  /** Chance for the checks at this point, fixed by the scenario and the step. */
  readonly random: Random;
}

export interface Played {
  readonly engine: Engine;
  readonly states: MatchState[];
  readonly events: (MatchEvent & { at: number })[];
  readonly moves: { seat: Seat; move: unknown }[];
}

const STEP_MS = 1_000;
/** Listed moves checked one by one at a point (a sample when there are more). */
const SAMPLE = 24;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export const viewersOf = (players: number): Viewer[] => [
  ...Array.from({ length: players }, (_, seat) => seat),
  "spectator",
];

/**
 * Plays `scenario` through a fresh engine: join, start, then one move per choice (a choice may
 * also let a per-move timeout play its move), calling `visit` at every point before a move.
 * With `toEnd`, play goes on with seeded random choices until the match ends or passes `bound`.
 */
export function play(
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
export function junkFor(listed: readonly unknown[], random: Random): unknown[] {
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
export function nearMisses(listed: readonly unknown[], random: Random): unknown[] {
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

export function sampleOf<T>(items: readonly T[], random: Random): readonly T[] {
  return items.length <= SAMPLE ? items : random.shuffle(items).slice(0, SAMPLE);
}
