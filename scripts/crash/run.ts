/**
 * The crash run: bots play matches while the server's process group is killed at random moments
 * and restarted, then every match is checked.
 */
import { rm } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { Api } from "../../client/api.ts";
import type { MatchClient } from "../../client/sdk.ts";
import type { MatchSummary } from "../../shared/protocol.ts";
import { Server, stopAll } from "./server.ts";
import { newTable, playPaced, retrying, seat, type Seen, type Table, truncatedAnswers } from "./play.ts";
import { checkMatch, pool, serverLog } from "./checks.ts";

export interface CrashOptions {
  readonly kills: number;
  /** Matches played at once; each slot starts a new match when its match ends. */
  readonly matches: number;
  /** Matches with turnMs 2000 that nobody plays, each created just before a kill. */
  readonly timers: number;
  /** Wait for this many acknowledged moves after a restart before the next kill. */
  readonly movesBetweenKills: number;
  readonly log?: (line: string) => void;
}

export interface CrashReport {
  readonly ok: boolean;
  readonly kills: number;
  readonly matches: number;
  readonly matchesFinished: number;
  readonly movesSent: number;
  readonly movesAcknowledged: number;
  readonly movesLogged: number;
  readonly movesLost: number;
  readonly timerMatches: number;
  readonly timersFiredAfterRestart: number;
  readonly clientErrors: number;
  /** 2xx answers whose body was cut by a kill (retried). */
  readonly truncatedAnswers: number;
  readonly restartMs: { readonly min: number; readonly median: number; readonly max: number };
  readonly seconds: number;
  readonly problems: string[];
}

