/**
 * The bench's command line (see bench/run.ts for the usage): the scenarios, the flags and the
 * run's configuration. Parsed when this module is first imported; `--help` prints the usage and
 * exits, and a bad flag exits with status 2.
 */
import { parseArgs } from "node:util";

export const SCENARIOS = [
  "throughput",
  "floor",
  "workerd-floor",
  "spectators",
  "matchmaking",
  "idle",
  "workerd-floor-spectators",
  "workerd-floor-idle",
  "meter",
  "wake",
] as const;
/**
 * The default run: Ply and the durable workerd floor side by side, the cost meter, the wake
 * latency. The rest by name: the Node floor, spectators, matchmaking, idle memory, and the
 * spectator and idle scenarios on the workerd floor.
 */
export const DEFAULT_SCENARIOS: readonly Scenario[] = ["throughput", "workerd-floor", "meter", "wake"];
/** The CI smoke run: every scenario but the wake latency (its eviction waits) and the workerd floor's extras. */
export const SMOKE_SCENARIOS: readonly Scenario[] = SCENARIOS.filter(
  (scenario) => scenario !== "wake" && !scenario.startsWith("workerd-floor-"),
);
export type Scenario = (typeof SCENARIOS)[number];

export const { values: flags } = parseArgs({
  options: {
    matches: { type: "string" },
    duration: { type: "string" },
    scenarios: { type: "string" },
    spectators: { type: "string" },
    "spectator-moves": { type: "string" },
    players: { type: "string" },
    idle: { type: "string" },
    "idle-turn-ms": { type: "string" },
    "setup-concurrency": { type: "string" },
    profile: { type: "string" },
    "profile-dir": { type: "string" },
    "no-minify": { type: "boolean", default: false },
    direct: { type: "boolean", default: false },
    "workerd-floor-memory": { type: "boolean", default: false },
    out: { type: "string" },
    "meter-matches": { type: "string" },
    "wake-matches": { type: "string" },
    "wake-plies": { type: "string" },
    "floor-new-object": { type: "boolean", default: false },
    "profile-wake": { type: "boolean", default: false },
    inspector: { type: "boolean", default: false },
    smoke: { type: "boolean", default: false },
    "wait-quiet": { type: "string" },
    mode: { type: "string" },
    rounds: { type: "string" },
    help: { type: "boolean", default: false },
  },
  strict: true,
});

if (flags.help) {
  console.log(
    "usage: node bench/run.ts [--mode bare|dev] [--matches 200] [--duration 20] [--rounds 2] [--meter-matches 50]" +
      " [--wake-matches 10,200] [--wake-plies 60] [--floor-new-object] [--scenarios " +
      SCENARIOS.join(",") +
      "] [--spectators 1000] [--spectator-moves 300] [--players 1000] [--idle 1000] [--idle-turn-ms 90000]" +
      " [--setup-concurrency 16] [--direct] [--workerd-floor-memory] [--wait-quiet <minutes>] [--profile <matches>] [--profile-dir <dir>]" +
      " [--no-minify] [--out file.jsonl] [--smoke]",
  );
  process.exit(0);
}

/** A whole number flag within [min, max]. */
export function int(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    console.error(`--${name} must be a whole number from ${min} to ${max}`);
    process.exit(2);
  }
  return parsed;
}

export const smoke = flags.smoke;
if (flags.mode !== undefined && flags.mode !== "bare" && flags.mode !== "dev") {
  console.error("--mode is bare (workerd serve on the deploy bundle) or dev (wrangler dev)");
  process.exit(2);
}
export const config = {
  /** bare: `workerd serve` on the deploy bundle (bench/lib/workerd.ts); dev: `wrangler dev`, as `npm start` runs it. */
  mode: (flags.mode ?? "bare") as "bare" | "dev",
  /** Ply and the workerd floor alternate this many times at each M (the machine is shared: rounds show the spread). */
  rounds: int("rounds", flags.rounds, smoke ? 1 : 2, 1, 10),
  matches: (flags.matches ?? (smoke ? "4" : "200")).split(",").map((item) => int("matches", item.trim(), 0, 1, 5000)),
  durationS: int("duration", flags.duration, smoke ? 3 : 20, 1, 600),
  scenarios: (flags.scenarios ?? (smoke ? SMOKE_SCENARIOS : DEFAULT_SCENARIOS).join(","))
    .split(",")
    .map((item) => item.trim()) as Scenario[],
  spectators: int("spectators", flags.spectators, smoke ? 20 : 1000, 1, 5000),
  spectatorMoves: int("spectator-moves", flags["spectator-moves"], smoke ? 15 : 300, 1, 10_000),
  players: int("players", flags.players, smoke ? 20 : 1000, 2, 10_000),
  idle: int("idle", flags.idle, smoke ? 6 : 1000, 1, 10_000),
  idleTurnMs: int("idle-turn-ms", flags["idle-turn-ms"], smoke ? 3_000 : 90_000, 1_000, 600_000),
  /** The smoke run doesn't wait for hibernation, only for the timers. */
  idleHibernateWaitS: smoke ? 0 : 40,
  setupConcurrency: int("setup-concurrency", flags["setup-concurrency"], 16, 1, 256),
  profile: flags.profile === undefined ? null : int("profile", flags.profile, 0, 1, 5000),
  minify: !flags["no-minify"],
  /** Past wrangler's dev proxy, straight to the Worker's workerd. */
  direct: flags.direct,
  /** Diagnostic: the workerd floor without SQLite (not durable; labelled "workerd-floor-memory" in its lines). */
  workerdFloorMemory: flags["workerd-floor-memory"],
  /** Wait up to this many minutes for the machine to be quiet (other load under 0.25 of a core) first. */
  waitQuietMinutes: int("wait-quiet", flags["wait-quiet"], 0, 0, 120),
  /** Matches of each game in the cost meter's run. */
  meterMatches: int("meter-matches", flags["meter-matches"], smoke ? 2 : 50, 1, 1000),
  /** Concurrent matches of the wake scenario's runs, and the plies played before they are left to hibernate. */
  wakeMatches: (flags["wake-matches"] ?? (smoke ? "2" : "10,200"))
    .split(",")
    .map((item) => int("wake-matches", item.trim(), 0, 1, 2000)),
  wakePlies: int("wake-plies", flags["wake-plies"], smoke ? 4 : 60, 1, 200),
  /** Bare workerd with its inspector open: throughput runs report the V8 heap (a memory diagnostic; costs CPU). */
  inspector: flags.inspector,
  /** Profile Ply's round of moves on evicted objects in the wake scenario (bundle not minified). */
  profileWake: flags["profile-wake"],
  /** Diagnostic (memory): the workerd floor plays each next game in a new object, as Ply does. */
  floorNewObject: flags["floor-new-object"],
  /** Smoke: one server of each kind for every scenario (starting wrangler dev is the slow part). */
  shareServers: smoke,
};
if (config.players % 2 !== 0) {
  console.error("--players must be even (Connect Four pairs them)");
  process.exit(2);
}
for (const scenario of config.scenarios) {
  if (!SCENARIOS.includes(scenario)) {
    console.error(`unknown scenario ${scenario}; choose from ${SCENARIOS.join(", ")}`);
    process.exit(2);
  }
}
