/**
 * Crash and restart: SDK bots play matches against a real `wrangler dev` with a persistence
 * folder while the whole server process group (wrangler + workerd) is SIGKILLed at random
 * moments and restarted on the same folder and port. At the end every match is checked:
 * every move a client saw acknowledged is in the log, seq has no gaps or duplicates, the
 * summary loads, the log replays with the shared engine to the state the server shows, and
 * turn timers that were pending at a kill fired after the restart.
 *
 *   npm run crash -- --kills 20 --matches 8 [--timers 4] [--seed 1]
 *
 * The same kills mid-tournament: `npm run crash:tournament` (scripts/tournament-crash.ts).
 *
 * Also a library: the launcher, the bot and the checks are reused by scripts/soak.ts and the
 * e2e tests. Loopback only; every process started is stopped at the end, also on failure.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { setTimeout as delay } from "node:timers/promises";
import { Api } from "../client/api.ts";
import { freePort, lostPortRace, spawnWrangler, waitUntilReady } from "../test/e2e/server.ts";
import { legalMoves } from "../client/bot.ts";
import { MatchClient } from "../client/sdk.ts";
import { createEngine } from "../shared/engine.ts";
import { type MatchEvent } from "../shared/events.ts";
import { findGame } from "../shared/games/index.ts";
import type { LoggedEvent, MatchSummary, MatchView, PlayerCreated } from "../shared/protocol.ts";

/** A free loopback port (the e2e harness's, shared with soak.ts). */
export { freePort };

// ---------------------------------------------------------------------------------------------
// The server, with its pid

/** Pids of every live process in process group `pgid` (Linux /proc). */
export function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // state(0) ppid(1) pgrp(2); a zombie (Z) is already dead.
      if (Number(fields[2]) === pgid && fields[0] !== "Z") pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/** Resident set size of a pid in bytes, or null once it is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** `wrangler dev` in its own process group (workerd included), on a given port and folder. */
export class Server {
  readonly origin: string;
  readonly port: number;
  readonly persistTo: string;
  readonly child: ChildProcess;
  readonly pgid: number;
  #log = "";
  #exited: Promise<void>;

