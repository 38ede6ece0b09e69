/**
 * The rules check-game holds every game to, what a broken one reports, and the JSON comparisons
 * the checks and their messages share.
 */
import type { Seat } from "../../shared/game.ts";

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
export class Broken extends Error {
  readonly rule: Rule;
  // No parameter property: Node runs this file by stripping types, which cannot rewrite them.
  constructor(rule: Rule, message: string) {
    super(message);
    this.rule = rule;
  }
}

/** JSON with sorted keys: two values are the same move or view when these strings are equal. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

export const show = (value: unknown): string => {
  const text = canonical(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** The first path where two JSON values differ, for messages. */
export function firstDifference(a: unknown, b: unknown, path = "$"): string {
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