export async function runCrash(options: CrashOptions): Promise<CrashReport> {
  const say = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const began = Date.now();
  let server = await Server.startFresh("ply-crash-");
  const { persistTo, port } = server;
  const origin = server.origin;
  const problems: string[] = [];
  const matches = new Map<string, Seen[]>();
  const clients: MatchClient[] = [];
  const timerMatches: { matchId: string; startedAt: number | null; killedAt: number }[] = [];
  const restartMs: number[] = [];
  const acked = () => [...matches.values()].flat().reduce((sum, seen) => sum + seen.acked.size, 0);
  const stopping = new AbortController();
  const finalAbort = new AbortController();
  const farFuture = () => Date.now() + 120_000;
  let kills = 0;

  const slot = async (index: number) => {
    let round = 0;
    while (!stopping.signal.aborted) {
      const game = (index + round++) % 2 === 0 ? "connect-four" : "tic-tac-toe";
      let table: Table;
      try {
        table = await newTable(origin, game, { turnMs: 600_000, graceMs: 600_000 }, farFuture(), (id) =>
          matches.set(id, []),
        );
      } catch (error) {
        problems.push(`slot ${index}: could not set up a match: ${String(error)}`);
        await delay(500);
        continue;
      }
      const seats = table.tokens.map((token) => seat(origin, table.matchId, token));
      matches.set(
        table.matchId,
        seats.map((s) => s.seen),
      );
      clients.push(...seats.map((s) => s.client));
      try {
        // Bots finish their match even after the stop signal (bounded below).
        await Promise.all(
          seats.map((s) => playPaced(s.client, s.seen, () => 20 + Math.random() * 80, finalAbort.signal)),
        );
      } catch (error) {
        if (!finalAbort.signal.aborted) problems.push(`match ${table.matchId}: bot failed: ${String(error)}`);
      } finally {
        for (const s of seats) s.client.close();
      }
    }
  };

  try {
    const slots = Array.from({ length: options.matches }, (_, index) => slot(index));
    for (let kill = 1; kill <= options.kills; kill++) {
      // Let the bots reconnect and play: wait for fresh acknowledgements (bounded), then a random moment.
      const target = acked() + options.movesBetweenKills;
      const waitUntil = Date.now() + 30_000;
      while (acked() < target && Date.now() < waitUntil) await delay(50);
      if (acked() < target) problems.push(`kill ${kill}: bots made no progress in 30 s after the restart`);
      await delay(Math.random() * 1500);
      let timer: Table | null = null;
      if (kill <= options.timers) {
        // Nobody plays it: its 2 s turn timer is pending when the server dies.
        timer = await newTable(
          origin,
          kill % 2 === 0 ? "tic-tac-toe" : "connect-four",
          { turnMs: 2_000, graceMs: 60_000 },
          farFuture(),
          (id) => matches.set(id, []),
        );
      }
      const killedAt = Date.now();
      await server.kill();
      kills++;
      if (timer) timerMatches.push({ matchId: timer.matchId, startedAt: timer.startedAt, killedAt });
      // Stay down past the timer's deadline: the restarted server finds it overdue.
      if (timer?.startedAt) await delay(Math.max(0, timer.startedAt + 2_300 - Date.now()));
      const restarting = Date.now();
      server = await Server.start(persistTo, port);
      restartMs.push(Date.now() - restarting);
      say(
        `kill ${kill}/${options.kills}: acked ${acked()} moves, ${matches.size} matches, restart ${Date.now() - restarting} ms`,
      );
    }
    // Let every match in play finish (bounded), then stop.
    stopping.abort();
    const settled = await Promise.race([Promise.all(slots).then(() => true), delay(90_000).then(() => false)]);
    if (!settled) {
      problems.push("matches in play did not finish within 90 s after the last restart");
      finalAbort.abort();
      await Promise.all(slots);
    }
    for (const client of clients) client.close();

    // Timer matches: they must end by timeout, fired by the restarted server.
    let fired = 0;
    const timersUntil = Date.now() + 30_000;
    const api = new Api({ origin });
    for (const timer of timerMatches) {
      let summary: MatchSummary | null = null;
      while (Date.now() < timersUntil) {
        summary = await retrying(() => api.match(timer.matchId), farFuture(), "timer match");
        if (summary.status === "finished") break;
        await delay(250);
      }
      const log = await serverLog(api, timer.matchId, farFuture());
      const last = log.at(-1);
      if (summary?.status !== "finished" || last?.kind !== "timeout") {
        problems.push(
          `timer match ${timer.matchId}: not ended by timeout (${summary?.status}, last event ${last?.kind})`,
        );
      } else if (timer.startedAt !== null && timer.startedAt + 2_000 <= timer.killedAt) {
        problems.push(
          `timer match ${timer.matchId}: its deadline had passed before the kill (setup too slow): not a restart check`,
        );
      } else if (last.at < timer.killedAt) {
        problems.push(`timer match ${timer.matchId}: timeout at ${last.at} before the kill at ${timer.killedAt}`);
      } else fired++;
    }

    // Every match ever created (orphans of a lost answer aside): the log checks.
    const checks = await pool([...matches.entries()], 16, ([matchId, seen]) =>
      checkMatch(origin, matchId, seen, farFuture()),
    );
    for (const check of checks) for (const problem of check.problems) problems.push(`${check.matchId}: ${problem}`);
    const all = [...matches.values()].flat();
    const lost = checks.reduce(
      (sum, check) => sum + check.problems.filter((problem) => problem.startsWith("LOST")).length,
      0,
    );
    const clientErrors = all.reduce((sum, seen) => sum + seen.errors.length, 0);
    for (const seen of all) for (const error of seen.errors) problems.push(`${seen.matchId}: client ${error}`);
    const sorted = [...restartMs].sort((a, b) => a - b);
    return {
      ok: problems.length === 0,
      kills,
      matches: matches.size,
      matchesFinished: checks.filter((check) => check.status === "finished").length,
      movesSent: all.reduce((sum, seen) => sum + seen.sent.size, 0),
      movesAcknowledged: acked(),
      movesLogged: checks.reduce((sum, check) => sum + check.moves, 0),
      movesLost: lost,
      timerMatches: timerMatches.length,
      timersFiredAfterRestart: fired,
      clientErrors,
      truncatedAnswers,
      restartMs: { min: sorted[0] ?? 0, median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted.at(-1) ?? 0 },
      seconds: Math.round((Date.now() - began) / 1000),
      problems,
    };
  } finally {
    stopping.abort();
    finalAbort.abort();
    for (const client of clients) client.close();
    await server.stop();
    await stopAll();
    await rm(persistTo, { recursive: true, force: true });
  }
}
