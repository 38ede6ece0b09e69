/**
 * Idle cost: K matches started (both players seated and connected by WebSocket), then left
 * alone. workerd's RSS is sampled on the idle server, with every match active, and after they
 * had time to hibernate (sockets stay open; the objects may be evicted). Each match has a turn
 * limit that expires after that: the proof that timers fire from hibernation is every match
 * ending by `timeout` (its summary) and every player socket receiving the timeout event.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { call, matchUrl, now, openSocket, players, type WebSocket } from "../lib/client.ts";
import { progress } from "../lib/log.ts";
import { mib, openFiles, round, rssBytes } from "../lib/proc.ts";
import type { RunningServer, ServerKind } from "../lib/servers.ts";
import { distribution, pool, Samples, Tally, type Distribution } from "../lib/stats.ts";

export interface IdleOptions {
  readonly matches: number;
  /** The matches' turn limit: long enough to hibernate first. */
  readonly turnMs: number;
  /** How long to leave them alone before reading the hibernated RSS (0: don't wait). */
  readonly hibernateWaitS: number;
  readonly setupConcurrency: number;
}

export interface IdleResult {
  bench: "idle";
  server: ServerKind;
  via: RunningServer["via"];
  matches: number;
  turnMs: number;
  rssMiB: {
    idleServer: number;
    active: number;
    hibernated: number;
    afterTimers: number;
    deltaHibernatedVsIdle: number;
    /** One sample a second while the matches were left alone. */
    series: number[];
  };
  /** hibernated − idle server, in MB (10^6 bytes: the unit of the target). */
  deltaMB: number;
  /** workerd's open SQLite files and sockets: idle server, all active, after being left alone. */
  openFiles: Record<"idleServer" | "active" | "hibernated", { sqlite: number; sockets: number }>;
  /** Seconds until workerd held no more SQLite files than when idle (every match object evicted); null if never. */
  evictedAfterS: number | null;
  /** Seconds the matches were left alone before `hibernated` was read. */
  leftAloneS: number;
  /** Matches whose summary says finished with reason timeout. */
  timedOut: number;
  sockets: number;
  /** Player sockets that received the timeout event. */
  socketsNotified: number;
  /** Summary finishedAt − the deadline the snapshot announced. */
  timerLateMs: Distribution;
  setupS: number;
  errors: Record<string, number>;
  ok: boolean;
}

interface Seated {
  readonly matchId: string;
  deadline: number | null;
}

