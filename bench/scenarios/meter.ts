/**
 * The cost meter's run: Ply bundled with bench/meter/entry.ts on bare workerd. N ranked matches
 * of one game from nothing, as real players would have them:
 *
 *   setup        2N players created (POST /api/players: a Player object each)
 *   matchmaking  each takes a quick-match ticket and long-polls it until matched, then connects
 *   play         the bots play random legal moves to the end (chess: the side to move resigns
 *                at `resignAtPlies`, so a game is that long unless it ended by itself before)
 *   after        sockets closed; what the server does after a game (ratings, reports, the
 *                leaderboard and the live directory) until the meter stops moving
 *
 * The meter's totals are read at each step, so every unit is split by phase; "per move" is the
 * play phase's Match units divided by the moves played (its statements show which rows a move
 * writes). Dollars at the prices of bench/meter/prices.ts.
 */
import { setTimeout as delay } from "node:timers/promises";
import { Bot, type BotContext } from "../lib/bot.ts";
import { call, now, type Player } from "../lib/client.ts";
import { progress } from "../lib/log.ts";
import { round } from "../lib/proc.ts";
import type { RunningServer } from "../lib/servers.ts";
import { pool, Tally } from "../lib/stats.ts";
import { dollars, PRICES, type Dollars, type Units } from "../meter/prices.ts";
import type { TicketView } from "../../shared/protocol.ts";

export interface MeterOptions {
  readonly game: "connect-four" | "chess";
  readonly matches: number;
  /** Chess: resign once a game has this many plies (80). */
  readonly resignAtPlies?: number;
  readonly setupConcurrency: number;
}

/** What GET /__bench/meter answers (bench/meter/entry.ts). */
interface ClassReport {
  objects: number;
  fetch: number;
  rpc: Record<string, number>;
  alarm: number;
  wsMessages: number;
  wsCloses: number;
  rowsRead: number;
  rowsWritten: number;
  kvRowsRead: number;
  kvRowsWritten: number;
  setAlarm: number;
  deleteAlarm: number;
  activeMs: number;
  statements: Record<string, { calls: number; rowsRead: number; rowsWritten: number }>;
}
interface MeterReport {
  workerRequests: number;
  storedBytes: number;
  objectsWithStorage: number;
  classes: Record<string, ClassReport>;
}

export interface MeterResult {
  bench: "meter";
  game: string;
  via: RunningServer["via"];
  matches: number;
  moves: number;
  /** Games that ended (all should). */
  finished: number;
  /** Units per phase and in all, from the meter. */
  units: Record<"setup" | "matchmaking" | "play" | "after" | "total", Units>;
  /** Units by class over the whole run. */
  byClass: Record<string, Units & { objects: number; rpc: Record<string, number>; setAlarm: number }>;
  perMove: { rowsWritten: number; rowsRead: number; setAlarm: number; requests: number; wsMessages: number };
  /** The Match statements of the play phase, by rows written: calls and rows per move. */
  moveStatements: { statement: string; callsPerMove: number; rowsWrittenPerMove: number; rowsReadPerMove: number }[];
  /** Per class, over the whole run, the statements that wrote most: rows written and calls per match. */
  statementsByClass: Record<string, { statement: string; callsPerMatch: number; rowsWrittenPerMatch: number }[]>;
  dollarsPer1000Matches: Dollars;
  /** Chess: the same, for games of exactly `resignAtPlies` plies (fixed costs + plies × the per-ply cost). */
  dollarsPer1000AtPlies: (Dollars & { plies: number }) | null;
  prices: typeof PRICES;
  errors: Record<string, number>;
  ok: boolean;
}

function unitsOf(report: MeterReport, only?: string): Units {
  const classes = Object.entries(report.classes).filter(([name]) => only === undefined || name === only);
  const sum = (pick: (c: ClassReport) => number) => classes.reduce((total, [, c]) => total + pick(c), 0);
  return {
    requests: sum((c) => c.fetch + c.alarm + Object.values(c.rpc).reduce((a, b) => a + b, 0)),
    wsMessages: sum((c) => c.wsMessages),
    activeS: round(sum((c) => c.activeMs) / 1000, 3),
    rowsRead: sum((c) => c.rowsRead + c.kvRowsRead),
    rowsWritten: sum((c) => c.rowsWritten + c.kvRowsWritten + c.setAlarm),
    storedBytes: only === undefined ? report.storedBytes : 0,
    workerRequests: only === undefined ? report.workerRequests : 0,
  };
}

