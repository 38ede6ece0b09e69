/**
 * Wake latency: what a player of a slow game feels. M chess matches are played to `plies`
 * plies (random legal moves), then left alone with their sockets open until workerd has
 * evicted every match object (hibernation: the sockets stay with the runtime, the object and
 * its SQLite connection go; seen as workerd closing the objects' SQLite files). Then the
 * player on turn in every match moves at once, and each move is timed from the frame sent to
 * the moment both players have its event — the object is rebuilt on the way (Ply: its
 * snapshot and the log's tail; the floor: its log). Then one more move each on the now-warm
 * objects, timed the same way, for comparison.
 *
 * Eviction on bare workerd: workerd evicts an object about 10 s after its last event when it
 * can hibernate (no handler running, no timer pending, only hibernatable sockets). Restarting
 * workerd would evict everything too, but would also close the sockets (a reconnect wakes the
 * object before any move), so this waits instead, and reports how long it took.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { Bot, type BotContext } from "../lib/bot.ts";
import { call, now, players } from "../lib/client.ts";
import { progress } from "../lib/log.ts";
import { cpuSeconds, openFiles, round } from "../lib/proc.ts";
import type { RunningServer, ServerKind } from "../lib/servers.ts";
import { distribution, pool, Samples, Tally, type Distribution } from "../lib/stats.ts";

export interface WakeOptions {
  readonly matches: number;
  readonly plies: number;
  readonly setupConcurrency: number;
  /** Longest wait for every match object to be evicted. */
  readonly evictWaitS: number;
  /** Called around the round of moves on evicted objects (a CPU profile of the wakes). */
  readonly window?: { start(): Promise<void>; stop(): Promise<void> };
}

export interface WakeResult {
  bench: "wake";
  server: ServerKind;
  via: RunningServer["via"];
  matches: number;
  plies: number;
  /** Seconds from the last ply until workerd had closed the match objects' SQLite files; null: not within the wait. */
  evictedAfterS: number | null;
  /** workerd's open SQLite files: with every match active, and just before the measured moves. */
  sqliteFiles: { active: number; beforeWake: number; idleServer: number };
  /** Frame sent → every player of the match has the move's event: on evicted objects, then on warm ones. */
  wakeMs: Distribution;
  warmMs: Distribution;
  /** Frame sent → the mover has its own event, on evicted objects. */
  wakeMoverMs: Distribution;
  /** workerd CPU over each measured round of moves, per match (the wake's work, then a warm move's). */
  cpuMsPerMatch: { wake: number | null; warm: number | null };
  errors: Record<string, number>;
  ok: boolean;
}

