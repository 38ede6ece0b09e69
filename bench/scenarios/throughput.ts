/**
 * Throughput: M concurrent Connect Four matches, two bots each, for a fixed time. Every bot
 * plays a random legal move as soon as it is its turn and both ask for a rematch when a game
 * ends (the next game comes on the same socket, or a rematch frame names it: see bench/lib/bot.ts;
 * no creation over HTTP, so none hits the per-player limit).
 */
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { Bot, type BotContext } from "../lib/bot.ts";
import { call, now, players } from "../lib/client.ts";
import { checkPersisted, type PersistReport } from "../lib/persist.ts";
import { round, totalCpuSeconds, UsageSampler, type UsageReport } from "../lib/proc.ts";
import type { RunningServer, ServerKind } from "../lib/servers.ts";
import { distribution, pool, Samples, Tally, type Distribution } from "../lib/stats.ts";
import { progress } from "../lib/log.ts";
import { heapUsage } from "../lib/profile.ts";

export interface ThroughputOptions {
  readonly matches: number;
  readonly durationS: number;
  /** HTTP requests and socket handshakes in flight at once during setup. */
  readonly setupConcurrency: number;
  /** Called right before the timed window opens and right after it closes (the CPU profile). */
  readonly window?: { start(): Promise<void>; stop(): Promise<void> };
}

export interface ThroughputResult {
  bench: "throughput";
  server: ServerKind;
  via: RunningServer["via"];
  matches: number;
  durationS: number;
  /** Moves broadcast back to their mover inside the timed window. */
  moves: number;
  movesPerS: number;
  /** Moves confirmed in each second of the window. */
  movesPerSecond: number[];
  /** Games that ended inside the window. */
  games: number;
  latencyMs: Distribution;
  /** New socket until its snapshot arrived, at the start (setupConcurrency handshakes at once). */
  connectMs: Distribution;
  /**
   * A game's end until the bot holds the next game's snapshot (Ply: on the same socket, welcomed
   * to the next game's id; floor.ts: a new match on a new socket; the workerd floor has none).
   */
  rematchMs: Distribution;
  /** A game's end (the bot sees it finished) until the bot sees the next game's first move, in the window. */
  nextGameMs: Distribution;
  /** Creating and joining the M matches over HTTP. */
  setupS: number;
  errors: Record<string, number>;
  rejections: Record<string, number>;
  usage: Record<string, UsageReport>;
  /** The isolate's V8 heap at the window's start and end (bare workerd, through its inspector); null without one. */
  heapMiB: { start: { usedMiB: number; totalMiB: number } | null; end: { usedMiB: number; totalMiB: number } | null };
  /** Server CPU (every process of it) per move, in milliseconds. */
  serverCpuMsPerMove: number | null;
  /** Of that, the workerd that runs the Worker and its objects (wrangler dev servers only). */
  workerdCpuMsPerMove: number | null;
  /** Bytes the server wrote to storage per move in the window (SQLite: WAL and checkpoints), in KB. */
  diskWriteKBPerMove: number | null;
  driverCpuS: number;
  /** CPU seconds the whole machine was busy in the window (2 cores: at most 2 × duration). */
  machineBusyCpuS: number;
  /** Of that, CPU used by processes other than the server's and the driver's (other load on the machine). */
  otherCpuS: number;
  persisted: PersistReport;
  ok: boolean;
}