  private constructor(persistTo: string, port: number, child: ChildProcess) {
    this.persistTo = persistTo;
    this.port = port;
    this.child = child;
    this.pgid = child.pid!;
    this.origin = `http://127.0.0.1:${port}`;
    child.stdout?.on("data", (chunk) => (this.#log = (this.#log + String(chunk)).slice(-20_000)));
    child.stderr?.on("data", (chunk) => (this.#log = (this.#log + String(chunk)).slice(-20_000)));
    this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }

  output(): string {
    return this.#log;
  }

  static async start(persistTo: string, port: number): Promise<Server> {
    for (let attempt = 1; ; attempt++) {
      const child = spawnWrangler(persistTo, port);
      const server = new Server(persistTo, port, child);
      live.add(server);
      const readiness = await waitUntilReady(server.origin, child);
      if (readiness === "ready") return server;
      await server.kill();
      // Another server starting at the same time took a port wrangler had picked: pick again.
      if (readiness === "exited" && lostPortRace(server.output()) && attempt < 3) continue;
      throw new Error(
        readiness === "exited"
          ? `wrangler dev exited early:\n${server.output()}`
          : `wrangler dev did not become ready in 60 s:\n${server.output()}`,
      );
    }
  }

  /** The workerd processes of this server. */
  workerdPids(): number[] {
    return groupPids(this.pgid).filter((pid) => commOf(pid).includes("workerd"));
  }

  /** SIGKILL to the whole group; resolves once no process of the group is left. */
  async kill(): Promise<void> {
    try {
      process.kill(-this.pgid, "SIGKILL");
    } catch {
      // Already gone.
    }
    await Promise.race([this.#exited, delay(10_000)]);
    for (let attempt = 0; attempt < 100 && groupPids(this.pgid).length > 0; attempt++) await delay(100);
    live.delete(this);
  }

  /** SIGTERM, then SIGKILL if it lingers. */
  async stop(): Promise<void> {
    try {
      process.kill(-this.pgid, "SIGTERM");
    } catch {
      // Already gone.
    }
    await Promise.race([this.#exited, delay(10_000)]);
    await this.kill();
  }
}

/** Every server started and not yet stopped, for cleanup on failure. */
const live = new Set<Server>();

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((server) => server.kill()));
}

// ---------------------------------------------------------------------------------------------
// Players, matches and bots

let addresses = 0;

/** An Api whose requests come from their own client address (player creation is limited per address). */
export function apiFrom(origin: string): Api {
  const ip = `10.${(++addresses >> 16) & 255}.${(addresses >> 8) & 255}.${addresses & 255}`;
  return new Api({
    origin,
    fetch: (input, init) =>
      fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), "cf-connecting-ip": ip } }),
  });
}

/** 2xx answers with an unreadable body, seen so far (see retrying). */
export let truncatedAnswers = 0;

/** Retries `call` on a network failure (the server is down) until `until`; other failures are thrown. */
export async function retrying<T>(
  call: () => Promise<{ ok: true; value: T } | { ok: false; error: { status: number; code: string; message: string } }>,
  until: number,
  label: string,
): Promise<T> {
  for (;;) {
    const result = await call();
    if (result.ok) return result.value;
    // A 2xx whose body never fully arrived (the server died while answering): Api reports it
    // as a network failure with the message below. Counted, and retried like any other.
    if (result.error.message === "the answer was cut off") truncatedAnswers++;
    // 0: no answer; 5xx: the server died mid-request.
    if (result.error.status !== 0 && result.error.status < 500)
      throw new Error(`${label}: ${result.error.status} ${result.error.code} ${result.error.message}`);
    if (Date.now() > until) throw new Error(`${label}: server unreachable until the deadline (${result.error.code})`);
    await delay(200 + Math.random() * 300);
  }
}

export interface Table {
  readonly matchId: string;
  readonly gameId: string;
  readonly tokens: readonly [string, string];
  readonly startedAt: number | null;
}

/**
 * Two new players, a match created by the first and joined by the second. Any step may fail
 * because the server is down: network failures are retried; a match created whose answer was
 * lost is never known (the server may hold such an orphan, in `waiting`).
 */
export async function newTable(
  origin: string,
  game: string,
  timers: { turnMs: number; graceMs: number },
  until: number,
  onCreated?: (matchId: string) => void,
): Promise<Table> {
  const players: PlayerCreated[] = [];
  for (const name of ["Ada", "Brian"]) {
    const api = apiFrom(origin);
    players.push(await retrying(() => api.createPlayer(name), until, "create player"));
  }
  const [ada, brian] = players as [PlayerCreated, PlayerCreated];
  const base = new Api({ origin });
  const created = await retrying(() => base.as(ada.token).createMatch({ game, ...timers }), until, "create match");
  onCreated?.(created.matchId);
  // A join whose answer was lost is retried; the second try says so (already seated): check the summary.
  const join = await base.as(brian.token).join(created.matchId);
  if (!join.ok) {
    const summary = await retrying(() => base.match(created.matchId), until, "match after join");
    if (!summary.seats.some((seat) => seat.playerId === brian.playerId)) {
      await retrying(() => base.as(brian.token).join(created.matchId), until, "join");
    }
  }
  const summary = await retrying(() => base.match(created.matchId), until, "summary");
  return { matchId: created.matchId, gameId: game, tokens: [ada.token, brian.token], startedAt: summary.startedAt };
}

/** What one seat's client saw. */
export interface Seen {
  readonly matchId: string;
  /** Ids of moves this client sent. */
  readonly sent: Set<string>;
  /** Ids of our moves acknowledged by the server: their event came back, or an ack frame. */
  readonly acked: Set<string>;
  /** Every event the client was told, in order. */
  readonly events: LoggedEvent[];
  /** Error events and refusals (none expected). */
  readonly errors: string[];
}

/** A WebSocket that shows every frame it receives to `onFrame` (to see ack frames). */
function tapped(onFrame: (frame: Record<string, unknown>) => void): unknown {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener("message", (event) => {
        try {
          onFrame(JSON.parse(String(event.data)) as Record<string, unknown>);
        } catch {
          // Not ours to judge.
        }
      });
    }
  };
}

