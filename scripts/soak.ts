/**
 * Soak: many concurrent matches of SDK bots against one real `wrangler dev` for a while, each
 * slot starting a new match (with two new players: match creation is limited per player) when
 * its match ends. workerd's RSS is sampled from /proc every few seconds. At the end: errors
 * (0 expected), the RSS series (first, last, max, least-squares slope) and moves persisted
 * (move events in every match's log) = moves counted (moves the bots saw acknowledged).
 *
 *   npm run soak -- --matches 200 --minutes 10 [--pace-ms 200] [--sample-ms 5000]
 *
 * Loopback only; the server is stopped at the end, also on failure.
 */
import { rm } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import type { MatchClient } from "../client/sdk.ts";
import {
  checkMatch,
  flag,
  isMain,
  runMain,
  newTable,
  playPaced,
  pool,
  rssBytes,
  seat,
  Server,
  stopAll,
  type Seen,
  type Table,
} from "./crash.ts";

export interface SoakOptions {
  readonly matches: number;
  readonly seconds: number;
  /** Mean think time of a bot before each move, in ms. */
  readonly paceMs: number;
  readonly sampleMs: number;
  readonly log?: (line: string) => void;
}

export interface SoakReport {
  readonly ok: boolean;
  readonly seconds: number;
  readonly concurrent: number;
  readonly matchesStarted: number;
  readonly matchesFinished: number;
  readonly movesCounted: number;
  readonly movesPersisted: number;
  readonly errors: number;
  readonly rssMiB: {
    readonly first: number;
    readonly last: number;
    readonly max: number;
    readonly min: number;
    readonly slopeMiBPerMinute: number;
    readonly secondHalfSlopeMiBPerMinute: number;
    readonly samples: number;
  };
  readonly problems: string[];
}

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Least-squares slope of y over x. */
function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const say = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const began = Date.now();
  const server = await Server.startFresh("ply-soak-");
  const { persistTo } = server;
  const origin = server.origin;
  const problems: string[] = [];
  const matches = new Map<string, Seen[]>();
  const open = new Set<MatchClient>();
  const finished = new Set<string>();
  const stop = new AbortController();
  const hardStop = new AbortController();
  const samples: [number, number][] = [];
  const endAt = began + options.seconds * 1000;
  const acked = () => [...matches.values()].flat().reduce((sum, seen) => sum + seen.acked.size, 0);

  const sample = () => {
    const bytes = server.workerdPids().reduce((sum, pid) => sum + (rssBytes(pid) ?? 0), 0);
    if (bytes > 0) samples.push([(Date.now() - began) / 60_000, bytes]);
  };
  const sampler = setInterval(sample, options.sampleMs);
  const reporter = setInterval(
    () =>
      say(
        `soak ${Math.round((Date.now() - began) / 1000)} s: ${matches.size} matches, ${finished.size} finished, ${acked()} moves, RSS ${mib(samples.at(-1)?.[1] ?? 0)} MiB, ${problems.length} problems`,
      ),
    15_000,
  );

  const slot = async (index: number) => {
    // Spread the start so setup is not one burst.
    await delay(Math.random() * Math.min(5_000, options.seconds * 200));
    let round = 0;
    while (!stop.signal.aborted) {
      const game = (index + round++) % 2 === 0 ? "connect-four" : "tic-tac-toe";
      let table: Table;
      try {
        table = await newTable(origin, game, { turnMs: 600_000, graceMs: 600_000 }, Date.now() + 30_000, (id) =>
          matches.set(id, []),
        );
      } catch (error) {
        problems.push(`slot ${index}: setup failed: ${String(error)}`);
        await delay(1_000);
        continue;
      }
      const seats = table.tokens.map((token) => seat(origin, table.matchId, token));
      matches.set(
        table.matchId,
        seats.map((s) => s.seen),
      );
      for (const s of seats) open.add(s.client);
      try {
        await Promise.all(
          seats.map((s) => playPaced(s.client, s.seen, () => Math.random() * 2 * options.paceMs, hardStop.signal)),
        );
        finished.add(table.matchId);
      } catch (error) {
        if (!hardStop.signal.aborted) problems.push(`match ${table.matchId}: bot failed: ${String(error)}`);
      } finally {
        for (const s of seats) {
          s.client.close();
          open.delete(s.client);
        }
      }
    }
  };

  try {
    sample();
    const slots = Array.from({ length: options.matches }, (_, index) => slot(index));
    while (Date.now() < endAt) await delay(250);
    stop.abort();
    // Matches in play finish (bounded); no new ones start.
    const settled = await Promise.race([Promise.all(slots).then(() => true), delay(60_000).then(() => false)]);
    if (!settled) {
      problems.push("matches in play did not finish within 60 s of the end");
      hardStop.abort();
      await Promise.all(slots);
    }
    sample();
    clearInterval(sampler);
    clearInterval(reporter);

    const checks = await pool([...matches.entries()], 32, ([matchId, seen]) =>
      checkMatch(origin, matchId, seen, Date.now() + 60_000, false),
    );
    for (const check of checks) for (const problem of check.problems) problems.push(`${check.matchId}: ${problem}`);
    const all = [...matches.values()].flat();
    for (const seen of all) for (const error of seen.errors) problems.push(`${seen.matchId}: client ${error}`);
    const movesCounted = acked();
    const movesPersisted = checks.reduce((sum, check) => sum + check.moves, 0);
    if (movesCounted !== movesPersisted)
      problems.push(`moves counted ${movesCounted} != moves persisted ${movesPersisted}`);
    const series = samples.map(([, bytes]) => bytes);
    return {
      ok: problems.length === 0,
      seconds: Math.round((Date.now() - began) / 1000),
      concurrent: options.matches,
      matchesStarted: matches.size,
      matchesFinished: checks.filter((check) => check.status === "finished").length,
      movesCounted,
      movesPersisted,
      errors: problems.length,
      rssMiB: {
        first: mib(series[0] ?? 0),
        last: mib(series.at(-1) ?? 0),
        max: mib(Math.max(0, ...series)),
        min: mib(series.length ? Math.min(...series) : 0),
        slopeMiBPerMinute: Math.round(mib(slope(samples)) * 100) / 100,
        // After the warm-up (objects created, caches filled): the part that tells a leak.
        secondHalfSlopeMiBPerMinute: Math.round(mib(slope(samples.slice(Math.floor(samples.length / 2)))) * 100) / 100,
        samples: series.length,
      },
      problems,
    };
  } finally {
    clearInterval(sampler);
    clearInterval(reporter);
    stop.abort();
    hardStop.abort();
    for (const client of open) client.close();
    await server.stop();
    await stopAll();
    await rm(persistTo, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  await runMain(
    "soak",
    () =>
      runSoak({
        matches: flag("matches", 200),
        seconds: flag("seconds", 0) || flag("minutes", 10) * 60,
        paceMs: flag("pace-ms", 200),
        sampleMs: flag("sample-ms", 5_000),
      }),
    (figures) => figures,
  );
}
