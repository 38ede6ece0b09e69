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
import { tmpdir } from "node:os";
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
import { startBare } from "./lib/workerd.ts";
import { idle } from "./scenarios/idle.ts";
import { matchmaking } from "./scenarios/matchmaking.ts";
import { cpuProfile, profiler } from "./lib/profile.ts";
import { spectators } from "./scenarios/spectators.ts";
import { throughput, type ThroughputResult } from "./scenarios/throughput.ts";
import { meter } from "./scenarios/meter.ts";
import { wake } from "./scenarios/wake.ts";
import { config, flags, smoke } from "./lib/options.ts";
import {
  emit,
  emitIdle,
  emitMatchmaking,
  emitMeter,
  emitProfile,
  emitSideBySide,
  emitSpectators,
  emitSummary,
  emitThroughput,
  emitWake,
  emitWorkerdFloorRatio,
  results,
  round3,
} from "./lib/report.ts";

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

/** Cores the machine kept busy over `seconds` (the bench itself is idle meanwhile). */
async function busyCores(seconds: number): Promise<number> {
  const before = totalCpuSeconds();
  await delay(seconds * 1000);
  return round((totalCpuSeconds() - before) / seconds, 2);
}

main().then(
  (code) => shutdown(code),
  (error: unknown) => {
    progress(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    void shutdown(1);
  },
);