/** A seat's client: the SDK MatchClient, with what it saw recorded. */
export function seat(origin: string, matchId: string, token: string): { client: MatchClient; seen: Seen } {
  const seen: Seen = { matchId, sent: new Set(), acked: new Set(), events: [], errors: [] };
  const client = new MatchClient({
    origin,
    matchId,
    token,
    WebSocket: tapped((frame) => {
      if (frame.type === "ack" && typeof frame.id === "string" && seen.sent.has(frame.id)) seen.acked.add(frame.id);
    }),
  });
  client.on("event", (event) => {
    seen.events.push(event);
    if (event.kind === "move" && seen.sent.has(event.id)) seen.acked.add(event.id);
  });
  client.on("refused", (refusal) => seen.errors.push(`refused ${refusal.code}: ${refusal.message}`));
  client.on("error", (error) => seen.errors.push(`error ${error.code}: ${error.message}`));
  return { client, seen };
}

/**
 * A random bot on the SDK that waits `pace()` ms before each move (so kills land mid-match).
 * Resolves with the final confirmed view; rejects when the client closes, or at `signal`.
 */
export function playPaced(
  client: MatchClient,
  seen: Seen,
  pace: () => number,
  signal: AbortSignal,
): Promise<MatchView> {
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let done = false;
    const stops: (() => void)[] = [];
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      for (const stop of stops) stop();
      signal.removeEventListener("abort", aborted);
      settle();
    };
    const aborted = () => finish(() => reject(new Error("stopped")));
    const ready = () =>
      client.seat !== null &&
      client.myTurn &&
      client.pending.length === 0 &&
      client.view !== null &&
      client.game !== null;
    const move = () => {
      timer = null;
      if (done || !ready()) return;
      const moves = legalMoves(client.game!, client.view!, client.seat!);
      const chosen = moves[Math.floor(Math.random() * moves.length)];
      if (chosen === undefined) return finish(() => reject(new Error(`no legal move at seq ${client.view!.seq}`)));
      const sent = client.move(chosen);
      if (sent.ok) seen.sent.add(sent.id);
      else seen.errors.push(`local refusal ${sent.error.code}`);
    };
    const step = () => {
      if (done) return;
      const confirmed = client.confirmed;
      if (confirmed?.status === "finished") return finish(() => resolve(confirmed));
      if (client.status === "closed") return finish(() => reject(new Error("client closed")));
      if (timer === null && ready()) timer = setTimeout(move, pace());
    };
    signal.addEventListener("abort", aborted);
    stops.push(client.on("change", step));
    step();
  });
}

// ---------------------------------------------------------------------------------------------
// Checks

/** The server's whole public log of a match. */
export async function serverLog(api: Api, matchId: string, until: number): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await retrying(() => api.events(matchId, after), until, `events of ${matchId}`);
    events.push(...page.events);
    if (page.next === null) return events;
    after = page.next;
  }
}

/** The match as a new spectator socket is told it. */
export async function spectatorView(origin: string, matchId: string, ms = 20_000): Promise<MatchView> {
  const client = new MatchClient({ origin, matchId, token: null });
  try {
    const ready = () =>
      client.status === "open" && client.confirmed !== null && client.log.at(-1)?.seq === client.confirmed.seq;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`spectator of ${matchId} not ready in ${ms} ms`)), ms);
      const check = () => {
        if (ready()) {
          clearTimeout(timer);
          stop();
          resolve();
        }
      };
      const stop = client.on("change", check);
      check();
    });
    return client.confirmed!;
  } finally {
    client.close();
  }
}

export interface MatchCheck {
  readonly matchId: string;
  readonly events: number;
  readonly moves: number;
  readonly status: string;
  readonly problems: string[];
  readonly log: LoggedEvent[];
  readonly summary: MatchSummary | null;
}

/**
 * Checks one match: seq 1..n with no gap or duplicate; summary loads and agrees; the log
 * replays with the shared engine (any seed: these games use no randomness) to the view a
 * spectator is shown; every acknowledged move is in the log once; every event a client was
 * told is the server's event at that seq.
 */