export async function wake(server: RunningServer, options: WakeOptions): Promise<WakeResult> {
  const m = options.matches;
  const tag = randomBytes(3).toString("hex");
  const [creators, joiners] = await Promise.all([
    players(server.secret, `w${tag}`, m),
    players(server.secret, `v${tag}`, m),
  ]);
  const errors = new Tally();
  let sampleErrors = 0;
  const fail = (code: string, detail: string) => {
    errors.add(code);
    if (sampleErrors++ < 5) progress(`  error ${code}: ${detail}`);
  };
  const pids = () => server.watched.flatMap((group) => (group.label === "workerd" ? group.pids() : []));
  const sqliteFiles = () => pids().reduce((sum, pid) => sum + openFiles(pid).sqlite, 0);
  const idleServer = sqliteFiles();

  /** The measurement in progress: per match, when the move was sent and when each player had it. */
  let measuring: Map<string, { sentAt: number | null; moverAt: number | null; seen: Map<Bot, number> }> | null = null;
  const ctx: BotContext = {
    origin: server.origin,
    running: false,
    rematch: false,
    stopAtPlies: options.plies,
    confirmed(_bot, matchId, _seq, _id, ms, at) {
      const entry = measuring?.get(matchId);
      if (entry && entry.sentAt === null) {
        entry.sentAt = at - ms;
        entry.moverAt = at;
      }
    },
    observed(bot, matchId, event, at) {
      const entry = measuring?.get(matchId);
      if (entry && event.kind === "move" && !entry.seen.has(bot)) entry.seen.set(bot, at);
    },
    finished() {},
    connected() {},
    rejected(_bot, code) {
      fail(`rejected-${code}`, "");
    },
    error(_bot, code, detail) {
      fail(code, detail);
    },
  };

  // Setup: M chess matches (a long per-move limit: no timer fires while they sit evicted).
  const created = await pool(creators, options.setupConcurrency, async (creator, index) => {
    try {
      const match = await call<{ matchId: string }>(server.origin, "/api/matches", {
        body: { game: "chess", turnMs: 3_600_000 },
        token: creator.token,
      });
      await call(server.origin, `/api/matches/${match.matchId}/join`, { method: "POST", token: joiners[index]!.token });
      return match.matchId;
    } catch (error) {
      fail("setup", String(error));
      return null;
    }
  });
  const pairs: { matchId: string; bots: [Bot, Bot] }[] = [];
  created.forEach((matchId, index) => {
    if (matchId !== null)
      pairs.push({ matchId, bots: [new Bot(creators[index]!, ctx), new Bot(joiners[index]!, ctx)] });
  });
  const bots = pairs.flatMap((pair) => pair.bots);
  await pool(
    pairs.flatMap((pair) => pair.bots.map((bot) => ({ bot, matchId: pair.matchId }))),
    options.setupConcurrency,
    async ({ bot, matchId }) => {
      try {
        await bot.join(matchId, "initial");
      } catch (error) {
        fail("connect", String(error));
      }
    },
  );

  // Play every match to `plies` plies (a random game may end before: those are left out).
  ctx.running = true;
  for (const bot of bots) bot.kick();
  const playUntil = now() + 240_000;
  const reached = () => pairs.filter((pair) => pair.bots.every((bot) => bot.plies >= options.plies)).length;
  const settled = () => pairs.every((pair) => pair.bots.every((bot) => !bot.busy));
  while (now() < playUntil && !(reached() + ended(pairs) >= pairs.length && settled())) await delay(100);
  const ready = pairs.filter((pair) => pair.bots.every((bot) => bot.plies === options.plies && !bot.finishedGame));
  progress(`  ${ready.length} of ${pairs.length} matches at ${options.plies} plies; waiting for eviction`);
  const active = sqliteFiles();

  // Left alone until every match object is evicted.
  const aloneAt = now();
  let evictedAfterS: number | null = null;
  while (now() - aloneAt < options.evictWaitS * 1000) {
    await delay(500);
    if (sqliteFiles() <= idleServer + 3) {
      evictedAfterS = round((now() - aloneAt) / 1000, 1);
      break;
    }
  }
  const beforeWake = sqliteFiles();

  // One move in every match at once, on evicted objects; then one more, on warm objects.
  const cpu = () => pids().reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
  const measure = async (plies: number): Promise<{ all: Samples; mover: Samples; cpuMs: number | null }> => {
    const cpuBefore = cpu();
    measuring = new Map(ready.map((pair) => [pair.matchId, { sentAt: null, moverAt: null, seen: new Map() }]));
    ctx.stopAtPlies = plies;
    for (const pair of ready) for (const bot of pair.bots) bot.kick();
    const until = now() + 60_000;
    const done = () => [...measuring!.values()].every((entry) => entry.sentAt !== null && entry.seen.size === 2);
    while (!done() && now() < until) await delay(20);
    const all = new Samples();
    const mover = new Samples();
    for (const [matchId, entry] of measuring) {
      if (entry.sentAt === null || entry.seen.size < 2) {
        fail("wake-timeout", matchId);
        continue;
      }
      all.push(Math.max(...entry.seen.values()) - entry.sentAt);
      mover.push(entry.moverAt! - entry.sentAt);
    }
    measuring = null;
    const cpuMs = ready.length > 0 ? round(((cpu() - cpuBefore) * 1000) / ready.length, 2) : null;
    return { all, mover, cpuMs };
  };
  await options.window?.start();
  const woken = await measure(options.plies + 1);
  await options.window?.stop();
  const warm = await measure(options.plies + 2);
  ctx.running = false;
  for (const bot of bots) bot.close();
  return {
    bench: "wake",
    server: server.kind,
    via: server.via,
    matches: ready.length,
    plies: options.plies,
    evictedAfterS,
    sqliteFiles: { active, beforeWake, idleServer },
    wakeMs: distribution(woken.all.values()),
    warmMs: distribution(warm.all.values()),
    wakeMoverMs: distribution(woken.mover.values()),
    cpuMsPerMatch: { wake: woken.cpuMs, warm: warm.cpuMs },
    errors: errors.counts,
    ok: errors.total === 0 && evictedAfterS !== null,
  };
}

/** Matches whose game ended by itself before reaching the ply count (mate, draw). */
function ended(pairs: readonly { bots: readonly [Bot, Bot] }[]): number {
  return pairs.filter((pair) => pair.bots.some((bot) => !bot.busy && bot.plies > 0 && bot.finishedGame)).length;
}