export async function throughput(server: RunningServer, options: ThroughputOptions): Promise<ThroughputResult> {
  const { matches: m, durationS } = options;
  const tag = randomBytes(3).toString("hex");
  const [creators, joiners] = await Promise.all([
    players(server.secret, `c${tag}`, m),
    players(server.secret, `j${tag}`, m),
  ]);
  const errors = new Tally();
  const rejections = new Tally();
  const latency = new Samples();
  const connectMs = new Samples();
  const rematchMs = new Samples();
  const nextGameMs = new Samples();
  const counted = new Map<string, Set<string>>();
  const buckets = new Array<number>(Math.ceil(durationS)).fill(0);
  /** Each bot reports each game's end: two reports a game (the workerd floor plays many games per match id). */
  let gameEndReports = 0;
  let window = { start: Infinity, end: Infinity };
  let inWindow = 0;
  let sampleErrors = 0;

  const ctx: BotContext = {
    origin: server.origin,
    running: false,
    confirmed(bot, matchId, _seq, id, ms, at) {
      let set = counted.get(matchId);
      if (!set) {
        set = new Set();
        counted.set(matchId, set);
      }
      set.add(`${bot.seat}:${id}`);
      if (at >= window.start && at < window.end) {
        inWindow++;
        latency.push(ms);
        const bucket = Math.floor((at - window.start) / 1000);
        if (bucket < buckets.length) buckets[bucket]!++;
      }
    },
    finished() {
      const at = now();
      if (at >= window.start && at < window.end) {
        gameEndReports++;
      }
    },
    connected(_bot, ms, kind) {
      (kind === "initial" ? connectMs : rematchMs).push(ms);
    },
    handedOver(_bot, ms, at) {
      if (at >= window.start && at < window.end) nextGameMs.push(ms);
    },
    rejected(_bot, code) {
      rejections.add(code);
    },
    error(_bot, code, detail) {
      errors.add(code);
      if (sampleErrors++ < 5) progress(`  error ${code}: ${detail}`);
    },
  };

  // Setup: M matches created by M players and joined by M others (the match starts when full).
  const setupStart = now();
  const created = await pool(creators, options.setupConcurrency, async (creator, index) => {
    try {
      const match = await call<{ matchId: string }>(server.origin, "/api/matches", {
        body: { game: "connect-four" },
        token: creator.token,
      });
      await call(server.origin, `/api/matches/${match.matchId}/join`, { method: "POST", token: joiners[index]!.token });
      return match.matchId;
    } catch (error) {
      errors.add("setup");
      if (sampleErrors++ < 5) progress(`  setup: ${String(error)}`);
      return null;
    }
  });
  const setupS = round((now() - setupStart) / 1000, 2);
  const bots: Bot[] = [];
  const seated: { bot: Bot; matchId: string }[] = [];
  created.forEach((matchId, index) => {
    if (matchId === null) return;
    for (const player of [creators[index]!, joiners[index]!]) {
      const bot = new Bot(player, ctx);
      bots.push(bot);
      seated.push({ bot, matchId });
    }
  });
  await pool(seated, options.setupConcurrency, async ({ bot, matchId }) => {
    try {
      await bot.join(matchId, "initial");
    } catch (error) {
      errors.add("connect");
      if (sampleErrors++ < 5) progress(`  connect: ${String(error)}`);
    }
  });
  progress(
    `  ${created.filter(Boolean).length} matches created in ${setupS} s, ${connectMs.length} sockets ready; playing for ${durationS} s`,
  );

  // The timed window.
  const heapStart = options.window ? null : await heapUsage(server);
  await options.window?.start();
  const sampler = new UsageSampler(server.watched);
  sampler.start();
  const driverCpu = process.cpuUsage();
  const machineBefore = totalCpuSeconds();
  window = { start: now(), end: Infinity };
  ctx.running = true;
  for (const bot of bots) bot.kick();
  await delay(durationS * 1000);
  ctx.running = false;
  window = { ...window, end: now() };
  const usage = sampler.stop();
  const heapEnd = options.window ? null : await heapUsage(server);
  const driverUsed = process.cpuUsage(driverCpu);
  const machineBusyCpuS = round(totalCpuSeconds() - machineBefore, 2);
  await options.window?.stop();

  // Drain: moves in flight come back (they count for the durability check, not the rate).
  for (let waited = 0; waited < 15_000 && bots.some((bot) => bot.busy); waited += 50) await delay(50);
  const unconfirmed = bots.filter((bot) => bot.busy).length;
  for (const bot of bots) bot.close();

  const persisted = await checkPersisted(server.origin, counted, unconfirmed);
  const elapsedS = (window.end - window.start) / 1000;
  const serverCpuS = Object.values(usage).reduce((sum, report) => sum + report.cpuS, 0);
  return {
    bench: "throughput",
    server: server.kind,
    via: server.via,
    matches: m,
    durationS,
    moves: inWindow,
    movesPerS: round(inWindow / elapsedS, 1),
    movesPerSecond: buckets,
    games: Math.round(gameEndReports / 2),
    latencyMs: distribution(latency.values()),
    connectMs: distribution(connectMs.values()),
    rematchMs: distribution(rematchMs.values()),
    nextGameMs: distribution(nextGameMs.values()),
    setupS,
    errors: errors.counts,
    rejections: rejections.counts,
    usage,
    heapMiB: { start: heapStart, end: heapEnd },
    serverCpuMsPerMove: inWindow > 0 ? round((serverCpuS * 1000) / inWindow, 3) : null,
    workerdCpuMsPerMove: inWindow > 0 && usage.workerd ? round((usage.workerd.cpuS * 1000) / inWindow, 3) : null,
    diskWriteKBPerMove:
      inWindow > 0
        ? round((Object.values(usage).reduce((sum, report) => sum + report.diskWriteMB, 0) * 1000) / inWindow, 1)
        : null,
    driverCpuS: round((driverUsed.user + driverUsed.system) / 1e6, 2),
    machineBusyCpuS,
    otherCpuS: round(Math.max(0, machineBusyCpuS - serverCpuS - (driverUsed.user + driverUsed.system) / 1e6), 2),
    persisted,
    ok: persisted.ok && errors.total === 0,
  };
}