export async function idle(server: RunningServer, options: IdleOptions): Promise<IdleResult> {
  const workerd = server.watched.find((group) => group.label === "workerd") ?? server.watched[0]!;
  const rss = () => mib(workerd.pids().reduce((sum, pid) => sum + (rssBytes(pid) ?? 0), 0));
  /** SQLite files workerd holds open: 3 per loaded object (database, WAL, shared memory); evicted objects close theirs. */
  const files = () =>
    workerd.pids().reduce(
      (sum, pid) => {
        const open = openFiles(pid);
        return { sqlite: sum.sqlite + open.sqlite, sockets: sum.sockets + open.sockets };
      },
      { sqlite: 0, sockets: 0 },
    );
  const tag = randomBytes(3).toString("hex");
  const [creators, joiners] = await Promise.all([
    players(server.secret, `i${tag}`, options.matches),
    players(server.secret, `k${tag}`, options.matches),
  ]);
  const errors = new Tally();
  let sampleErrors = 0;
  /** Set once the result is read: closes after that are the bench's own. */
  let over = false;
  const fail = (code: string, detail: string) => {
    errors.add(code);
    if (sampleErrors++ < 5) progress(`  error ${code}: ${detail}`);
  };

  // The idle server: started, answered a few requests, quiet for a few seconds.
  for (let index = 0; index < 5; index++) await call(server.origin, "/api/games");
  await delay(3_000);
  const idleServer = rss();
  const filesIdle = files();

  const setupStart = now();
  const matches: (Seated | null)[] = await pool(creators, options.setupConcurrency, async (creator, index) => {
    try {
      const match = await call<{ matchId: string }>(server.origin, "/api/matches", {
        body: { game: "connect-four", turnMs: options.turnMs },
        token: creator.token,
      });
      await call(server.origin, `/api/matches/${match.matchId}/join`, { method: "POST", token: joiners[index]!.token });
      return { matchId: match.matchId, deadline: null };
    } catch (error) {
      fail("setup", String(error));
      return null;
    }
  });
  const seated = matches.filter((match): match is Seated => match !== null);
  const sockets: WebSocket[] = [];
  let notified = 0;
  await pool(
    seated.flatMap((match, index) => [
      { match, token: creators[index]!.token },
      { match, token: joiners[index]!.token },
    ]),
    options.setupConcurrency,
    async ({ match, token }) => {
      try {
        let snapshot!: () => void;
        const ready = new Promise<void>((resolve) => (snapshot = resolve));
        const socket = await openSocket(matchUrl(server.origin, match.matchId, token), (data) => {
          const frame = JSON.parse(data.toString()) as {
            type: string;
            state?: { turn?: { deadline: number | null } };
            event?: { kind: string };
          };
          if (frame.type === "snapshot") {
            match.deadline = frame.state?.turn?.deadline ?? null;
            snapshot();
          } else if (frame.type === "event" && frame.event?.kind === "timeout") {
            notified++;
          }
        });
        sockets.push(socket);
        socket.on("close", (code: number) => {
          if (!over && code !== 1000 && code !== 1005) fail("socket-closed", String(code));
        });
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          ready,
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("no snapshot in 30 s")), 30_000))),
        ]);
        clearTimeout(timer);
      } catch (error) {
        fail("connect", String(error));
      }
    },
  );
  const setupS = round((now() - setupStart) / 1000, 2);
  const active = rss();
  const filesActive = files();
  const deadlines = seated.map((match) => match.deadline ?? Infinity);
  const firstDeadline = Math.min(...deadlines);
  const lastDeadline = Math.max(...deadlines.filter(Number.isFinite));
  progress(
    `  ${seated.length} matches started and ${sockets.length} sockets connected in ${setupS} s; workerd ${active} MiB (idle server ${idleServer} MiB)`,
  );

  // Left alone: no frame, no request, until just before the first deadline.
  const aloneStart = Date.now();
  const aloneUntil = Math.min(aloneStart + options.hibernateWaitS * 1000, firstDeadline - 2_000);
  const series: number[] = [];
  let evictedAfterS: number | null = null;
  while (Date.now() < aloneUntil) {
    await delay(Math.min(1_000, Math.max(0, aloneUntil - Date.now())));
    series.push(rss());
    // Every match object closed its database: all evicted (hibernated, sockets kept).
    if (evictedAfterS === null && files().sqlite <= filesIdle.sqlite + 3)
      evictedAfterS = round((Date.now() - aloneStart) / 1000, 1);
  }
  const leftAloneS = round((Date.now() - aloneStart) / 1000, 1);
  const hibernated = rss();
  const filesHibernated = files();
  if (options.hibernateWaitS > 0 && leftAloneS < options.hibernateWaitS) {
    progress(`  warning: only ${leftAloneS} s alone before the first deadline (raise --idle-turn-ms)`);
  }
  progress(
    `  after ${leftAloneS} s alone: workerd ${hibernated} MiB, ${filesHibernated.sqlite} SQLite files open (${filesActive.sqlite} when active; all evicted after ${evictedAfterS ?? "-"} s); waiting for the turn timers`,
  );

  // Every timer fires: sockets hear of it; then the summaries say so.
  const until = (Number.isFinite(lastDeadline) ? lastDeadline : Date.now()) + 30_000;
  while (notified < sockets.length && Date.now() < until) await delay(250);
  let timedOut = 0;
  const late = new Samples();
  await pool(seated, 16, async (match) => {
    try {
      const summary = await call<{ status: string; result: { reason: string } | null; finishedAt: number | null }>(
        server.origin,
        `/api/matches/${match.matchId}`,
      );
      if (summary.status === "finished" && summary.result?.reason === "timeout") {
        timedOut++;
        if (summary.finishedAt !== null && match.deadline !== null) late.push(summary.finishedAt - match.deadline);
      } else fail("not-timed-out", `${match.matchId}: ${summary.status} ${JSON.stringify(summary.result)}`);
    } catch (error) {
      fail("summary", String(error));
    }
  });
  const afterTimers = rss();
  over = true;
  for (const socket of sockets) socket.close(1000, "done");
  return {
    bench: "idle",
    server: server.kind,
    matches: options.matches,
    via: server.via,
    turnMs: options.turnMs,
    rssMiB: {
      idleServer,
      active,
      hibernated,
      afterTimers,
      deltaHibernatedVsIdle: round(hibernated - idleServer, 1),
      series,
    },
    deltaMB: round(((hibernated - idleServer) * 1024 * 1024) / 1e6, 1),
    openFiles: { idleServer: filesIdle, active: filesActive, hibernated: filesHibernated },
    evictedAfterS,
    leftAloneS,
    timedOut,
    sockets: sockets.length,
    socketsNotified: notified,
    timerLateMs: distribution(late.values()),
    setupS,
    errors: errors.counts,
    ok: errors.total === 0 && timedOut === options.matches && notified === sockets.length,
  };
}
