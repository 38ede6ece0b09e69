/**
 * The bench's output: each result as one JSON line on stdout (and in `--out`), followed by a
 * table; the side-by-side and ratio tables docs/performance.md quotes, and the targets summary.
 */
import { appendFileSync } from "node:fs";
import { progress } from "./log.ts";
import { machine, round } from "./proc.ts";
import { describe, table } from "./stats.ts";
import type { IdleResult } from "../scenarios/idle.ts";
import type { MatchmakingResult } from "../scenarios/matchmaking.ts";
import type { ProfileSummary } from "./profile.ts";
import type { SpectatorResult } from "../scenarios/spectators.ts";
import type { ThroughputResult } from "../scenarios/throughput.ts";
import type { MeterResult } from "../scenarios/meter.ts";
import type { WakeResult } from "../scenarios/wake.ts";
import { config, flags } from "./options.ts";

// ---------------------------------------------------------------------------------------------
// Output

export const results: unknown[] = [];
export function emit(result: object, rows: readonly (readonly [string, unknown])[], title: string): void {
  const line = JSON.stringify(result);
  results.push(result);
  console.log(line);
  console.log(table(title, rows));
  if (flags.out) appendFileSync(flags.out, `${line}\n`);
}

export function usageRows(
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

export function emitThroughput(result: ThroughputResult): void {
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

/**
 * What the runtime allows: the workerd floor against the Node floor, and how close Ply comes to
 * the workerd floor (both at the same M, run right after each other).
 */
export function emitWorkerdFloorRatio(
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
export function emitSideBySide(matches: number, roundNumber: number, p: ThroughputResult, w: ThroughputResult): void {
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

export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function emitSpectators(result: SpectatorResult): void {
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

export function emitWake(result: WakeResult): void {
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

export function emitMeter(result: MeterResult): void {
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

export function emitMatchmaking(result: MatchmakingResult): void {
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

export function emitIdle(result: IdleResult): void {
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

export function emitProfile(summary: ProfileSummary): void {
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

export function emitSummary(
  ply: Map<number, ThroughputResult>,
  floor: Map<number, ThroughputResult>,
  all: unknown[],
): void {
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
