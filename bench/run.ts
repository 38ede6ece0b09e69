/**
 * The benchmark: `npm run bench` (Ply and the durable workerd floor side by side at 200 matches,
 * the cost meter, the wake latency; on bare `workerd serve` unless `--mode dev`) or
 * `npm run bench:smoke` (a short run of most scenarios, for CI). Prints one JSON line per run
 * and a table, on stdout; progress goes to stderr. Everything runs on 127.0.0.1, bounded in
 * count and time, and every process it starts is stopped at the end, on failure and on Ctrl-C.
 * See docs/performance.md for the method and the figures.
 *
 *   node bench/run.ts [--mode bare|dev] [--matches 200] [--duration 20] [--rounds 2]
 *     [--scenarios throughput,workerd-floor,meter,wake,floor,spectators,matchmaking,idle,workerd-floor-spectators,workerd-floor-idle]
 *     [--meter-matches 50] [--wake-matches 10,200] [--wake-plies 60] [--floor-new-object]
 *     [--spectators 1000] [--spectator-moves 300] [--players 1000] [--idle 1000]
 *     [--idle-turn-ms 90000] [--setup-concurrency 16] [--direct] [--workerd-floor-memory] [--wait-quiet <minutes>]
 *     [--profile <matches>] [--profile-dir <dir>] [--no-minify] [--out results.jsonl] [--smoke]
 */
import { appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { parseArgs } from "node:util";
import { progress, silence } from "./lib/log.ts";
import { machine, round, totalCpuSeconds } from "./lib/proc.ts";
import { setTimeout as delay } from "node:timers/promises";
import {
  killAllNow,
  startFloor,
  startPly,
  startWorkerdFloor,
  stopAll,
  type RunningServer,
  type ServerKind,
} from "./lib/servers.ts";
import { describe, table } from "./lib/stats.ts";
import { startBare } from "./lib/workerd.ts";
import { idle, type IdleResult } from "./scenarios/idle.ts";
import { matchmaking, type MatchmakingResult } from "./scenarios/matchmaking.ts";
import { cpuProfile, profiler, type ProfileSummary } from "./lib/profile.ts";
import { spectators, type SpectatorResult } from "./scenarios/spectators.ts";
import { throughput, type ThroughputResult } from "./scenarios/throughput.ts";
import { meter, type MeterResult } from "./scenarios/meter.ts";
import { wake, type WakeResult } from "./scenarios/wake.ts";

const SCENARIOS = [
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
const DEFAULT_SCENARIOS: readonly Scenario[] = ["throughput", "workerd-floor", "meter", "wake"];
/** The CI smoke run: every scenario but the wake latency (its eviction waits) and the workerd floor's extras. */
const SMOKE_SCENARIOS: readonly Scenario[] = SCENARIOS.filter(
  (scenario) => scenario !== "wake" && !scenario.startsWith("workerd-floor-"),
);
type Scenario = (typeof SCENARIOS)[number];

const { values: flags } = parseArgs({
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
function int(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    console.error(`--${name} must be a whole number from ${min} to ${max}`);
    process.exit(2);
  }
  return parsed;
}

const smoke = flags.smoke;
if (flags.mode !== undefined && flags.mode !== "bare" && flags.mode !== "dev") {
  console.error("--mode is bare (workerd serve on the deploy bundle) or dev (wrangler dev)");
  process.exit(2);
}
const config = {
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

// ---------------------------------------------------------------------------------------------
// Cleanup on every exit path.

let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    silence("stopping servers");
    await stopAll().catch((error: unknown) => progress(`cleanup: ${String(error)}`));
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(130));
process.on("SIGTERM", () => void shutdown(143));
process.on("exit", () => killAllNow());
// A hard bound on the whole run: every scenario has its own, this catches anything they miss.
const boundMinutes =
  config.waitQuietMinutes +
  10 +
  config.matches.length * config.rounds * ((config.durationS * 2 + 150) / 60) +
  (config.scenarios.includes("idle") ? 6 : 0) +
  (config.scenarios.includes("wake") ? config.wakeMatches.length * 8 : 0) +
  (config.scenarios.includes("meter") ? 8 : 0) +
  8;
setTimeout(() => {
  progress(`the bench ran past its bound of ${Math.round(boundMinutes)} minutes: stopping`);
  void shutdown(124);
}, boundMinutes * 60_000).unref();

// ---------------------------------------------------------------------------------------------
// Output

const results: unknown[] = [];
function emit(result: object, rows: readonly (readonly [string, unknown])[], title: string): void {
  const line = JSON.stringify(result);
  results.push(result);
  console.log(line);
  console.log(table(title, rows));
  if (flags.out) appendFileSync(flags.out, `${line}\n`);
}

function usageRows(
  usage: Record<string, { rssPeakMiB: number; rssEndMiB: number; cpuS: number; diskWriteMB: number }>,
) {
  return Object.entries(usage).map(
    ([label, report]) =>
      [
        `${label} peak RSS / CPU / disk writes`,
        `${report.rssPeakMiB} MiB / ${report.cpuS} s / ${report.diskWriteMB} MB`,
      ] as const,
  );
}

function emitThroughput(result: ThroughputResult): void {
  const perSecond = [...result.movesPerSecond].sort((a, b) => a - b);
  emit(
    result,
    [
      ["moves (window)", `${result.moves} in ${result.durationS} s`],
      ["moves/s", result.movesPerS],
      [
        "moves/s per second (min / median / max)",
        `${perSecond[0]} / ${perSecond[Math.floor(perSecond.length / 2)]} / ${perSecond.at(-1)}`,
      ],
      ["games ended", result.games],
      [
        "V8 heap used / allocated: window start → end",
        result.heapMiB.start && result.heapMiB.end
          ? `${result.heapMiB.start.usedMiB} / ${result.heapMiB.start.totalMiB} → ${result.heapMiB.end.usedMiB} / ${result.heapMiB.end.totalMiB} MiB`
          : "—",
      ],
      ...Object.entries(result.usage).map(
        ([label, report]) =>
          [
            `${label} RSS start → end of window`,
            `${report.rssStartMiB} → ${report.rssEndMiB} MiB (${result.games > 0 ? round(((report.rssEndMiB - report.rssStartMiB) * 1000) / result.games, 1) : "—"} MiB per 1,000 games)`,
          ] as const,
      ),
      ["latency (send → own broadcast)", describe(result.latencyMs)],
      ["connection setup", describe(result.connectMs)],
      ["rematch hand-over (to the new snapshot)", describe(result.rematchMs)],
      ["game end → next game's first move", describe(result.nextGameMs)],
      ["HTTP setup of the matches", `${result.setupS} s`],
      ["errors", result.errors],
      ["rejections", result.rejections],
      ...usageRows(result.usage),
      [
        "server CPU per move",
        `${result.serverCpuMsPerMove} ms${result.workerdCpuMsPerMove === null ? "" : ` (workerd ${result.workerdCpuMsPerMove} ms)`}`,
      ],
      ["written to disk per move", `${result.diskWriteKBPerMove} KB`],
      ["driver CPU", `${result.driverCpuS} s`],
      ["machine busy CPU (all cores) / of it others'", `${result.machineBusyCpuS} s / ${result.otherCpuS} s`],
      [
        "persisted (counted / in log / missing)",
        `${result.persisted.counted} / ${result.persisted.persisted} / ${result.persisted.missing}${result.persisted.ok ? "" : "  <-- MISMATCH"}`,
      ],
    ],
    `throughput · ${result.server}${result.via === "floor" ? "" : ` (${result.via})`} · ${result.matches} matches`,
  );
  if (!result.persisted.ok) {
    progress(
      `!!! ${result.server} at ${result.matches} matches: moves persisted ≠ moves counted: ${JSON.stringify(result.persisted)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Runs

async function withServer<T>(
  kind: ServerKind,
  shared: Map<string, RunningServer>,
  run: (server: RunningServer) => Promise<T>,
  minify = config.minify,
): Promise<T> {
  let server = config.shareServers ? shared.get(kind) : undefined;
  if (!server) {
    progress(
      `starting ${kind === "floor" ? "the floor" : `${config.mode === "bare" ? "workerd serve" : "wrangler dev"} (${kind})`}`,
    );
    server =
      kind === "floor"
        ? await startFloor()
        : config.mode === "bare"
          ? await startBare(kind, {
              minify,
              // The unminified run is the CPU profile's; --inspector for the V8 heap figures (memory).
              inspector: !minify || config.inspector,
              vars: {
                ...(config.workerdFloorMemory && kind !== "ply" ? { FLOOR_MEMORY: "1" } : {}),
                ...(config.floorNewObject && kind !== "ply" ? { FLOOR_NEW_OBJECT: "1" } : {}),
              },
            })
          : kind === "ply"
            ? await startPly({ minify, direct: config.direct })
            : await startWorkerdFloor({ minify, direct: config.direct, memory: config.workerdFloorMemory });
    if (config.shareServers) shared.set(kind, server);
  }
  try {
    return await run(server);
  } finally {
    if (!config.shareServers) await server.stop();
  }
}

async function main(): Promise<number> {
  let otherCores = await busyCores(5);
  const quietUntil = Date.now() + config.waitQuietMinutes * 60_000;
  while (otherCores > 0.25 && Date.now() < quietUntil) {
    progress(`other load on the machine: ${otherCores} cores busy; waiting for it to settle`);
    await delay(25_000);
    otherCores = await busyCores(5);
  }
  const host = { ...machine(), otherCoresBusyAtStart: otherCores };
  progress(
    `machine: ${host.cpus} cores (${host.model}), ${host.memGiB} GiB, load ${host.load1}; node ${process.version}`,
  );
  emit(
    { bench: "machine", ...host, node: process.version, config },
    [
      ["cores", host.cpus],
      ["memory", `${host.memGiB} GiB`],
      ["load (1 min) at start", host.load1],
      ["cores busy with other work at start", host.otherCoresBusyAtStart],
    ],
    "machine",
  );

  const shared = new Map<string, RunningServer>();
  const ply = new Map<number, ThroughputResult>();
  const floor = new Map<number, ThroughputResult>();
  const workerdFloor = new Map<number, ThroughputResult>();
  let failed = false;
  let smokeFailed = false;

  for (const matches of config.matches) {
    // Ply and the workerd floor side by side: alternating, each round in the other order, so
    // that load from elsewhere on the shared machine falls on both alike.
    for (let roundIndex = 0; roundIndex < config.rounds; roundIndex++) {
      const order: ("ply" | "workerd-floor")[] =
        roundIndex % 2 === 0 ? ["ply", "workerd-floor"] : ["workerd-floor", "ply"];
      for (const kind of order) {
        if (kind === "ply" && config.scenarios.includes("throughput")) {
          progress(
            `throughput: Ply (${config.mode}), ${matches} matches, ${config.durationS} s, round ${roundIndex + 1}`,
          );
          const result = await withServer("ply", shared, (server) =>
            throughput(server, { matches, durationS: config.durationS, setupConcurrency: config.setupConcurrency }),
          );
          ply.set(matches, result);
          emitThroughput(result);
          failed ||= !result.persisted.ok;
          smokeFailed ||= !result.ok;
        }
        if (kind === "workerd-floor" && config.scenarios.includes("workerd-floor")) {
          progress(
            `throughput: workerd floor (${config.mode}), ${matches} matches, ${config.durationS} s, round ${roundIndex + 1}`,
          );
          const result = {
            ...(await withServer("workerd-floor", shared, (server) =>
              throughput(server, { matches, durationS: config.durationS, setupConcurrency: config.setupConcurrency }),
            )),
            // "memory": the --workerd-floor-memory diagnostic (no SQLite), not a durable floor.
            storage: config.workerdFloorMemory ? "memory" : "sqlite",
          };
          workerdFloor.set(matches, result);
          emitThroughput(result);
          // Without SQLite an evicted match forgets its log: the read-back can't pass, and isn't the point.
          if (!config.workerdFloorMemory) {
            failed ||= !result.persisted.ok;
            smokeFailed ||= !result.ok;
          }
        }
      }
      const pair = { ply: ply.get(matches), floor: workerdFloor.get(matches) };
      if (pair.ply && pair.floor) emitSideBySide(matches, roundIndex + 1, pair.ply, pair.floor);
    }
    if (config.scenarios.includes("floor")) {
      progress(`throughput: floor, ${matches} matches, ${config.durationS} s`);
      const result = await withServer("floor", shared, (server) =>
        throughput(server, { matches, durationS: config.durationS, setupConcurrency: config.setupConcurrency }),
      );
      floor.set(matches, result);
      emitThroughput(result);
      smokeFailed ||= !result.ok;
    }
    const a = ply.get(matches);
    const b = floor.get(matches);
    if (a && b) {
      const ratio = {
        bench: "floor-ratio",
        matches,
        movesPerS: { ply: a.movesPerS, floor: b.movesPerS, ratio: round3(a.movesPerS / b.movesPerS) },
        p99Ms: {
          ply: a.latencyMs.p99,
          floor: b.latencyMs.p99,
          ratio: a.latencyMs.p99 && b.latencyMs.p99 ? round3(a.latencyMs.p99 / b.latencyMs.p99) : null,
        },
        p50Ms: {
          ply: a.latencyMs.p50,
          floor: b.latencyMs.p50,
          ratio: a.latencyMs.p50 && b.latencyMs.p50 ? round3(a.latencyMs.p50 / b.latencyMs.p50) : null,
        },
      };
      emit(
        ratio,
        [
          [
            "moves/s Ply ÷ floor",
            `${ratio.movesPerS.ply} ÷ ${ratio.movesPerS.floor} = ${ratio.movesPerS.ratio} (target ≥ 0.5 at 200)`,
          ],
          [
            "p99 Ply ÷ floor",
            `${ratio.p99Ms.ply} ÷ ${ratio.p99Ms.floor} ms = ${ratio.p99Ms.ratio} (target ≤ 2 at 200)`,
          ],
          ["p50 Ply ÷ floor", `${ratio.p50Ms.ply} ÷ ${ratio.p50Ms.floor} ms = ${ratio.p50Ms.ratio}`],
        ],
        `Ply vs floor · ${matches} matches`,
      );
    }
    const w = workerdFloor.get(matches);
    if (w && (a || b)) emitWorkerdFloorRatio(matches, w, a, b);
    if (config.profile === matches) {
      progress(`CPU profile: Ply (not minified), ${matches} matches`);
      const summary = await withServer(
        "ply",
        new Map(),
        (server) =>
          cpuProfile(server, {
            matches,
            durationS: config.durationS,
            setupConcurrency: config.setupConcurrency,
            outDir: flags["profile-dir"] ?? tmpdir(),
          }),
        false,
      );
      emitProfile(summary);
    }
  }

  if (config.scenarios.includes("spectators")) {
    progress(`spectators: 1 match, ${config.spectators} spectators, ${config.spectatorMoves} moves`);
    const result = await withServer("ply", shared, (server) =>
      spectators(server, { spectators: config.spectators, moves: config.spectatorMoves }),
    );
    emitSpectators(result);
    smokeFailed ||= !result.ok;
    // The same fan-out from the floor: what the driver alone adds to the figure.
    progress(`spectators: the floor, ${config.spectators} spectators, ${config.spectatorMoves} moves`);
    const floorResult = await withServer("floor", shared, (server) =>
      spectators(server, { spectators: config.spectators, moves: config.spectatorMoves }),
    );
    emitSpectators(floorResult);
    smokeFailed ||= !floorResult.ok;
  }
  if (config.scenarios.includes("workerd-floor-spectators")) {
    // What the runtime allows for fan-out: one SQLite-backed object, hibernatable sockets, one serialisation per move.
    progress(`spectators: the workerd floor, ${config.spectators} spectators, ${config.spectatorMoves} moves`);
    const result = await withServer("workerd-floor", shared, (server) =>
      spectators(server, { spectators: config.spectators, moves: config.spectatorMoves }),
    );
    emitSpectators(result);
    smokeFailed ||= !result.ok;
  }
  if (config.scenarios.includes("matchmaking")) {
    progress(`matchmaking: ${config.players} players queue at once`);
    const result = await withServer("ply", shared, (server) => matchmaking(server, { players: config.players }));
    emitMatchmaking(result);
    smokeFailed ||= !result.ok;
  }
  if (config.scenarios.includes("idle")) {
    progress(`idle: ${config.idle} matches left idle (turn ${config.idleTurnMs} ms)`);
    const result = await withServer("ply", shared, (server) =>
      idle(server, {
        matches: config.idle,
        turnMs: config.idleTurnMs,
        hibernateWaitS: config.idleHibernateWaitS,
        setupConcurrency: config.setupConcurrency,
      }),
    );
    emitIdle(result);
    smokeFailed ||= !result.ok;
  }
  if (config.scenarios.includes("workerd-floor-idle")) {
    progress(`idle: the workerd floor, ${config.idle} matches left idle (turn ${config.idleTurnMs} ms)`);
    const result = await withServer("workerd-floor", shared, (server) =>
      idle(server, {
        matches: config.idle,
        turnMs: config.idleTurnMs,
        hibernateWaitS: config.idleHibernateWaitS,
        setupConcurrency: config.setupConcurrency,
      }),
    );
    emitIdle(result);
    smokeFailed ||= !result.ok;
  }

  if (config.scenarios.includes("wake")) {
    for (const matches of config.wakeMatches) {
      for (const kind of ["ply", "workerd-floor"] as const) {
        progress(`wake: ${kind} (${config.mode}), ${matches} chess matches ${config.wakePlies} plies in`);
        // A fresh server each (the smoke run's shared one would keep other objects busy).
        const profiling = config.profileWake && kind === "ply";
        let summary: Awaited<ReturnType<Awaited<ReturnType<typeof profiler>>["stop"]>> | null = null;
        const result = await withServer(
          kind,
          new Map(),
          async (server) => {
            const profile = profiling
              ? await profiler(server, `ply-wake-${matches}`, flags["profile-dir"] ?? tmpdir())
              : null;
            return wake(server, {
              matches,
              plies: config.wakePlies,
              setupConcurrency: config.setupConcurrency,
              evictWaitS: smoke ? 30 : 60,
              ...(profile
                ? {
                    window: {
                      start: () => profile.start(),
                      stop: async () => {
                        summary = await profile.stop();
                      },
                    },
                  }
                : {}),
            });
          },
          profiling ? false : config.minify,
        );
        emitWake(result);
        if (summary) emitProfile({ bench: "profile", matches, run: null, ...(summary as object) } as never);
        smokeFailed ||= !result.ok;
      }
    }
  }

  if (config.scenarios.includes("meter")) {
    // Ply bundled with the cost meter (bench/meter/entry.ts) on bare workerd, whatever --mode says:
    // the counts don't depend on the tooling. Its own server: the meter's totals start at zero.
    for (const [game, resignAtPlies] of [
      ["connect-four", undefined],
      ["chess", 80],
    ] as const) {
      progress(`cost meter: ${config.meterMatches} ${game} matches`);
      const server = await startBare("ply", {
        minify: config.minify,
        entry: "bench/meter/entry.ts",
        extraFlags: ["nodejs_als"],
        permissiveLimits: true,
      });
      try {
        const result = await meter(server, {
          game,
          matches: config.meterMatches,
          setupConcurrency: config.setupConcurrency,
          ...(resignAtPlies === undefined ? {} : { resignAtPlies }),
        });
        emitMeter(result);
        smokeFailed ||= !result.ok;
      } finally {
        await server.stop();
      }
    }
  }

  emitSummary(ply, floor, results);
  if (failed) progress("!!! moves persisted ≠ moves counted in at least one run (see above)");
  if (smoke && smokeFailed) progress("!!! smoke run failed: errors or a persistence mismatch (see above)");
  return failed || (smoke && smokeFailed) ? 1 : 0;
}

/**
 * What the runtime allows: the workerd floor against the Node floor, and how close Ply comes to
 * the workerd floor (both at the same M, run right after each other).
 */
function emitWorkerdFloorRatio(
  matches: number,
  w: ThroughputResult,
  ply: ThroughputResult | undefined,
  floor: ThroughputResult | undefined,
): void {
  const ratio = (x: number | null | undefined, y: number | null | undefined) => (x && y ? round3(x / y) : null);
  const result = {
    bench: "workerd-floor-ratio",
    matches,
    storage: (w as { storage?: string }).storage ?? "sqlite",
    movesPerS: {
      ply: ply?.movesPerS ?? null,
      workerdFloor: w.movesPerS,
      floor: floor?.movesPerS ?? null,
      workerdFloorVsFloor: ratio(w.movesPerS, floor?.movesPerS),
      plyVsWorkerdFloor: ratio(ply?.movesPerS, w.movesPerS),
    },
    p99Ms: {
      ply: ply?.latencyMs.p99 ?? null,
      workerdFloor: w.latencyMs.p99,
      floor: floor?.latencyMs.p99 ?? null,
      workerdFloorVsFloor: ratio(w.latencyMs.p99, floor?.latencyMs.p99),
      plyVsWorkerdFloor: ratio(ply?.latencyMs.p99, w.latencyMs.p99),
    },
    workerdCpuMsPerMove: { ply: ply?.workerdCpuMsPerMove ?? null, workerdFloor: w.workerdCpuMsPerMove },
  };
  emit(
    result,
    [
      [
        "moves/s workerd floor ÷ floor",
        `${w.movesPerS} ÷ ${floor?.movesPerS ?? "—"} = ${result.movesPerS.workerdFloorVsFloor ?? "—"} (what the runtime allows; Ply's target ≥ 0.5 at 200)`,
      ],
      [
        "moves/s Ply ÷ workerd floor",
        `${ply?.movesPerS ?? "—"} ÷ ${w.movesPerS} = ${result.movesPerS.plyVsWorkerdFloor ?? "—"}`,
      ],
      [
        "p99 workerd floor ÷ floor",
        `${w.latencyMs.p99} ÷ ${floor?.latencyMs.p99 ?? "—"} ms = ${result.p99Ms.workerdFloorVsFloor ?? "—"} (Ply's target ≤ 2 at 200)`,
      ],
      [
        "p99 Ply ÷ workerd floor",
        `${ply?.latencyMs.p99 ?? "—"} ÷ ${w.latencyMs.p99} ms = ${result.p99Ms.plyVsWorkerdFloor ?? "—"}`,
      ],
      ["workerd CPU per move: Ply / workerd floor", `${ply?.workerdCpuMsPerMove ?? "—"} / ${w.workerdCpuMsPerMove} ms`],
    ],
    `workerd floor vs floor and Ply · ${matches} matches`,
  );
}

/**
 * The table docs/performance.md leads with: Ply and the durable workerd floor, one round, same
 * mode, with the issue's targets (Ply ≥ 0.6× the floor's moves/s, p99 ≤ 1.5×, CPU per move ≤ 2×,
 * game end → next game's first move p50 ≤ 20 ms) and the machine's load when the round ended.
 */
function emitSideBySide(matches: number, roundNumber: number, p: ThroughputResult, w: ThroughputResult): void {
  const ratio = (x: number | null | undefined, y: number | null | undefined) => (x && y ? round3(x / y) : null);
  const cpuUs = (r: ThroughputResult) =>
    r.workerdCpuMsPerMove === null ? null : Math.round(r.workerdCpuMsPerMove * 1000);
  const load = machine().load1;
  const result = {
    bench: "side-by-side",
    mode: config.mode,
    via: p.via,
    matches,
    round: roundNumber,
    load1: load,
    ply: { movesPerS: p.movesPerS, p99Ms: p.latencyMs.p99, cpuUsPerMove: cpuUs(p), nextGameP50Ms: p.nextGameMs.p50 },
    floor: { movesPerS: w.movesPerS, p99Ms: w.latencyMs.p99, cpuUsPerMove: cpuUs(w), nextGameP50Ms: w.nextGameMs.p50 },
    ratios: {
      movesPerS: ratio(p.movesPerS, w.movesPerS),
      p99: ratio(p.latencyMs.p99, w.latencyMs.p99),
      cpuPerMove: ratio(p.workerdCpuMsPerMove, w.workerdCpuMsPerMove),
    },
    targets: {
      movesPerS: ">= 0.6x",
      p99: "<= 1.5x",
      cpuPerMove: "<= 2x",
      nextGameP50Ms: "<= 20",
    },
  };
  const row = (name: string, r: ThroughputResult) =>
    [
      name,
      `${r.movesPerS} moves/s · p99 ${r.latencyMs.p99} ms · ${cpuUs(r)} µs CPU/move · next game p50 ${r.nextGameMs.p50} ms`,
    ] as const;
  emit(
    result,
    [
      row("Ply", p),
      row("workerd floor (durable)", w),
      [
        "Ply ÷ floor",
        `moves/s ${result.ratios.movesPerS} (target ≥ 0.6) · p99 ${result.ratios.p99} (≤ 1.5) · CPU/move ${result.ratios.cpuPerMove} (≤ 2) · next game p50 ${p.nextGameMs.p50} ms (≤ 20)`,
      ],
      ["load (1 min) after the round", load],
    ],
    `side by side · ${config.mode === "bare" ? "bare workerd serve" : `wrangler dev (${p.via})`} · ${matches} matches · round ${roundNumber}`,
  );
}

/** Cores the machine kept busy over `seconds` (the bench itself is idle meanwhile). */
async function busyCores(seconds: number): Promise<number> {
  const before = totalCpuSeconds();
  await delay(seconds * 1000);
  return round((totalCpuSeconds() - before) / seconds, 2);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function emitSpectators(result: SpectatorResult): void {
  emit(
    result,
    [
      ["spectators", result.spectators],
      ["moves measured", result.moves],
      ["move → last spectator", describe(result.lastSpectatorMs)],
      ["move → first spectator", describe(result.firstSpectatorMs)],
      ["move → mover's broadcast", describe(result.moverMs)],
      ["spectators (re)connecting per game", describe(result.reconnectAllMs)],
      ["errors", result.errors],
      ...usageRows(result.usage),
    ],
    `spectators · ${result.server}${result.server === "floor" ? "" : ` (${result.via})`} · ${result.spectators} on one match`,
  );
}

function emitWake(result: WakeResult): void {
  emit(
    result,
    [
      ["matches / plies before", `${result.matches} / ${result.plies}`],
      [
        "evicted after (SQLite files closed)",
        `${result.evictedAfterS ?? "not within the wait"} s (files: idle server ${result.sqliteFiles.idleServer}, active ${result.sqliteFiles.active}, before the move ${result.sqliteFiles.beforeWake})`,
      ],
      ["move on an evicted object → every player", describe(result.wakeMs)],
      ["  → the mover", describe(result.wakeMoverMs)],
      ["move on a warm object → every player", describe(result.warmMs)],
      [
        "workerd CPU per match: wake round / warm round",
        `${result.cpuMsPerMatch.wake ?? "—"} / ${result.cpuMsPerMatch.warm ?? "—"} ms`,
      ],
      ["errors", result.errors],
    ],
    `wake · ${result.server} (${result.via}) · ${result.matches} chess matches`,
  );
}

function emitMeter(result: MeterResult): void {
  const money = (value: number) => `$${value.toFixed(4)}`;
  const units = (u: MeterResult["units"]["total"]) =>
    `${u.requests} req · ${u.wsMessages} ws msgs · ${u.activeS} s active · ${u.rowsRead} rows read · ${u.rowsWritten} rows written`;
  const d = result.dollarsPer1000Matches;
  emit(
    result,
    [
      ["matches (finished) / moves", `${result.matches} (${result.finished}) / ${result.moves}`],
      ...(["setup", "matchmaking", "play", "after", "total"] as const).map(
        (phase) => [`units · ${phase}`, units(result.units[phase])] as const,
      ),
      [
        "per move (Match, play phase)",
        `${result.perMove.rowsWritten} rows written (of them setAlarm ${result.perMove.setAlarm}) · ${result.perMove.rowsRead} rows read · ${result.perMove.wsMessages} ws msgs · ${result.perMove.requests} requests`,
      ],
      ...result.moveStatements
        .slice(0, 8)
        .map(
          (row) =>
            [
              `  ${row.callsPerMove}×/move, ${row.rowsWrittenPerMove} w, ${row.rowsReadPerMove} r`,
              row.statement.slice(0, 90),
            ] as const,
        ),
      ...Object.entries(result.byClass).map(
        ([name, u]) =>
          [`by class · ${name} (${u.objects} objects)`, `${units(u)} · rpc ${JSON.stringify(u.rpc)}`] as const,
      ),
      ["stored (all objects)", `${(result.units.total.storedBytes / 1e6).toFixed(2)} MB`],
      [
        "$ per 1,000 matches (as played)",
        `${money(d.total)} = requests ${money(d.requests)} + duration ${money(d.duration)} + rows read ${money(d.rowsRead)} + rows written ${money(d.rowsWritten)} + Worker requests ${money(d.workerRequests)}; then storage ${money(d.storageMonth)} a month while kept`,
      ],
      ...(result.dollarsPer1000AtPlies
        ? [
            [
              `$ per 1,000 games of ${result.dollarsPer1000AtPlies.plies} plies`,
              `${money(result.dollarsPer1000AtPlies.total)} (rows written ${money(result.dollarsPer1000AtPlies.rowsWritten)}, duration ${money(result.dollarsPer1000AtPlies.duration)}); then storage ${money(result.dollarsPer1000AtPlies.storageMonth)} a month`,
            ] as const,
          ]
        : []),
      ["prices", `Workers Paid, as of ${result.prices.asOf} (bench/meter/prices.ts)`],
      ["target (Connect Four)", "≤ 2 rows written per move, ≤ $0.05 per 1,000 matches"],
      ["errors", result.errors],
    ],
    `cost meter · ${result.game} · bare workerd · ${result.matches} ranked matches from nothing`,
  );
}

function emitMatchmaking(result: MatchmakingResult): void {
  emit(
    result,
    [
      ["players", result.players],
      ["pairs", `${result.pairs} (matches started: ${result.started})`],
      ["pairs/s", result.pairsPerS],
      ["time to match", describe(result.timeToMatchMs)],
      ["ticket POST", describe(result.ticketMs)],
      ["all matched after", `${result.makespanS} s`],
      ["errors", result.errors],
      ...usageRows(result.usage),
    ],
    `matchmaking · ${result.players} players at once`,
  );
}

function emitIdle(result: IdleResult): void {
  emit(
    result,
    [
      ["matches", result.matches],
      ["workerd RSS idle server", `${result.rssMiB.idleServer} MiB`],
      ["workerd RSS all matches active", `${result.rssMiB.active} MiB`],
      [
        "workerd RSS after hibernation",
        `${result.rssMiB.hibernated} MiB (Δ idle ${result.rssMiB.deltaHibernatedVsIdle} MiB = ${result.deltaMB} MB)`,
      ],
      ["left alone for", `${result.leftAloneS} s`],
      [
        "SQLite files open: idle / active / alone",
        `${result.openFiles.idleServer.sqlite} / ${result.openFiles.active.sqlite} / ${result.openFiles.hibernated.sqlite}`,
      ],
      [
        "every match evicted after",
        result.evictedAfterS === null ? "never (within the wait)" : `${result.evictedAfterS} s`,
      ],
      ["workerd RSS after the timers fired", `${result.rssMiB.afterTimers} MiB`],
      ["ended by timeout (summary)", `${result.timedOut} / ${result.matches}`],
      ["sockets that saw the timeout", `${result.socketsNotified} / ${result.sockets}`],
      ["timer lateness (end − deadline)", describe(result.timerLateMs)],
      ["errors", result.errors],
    ],
    `idle · ${result.server} (${result.via}) · ${result.matches} hibernated matches`,
  );
}

function emitProfile(summary: ProfileSummary): void {
  emit(
    summary,
    [
      [
        "run",
        summary.run
          ? `${summary.run.movesPerS} moves/s, ${summary.run.serverCpuMsPerMove} ms server CPU per move, ${summary.samples} samples`
          : `the wake round (moves on evicted objects), ${summary.samples} samples`,
      ],
      ["file", summary.file],
      ...summary.top.map((row) => [`self ${String(row.selfPct).padStart(5)}%  ${row.function}`, row.location] as const),
      ...summary.inclusive.map(
        (row) => [`total ${String(row.totalPct).padStart(5)}%  ${row.function}`, row.location] as const,
      ),
    ],
    `CPU profile · Ply (not minified) · ${summary.matches} matches${summary.run ? "" : " · wake"}`,
  );
}

function emitSummary(ply: Map<number, ThroughputResult>, floor: Map<number, ThroughputResult>, all: unknown[]): void {
  const at200 = { ply: ply.get(200), floor: floor.get(200) };
  const spectator = all.find(
    (item): item is SpectatorResult =>
      (item as { bench?: string; server?: string }).bench === "spectators" &&
      (item as { server?: string }).server === "ply",
  );
  const idleRun = all.find(
    (item): item is IdleResult =>
      (item as { bench?: string }).bench === "idle" && (item as { server?: string }).server === "ply",
  );
  const targets = {
    bench: "targets",
    movesPerSAt200VsFloor:
      at200.ply && at200.floor
        ? {
            ratio: round3(at200.ply.movesPerS / at200.floor.movesPerS),
            target: ">= 0.5",
            met: at200.ply.movesPerS / at200.floor.movesPerS >= 0.5,
          }
        : null,
    p99At200VsFloor:
      at200.ply?.latencyMs.p99 && at200.floor?.latencyMs.p99
        ? {
            ratio: round3(at200.ply.latencyMs.p99 / at200.floor.latencyMs.p99),
            target: "<= 2",
            met: at200.ply.latencyMs.p99 / at200.floor.latencyMs.p99 <= 2,
          }
        : null,
    durableAt200: at200.ply
      ? { persisted: at200.ply.persisted.persisted, counted: at200.ply.persisted.counted, met: at200.ply.persisted.ok }
      : null,
    spectatorP99Ms: spectator
      ? {
          p99: spectator.lastSpectatorMs.p99,
          spectators: spectator.spectators,
          target: "<= 50 ms",
          met: (spectator.lastSpectatorMs.p99 ?? Infinity) <= 50,
        }
      : null,
    idleRssDeltaMB: idleRun
      ? {
          deltaMB: idleRun.deltaMB,
          matches: idleRun.matches,
          target: "<= 50 MB",
          met: idleRun.deltaMB <= 50,
          timersFired: idleRun.timedOut === idleRun.matches,
        }
      : null,
  };
  emit(
    targets,
    Object.entries(targets)
      .filter(([key]) => key !== "bench")
      .map(([key, value]) => [key, value] as const),
    "targets",
  );
}

main().then(
  (code) => shutdown(code),
  (error: unknown) => {
    progress(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    void shutdown(1);
  },
);