export async function checkMatch(
  origin: string,
  matchId: string,
  seen: readonly Seen[],
  until: number,
  withSpectator = true,
): Promise<MatchCheck> {
  const api = new Api({ origin });
  const problems: string[] = [];
  const log = await serverLog(api, matchId, until);
  const seqs = log.map((event) => event.seq);
  if (!seqs.every((seq, index) => seq === index + 1)) problems.push(`seq not 1..${log.length}: ${seqs.join(",")}`);
  const summaryResult = await api.match(matchId);
  const summary = summaryResult.ok ? summaryResult.value : null;
  if (!summary) problems.push(`summary does not load: ${JSON.stringify(!summaryResult.ok && summaryResult.error)}`);
  const moveEvents = log.filter((event) => event.kind === "move");
  const ids = new Map<string, number>();
  for (const event of moveEvents) if (event.kind === "move") ids.set(event.id, (ids.get(event.id) ?? 0) + 1);
  for (const [id, count] of ids) if (count > 1) problems.push(`move ${id} logged ${count} times`);
  for (const client of seen) {
    for (const id of client.acked) if (!ids.has(id)) problems.push(`LOST: acknowledged move ${id} is not in the log`);
    for (const event of client.events) {
      if (!isDeepStrictEqual(event, log[event.seq - 1]))
        problems.push(
          `a client was told ${JSON.stringify(event)} but the log has ${JSON.stringify(log[event.seq - 1])}`,
        );
    }
  }
  if (summary) {
    if (summary.seq !== log.length) problems.push(`summary seq ${summary.seq} but ${log.length} events`);
    const game = findGame(summary.gameId);
    if (!game) problems.push(`unknown game ${summary.gameId}`);
    else {
      try {
        const engine = createEngine(game, summary.options, "replay");
        const state = engine.replay(log.map(({ seq: _seq, at: _at, ...event }) => event as MatchEvent));
        if (state.status !== summary.status) problems.push(`replay status ${state.status}, summary ${summary.status}`);
        if (state.moves !== summary.moves) problems.push(`replay moves ${state.moves}, summary ${summary.moves}`);
        if (!isDeepStrictEqual(state.result, summary.result))
          problems.push(`replay result ${JSON.stringify(state.result)}, summary ${JSON.stringify(summary.result)}`);
        if (withSpectator) {
          const view = await spectatorView(origin, matchId);
          if (view.seq !== log.length) problems.push(`spectator at seq ${view.seq}, log ${log.length}`);
          if (!isDeepStrictEqual(view.view, engine.view(state, "spectator"))) {
            problems.push(
              `replayed view ${JSON.stringify(engine.view(state, "spectator"))} differs from the server's ${JSON.stringify(view.view)}`,
            );
          }
        }
      } catch (error) {
        problems.push(`log does not replay: ${String(error)}`);
      }
    }
  }
  return {
    matchId,
    events: log.length,
    moves: moveEvents.length,
    status: summary?.status ?? "?",
    problems,
    log,
    summary,
  };
}

/** Runs `work` over `items`, `width` at a time. */
export async function pool<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

// ---------------------------------------------------------------------------------------------
// The crash run

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
  const persistTo = await mkdtemp(join(tmpdir(), "ply-crash-"));
  const port = await freePort();
  let server: Server;
  try {
    server = await Server.start(persistTo, port);
  } catch (error) {
    await rm(persistTo, { recursive: true, force: true });
    throw error;
  }
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

// ---------------------------------------------------------------------------------------------
// Command line

export function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} takes a number`);
  return value;
}

export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === url;
}

if (isMain(import.meta.url)) {
  const cleanup = () => void stopAll().finally(() => process.exit(130));
  process.once("SIGINT", cleanup);
  process.once("SIGTERM", cleanup);
  try {
    const report = await runCrash({
      kills: flag("kills", 20),
      matches: flag("matches", 8),
      timers: flag("timers", 4),
      movesBetweenKills: flag("moves-between-kills", 10),
    });
    const { problems, ...figures } = report;
    for (const problem of problems.slice(0, 50)) process.stderr.write(`PROBLEM ${problem}\n`);
    process.stdout.write(`${JSON.stringify({ ...figures, problems: problems.length })}\n`);
    process.exitCode = report.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`crash run failed: ${String((error as Error).stack ?? error)}\n`);
    await stopAll();
    process.exitCode = 1;
  }
  // Sockets and timers of closed clients must not hold the process.
  setTimeout(() => process.exit(), 2_000).unref();
}