function minus(a: Units, b: Units): Units {
  return {
    requests: a.requests - b.requests,
    wsMessages: a.wsMessages - b.wsMessages,
    activeS: round(a.activeS - b.activeS, 3),
    rowsRead: a.rowsRead - b.rowsRead,
    rowsWritten: a.rowsWritten - b.rowsWritten,
    storedBytes: a.storedBytes,
    workerRequests: a.workerRequests - b.workerRequests,
  };
}

function scale(units: Units, by: number): Units {
  return {
    requests: units.requests * by,
    wsMessages: units.wsMessages * by,
    activeS: units.activeS * by,
    rowsRead: units.rowsRead * by,
    rowsWritten: units.rowsWritten * by,
    storedBytes: units.storedBytes * by,
    workerRequests: units.workerRequests * by,
  };
}

function add(a: Units, b: Units): Units {
  return {
    requests: a.requests + b.requests,
    wsMessages: a.wsMessages + b.wsMessages,
    activeS: a.activeS + b.activeS,
    rowsRead: a.rowsRead + b.rowsRead,
    rowsWritten: a.rowsWritten + b.rowsWritten,
    storedBytes: a.storedBytes + b.storedBytes,
    workerRequests: a.workerRequests + b.workerRequests,
  };
}

const read = (origin: string) => call<MeterReport>(origin, "/__bench/meter");

/** Waits until the meter's counts stop moving for `quietMs` (bounded): the after-game work is done. */
async function settle(origin: string, quietMs: number, boundMs: number): Promise<MeterReport> {
  const until = now() + boundMs;
  let last = await read(origin);
  let since = now();
  while (now() < until) {
    await delay(500);
    const next = await read(origin);
    const key = (r: MeterReport) => JSON.stringify(unitsOf(r), ["requests", "wsMessages", "rowsRead", "rowsWritten"]);
    if (key(next) !== key(last)) since = now();
    last = next;
    if (now() - since >= quietMs) break;
  }
  return last;
}

export async function meter(server: RunningServer, options: MeterOptions): Promise<MeterResult> {
  const { matches: n, game } = options;
  const errors = new Tally();
  let sampleErrors = 0;
  const fail = (code: string, detail: string) => {
    errors.add(code);
    if (sampleErrors++ < 5) progress(`  error ${code}: ${detail}`);
  };
  await call(server.origin, "/__bench/meter/reset", { method: "POST" });

  // Setup: 2N players, created by the server.
  const people = await pool(
    Array.from({ length: 2 * n }, (_, index) => index),
    options.setupConcurrency,
    async (index) => {
      const created = await call<{ playerId: string; name: string; token: string }>(server.origin, "/api/players", {
        body: { name: `Meter ${index}` },
      });
      return { pid: created.playerId, name: created.name, token: created.token } satisfies Player;
    },
  );
  const afterSetup = await read(server.origin);

  // Matchmaking: every player queues at once and long-polls until matched.
  const matchOf = new Map<string, string>();
  await Promise.all(
    people.map(async (player) => {
      try {
        let ticket = await call<TicketView>(server.origin, "/api/matchmaking/tickets", {
          body: { game },
          token: player.token,
          timeoutMs: 60_000,
        });
        const deadline = now() + 60_000;
        while (ticket.status === "waiting" && now() < deadline) {
          ticket = await call<TicketView>(server.origin, `/api/matchmaking/tickets/${ticket.ticketId}?wait=30`, {
            token: player.token,
            timeoutMs: 45_000,
          });
        }
        if (ticket.status !== "matched" || !ticket.matchId) return fail(`ticket-${ticket.status}`, ticket.ticketId);
        matchOf.set(player.pid, ticket.matchId);
      } catch (error) {
        fail("matchmaking", String(error));
      }
    }),
  );

  let moves = 0;
  let finished = 0;
  const ctx: BotContext = {
    origin: server.origin,
    running: false,
    rematch: false,
    ...(options.resignAtPlies === undefined ? {} : { resignAtPlies: options.resignAtPlies }),
    confirmed() {
      moves++;
    },
    finished() {
      finished++;
    },
    connected() {},
    rejected(_bot, code) {
      fail(`rejected-${code}`, "");
    },
    error(_bot, code, detail) {
      fail(code, detail);
    },
  };
  const bots = people.filter((p) => matchOf.has(p.pid)).map((p) => new Bot(p, ctx));
  await pool(bots, options.setupConcurrency, async (bot) => {
    try {
      await bot.join(matchOf.get(bot.player.pid)!, "initial");
    } catch (error) {
      fail("connect", String(error));
    }
  });
  const afterMatchmaking = await settle(server.origin, 1_500, 15_000);

  // Play: every game to its end (each bot reports the end: 2 per match).
  progress(`  meter: ${bots.length / 2} ${game} matches playing`);
  ctx.running = true;
  for (const bot of bots) bot.kick();
  const playUntil = now() + 180_000;
  while (finished < bots.length && now() < playUntil) await delay(100);
  if (finished < bots.length) fail("unfinished", `${bots.length - finished} bots never saw their game end`);
  const afterPlay = await read(server.origin);
  ctx.running = false;
  for (const bot of bots) bot.close();
  const afterAll = await settle(server.origin, 3_000, 30_000);

  const total = unitsOf(afterAll);
  const units = {
    setup: unitsOf(afterSetup),
    matchmaking: minus(unitsOf(afterMatchmaking), unitsOf(afterSetup)),
    play: minus(unitsOf(afterPlay), unitsOf(afterMatchmaking)),
    after: minus(total, unitsOf(afterPlay)),
    total,
  };
  const byClass: MeterResult["byClass"] = {};
  for (const [name, c] of Object.entries(afterAll.classes)) {
    if (c.objects === 0) continue;
    byClass[name] = { ...unitsOf(afterAll, name), objects: c.objects, rpc: c.rpc, setAlarm: c.setAlarm };
  }
  const playMatch = minus(unitsOf(afterPlay, "Match"), unitsOf(afterMatchmaking, "Match"));
  const matchBefore = afterMatchmaking.classes.Match?.statements ?? {};
  const moveStatements = Object.entries(afterPlay.classes.Match?.statements ?? {})
    .map(([statement, row]) => {
      const before = matchBefore[statement] ?? { calls: 0, rowsRead: 0, rowsWritten: 0 };
      return {
        statement,
        callsPerMove: round((row.calls - before.calls) / Math.max(1, moves), 3),
        rowsWrittenPerMove: round((row.rowsWritten - before.rowsWritten) / Math.max(1, moves), 3),
        rowsReadPerMove: round((row.rowsRead - before.rowsRead) / Math.max(1, moves), 3),
      };
    })
    .filter((row) => row.callsPerMove > 0)
    .sort((a, b) => b.rowsWrittenPerMove - a.rowsWrittenPerMove || b.callsPerMove - a.callsPerMove);
  const statementsByClass: MeterResult["statementsByClass"] = {};
  for (const [name, c] of Object.entries(afterAll.classes)) {
    if (c.objects === 0) continue;
    statementsByClass[name] = Object.entries(c.statements)
      .map(([statement, row]) => ({
        statement,
        callsPerMatch: round(row.calls / Math.max(1, bots.length / 2), 2),
        rowsWrittenPerMatch: round(row.rowsWritten / Math.max(1, bots.length / 2), 2),
      }))
      .filter((row) => row.rowsWrittenPerMatch > 0)
      .sort((a, b) => b.rowsWrittenPerMatch - a.rowsWrittenPerMatch)
      .slice(0, 30);
  }
  const setAlarmPlay = (afterPlay.classes.Match?.setAlarm ?? 0) - (afterMatchmaking.classes.Match?.setAlarm ?? 0);
  const played = bots.length / 2;
  const per1000 = (u: Units) => dollars(scale(u, 1000 / Math.max(1, played)));
  let atPlies: MeterResult["dollarsPer1000AtPlies"] = null;
  if (options.resignAtPlies !== undefined && moves > 0) {
    // Fixed (setup, matchmaking, after) per match, plus the plies at the play phase's cost per ply.
    const fixed = scale(add(add(units.setup, units.matchmaking), units.after), 1 / played);
    const perPly = scale(units.play, 1 / moves);
    // Stored bytes are a running total, not a per-phase count: the run's total per match.
    const game1 = { ...add(fixed, scale(perPly, options.resignAtPlies)), storedBytes: total.storedBytes / played };
    atPlies = { ...dollars(scale(game1, 1000)), plies: options.resignAtPlies };
  }
  return {
    bench: "meter",
    game,
    via: server.via,
    matches: played,
    moves,
    finished: finished / 2,
    units,
    byClass,
    perMove: {
      rowsWritten: round(playMatch.rowsWritten / Math.max(1, moves), 3),
      rowsRead: round(playMatch.rowsRead / Math.max(1, moves), 3),
      setAlarm: round(setAlarmPlay / Math.max(1, moves), 3),
      requests: round(playMatch.requests / Math.max(1, moves), 3),
      wsMessages: round(playMatch.wsMessages / Math.max(1, moves), 3),
    },
    moveStatements,
    statementsByClass,
    dollarsPer1000Matches: per1000(total),
    dollarsPer1000AtPlies: atPlies,
    prices: PRICES,
    errors: errors.counts,
    ok: errors.total === 0 && finished === bots.length && bots.length === 2 * n,
  };
}
