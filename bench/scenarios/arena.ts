/**
 * Arena: P bot players in one Tic-tac-toe arena on a real `wrangler dev`. Each bot follows the
 * tournament's feed, opens the game it is paired in, plays a random legal move `pace` ms after
 * its turn comes, and waits for its next pairing. Reported: the time from a game's end (the
 * bot sees the final frame) to the bot's next pairing (`paired` frame), p50/p99; the games
 * paired; the server's CPU per pairing (all of Ply: games, feed and tournament together, an
 * upper bound); and, measured in Node, the CPU of the Tournament's own pairing pass (the pure
 * rules over 500 entrants) per pairing.
 *
 *   npm run bench:arena -- [--players 500] [--duration 60] [--pace 500]
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { setTimeout as delay } from "node:timers/promises";
import { pairArena, type ArenaCandidate } from "../../server/tournament/arena.ts";
import { NO_SEATS } from "../../server/tournament/seats.ts";
import { standings, type StandingGame } from "../../server/tournament/scoring.ts";
import { ticTacToe, type TicTacToeState } from "../../shared/games/tic-tac-toe.ts";
import type {
  StandingsPage,
  TournamentCreated,
  TournamentFrame,
  TournamentGamesPage,
} from "../../shared/tournament.ts";
import { call, matchUrl, now, openSocket, players, type Player } from "../lib/client.ts";
import { progress } from "../lib/log.ts";
import { round, UsageSampler, type UsageReport } from "../lib/proc.ts";
import { startPly, stopAll, type RunningServer } from "../lib/servers.ts";
import { distribution, pool, Samples, Tally, type Distribution } from "../lib/stats.ts";

export interface ArenaOptions {
  readonly players: number;
  readonly durationMs: number;
  /** A bot's thinking time before each move. */
  readonly paceMs: number;
}

export interface ArenaResult {
  bench: "arena";
  via: RunningServer["via"];
  players: number;
  durationS: number;
  paceMs: number;
  games: number;
  /** Game end seen by a bot → its next `paired` frame, while the arena ran. */
  endToPairingMs: Distribution;
  /** Ply's whole CPU (every process of wrangler dev) during the arena ÷ games paired. */
  serverCpuMsPerPairing: number;
  /** The Tournament's pure pairing pass (rank by score, pair the free) over `players` entrants, in Node, per pairing. */
  pairingPassCpuMsPerPairing: number;
  standingsCpuMs: number;
  errors: Record<string, number>;
  usage: Record<string, UsageReport>;
  ok: boolean;
}

interface Viewish {
  seq: number;
  status: string;
  view: TicTacToeState | null;
  turn: { seats: number[] } | null;
}

/** One bot player: its feed socket, and the socket of the game it is in. */
interface ArenaRun {
  readonly origin: string;
  readonly paceMs: number;
  running(): boolean;
  readonly latency: Samples;
  readonly errors: Tally;
}

class ArenaBot {
  readonly player: Player;
  readonly run: ArenaRun;
  #endedAt: number | null = null;
  #moved = -1;

  // Plain fields, not parameter properties: Node runs the bench with type stripping only.
  constructor(player: Player, run: ArenaRun) {
    this.player = player;
    this.run = run;
  }

  async follow(tournamentId: string): Promise<void> {
    const url = `${this.run.origin.replace(/^http/, "ws")}/parties/tournament/${tournamentId}?token=${encodeURIComponent(this.player.token)}`;
    await openSocket(url, (data) => {
      const frame = JSON.parse(String(data)) as TournamentFrame;
      if (frame.type !== "paired") return;
      if (this.#endedAt !== null && this.run.running()) this.run.latency.push(now() - this.#endedAt);
      this.#endedAt = null;
      void this.#play(frame.matchId, frame.seat);
    });
  }

  async #play(matchId: string, seat: number): Promise<void> {
    this.#moved = -1;
    try {
      await openSocket(matchUrl(this.run.origin, matchId, this.player.token), (data, socket) => {
        const frame = JSON.parse(String(data)) as { type: string; state?: Viewish; code?: string };
        if (frame.type === "error") this.run.errors.add(`frame-${frame.code}`);
        const state = frame.state;
        if (!state) return;
        if (state.status === "finished") {
          if (this.#endedAt === null) this.#endedAt = now();
          socket.close();
          return;
        }
        if (state.status !== "playing" || !state.turn?.seats.includes(seat) || !state.view || this.#moved >= state.seq)
          return;
        this.#moved = state.seq;
        const legal = ticTacToe.legalMoves(state.view, seat);
        const move = legal[Math.floor(Math.random() * legal.length)];
        setTimeout(() => {
          if (socket.readyState === socket.OPEN)
            socket.send(JSON.stringify({ type: "move", id: `m${state.seq}`, seq: state.seq, move }));
        }, this.run.paceMs);
      });
    } catch (error) {
      this.run.errors.add("match-socket");
      progress(`  match socket: ${String(error)}`);
    }
  }
}

/** The pure part of an arena pairing pass, timed in Node: `free` of `entrants` players free at once. */
function pairingPassCpu(entrants: number, free: number, passes: number): { perPairingMs: number; standingsMs: number } {
  const games: StandingGame[] = [];
  for (let index = 0; index < entrants * 4; index++) {
    games.push({
      matchId: `g${index}`,
      p0: `p${index % entrants}`,
      p1: `p${(index * 7 + 1) % entrants}`,
      score0: [0, 0.5, 1][index % 3] as 0 | 0.5 | 1,
      endedAt: index,
    });
  }
  const rows = Array.from({ length: entrants }, (_, index) => ({
    pid: `p${index}`,
    name: `p${index}`,
    rating: 1500,
    order: index,
    state: "active" as const,
    playing: null,
  }));
  const began = performance.now();
  let pairings = 0;
  for (let pass = 0; pass < passes; pass++) {
    const candidates: { -readonly [K in keyof ArenaCandidate]: ArenaCandidate[K] }[] = Array.from(
      { length: free },
      (_, index) => ({
        pid: `p${(pass * free + index) % entrants}`,
        score: (index * 37) % 20,
        order: index,
        lastOpponent: `p${(index + 1) % entrants}`,
        freeSince: 0,
        seats: NO_SEATS,
      }),
    );
    // The pass also ranks every entrant by score (the order it looks for closeness in).
    const places = new Map(
      rows
        .map((row, index) => ({ pid: row.pid, score: (index * 13 + pass) % 50, order: index }))
        .sort((a, b) => b.score - a.score || a.order - b.order)
        .map((row, index) => [row.pid, index]),
    );
    for (const candidate of candidates) candidate.order = places.get(candidate.pid) ?? 0;
    pairings += pairArena(candidates, 100_000, entrants).pairs.length;
  }
  const perPairingMs = (performance.now() - began) / Math.max(1, pairings);
  const standingsBegan = performance.now();
  standings("arena", rows, games, []);
  return { perPairingMs, standingsMs: performance.now() - standingsBegan };
}

export async function arena(server: RunningServer, options: ArenaOptions): Promise<ArenaResult> {
  const tag = randomBytes(3).toString("hex");
  const field = await players(server.secret, `arena${tag}`, options.players);
  const errors = new Tally();
  const latency = new Samples();
  const creator = field[0] as Player;
  const created = await call<TournamentCreated>(server.origin, "/api/tournaments", {
    token: creator.token,
    body: {
      name: "Bench arena",
      game: "tic-tac-toe",
      kind: "arena",
      durationMs: options.durationMs,
      startsInMs: 20_000,
      maxPlayers: 2_000,
    },
  });
  const id = created.tournamentId;
  progress(`arena ${id}: ${options.players} players join`);
  await pool(field, 25, async (player) => {
    await call(server.origin, `/api/tournaments/${id}/join`, { token: player.token, body: {} }).catch(
      (error: unknown) => {
        errors.add("join");
        progress(`  join: ${String(error)}`);
      },
    );
  });
  let running = true;
  const run = { origin: server.origin, paceMs: options.paceMs, running: () => running, latency, errors };
  const bots = field.map((player) => new ArenaBot(player, run));
  await pool(bots, 50, (bot) =>
    bot.follow(id).catch(() => {
      errors.add("feed-socket");
    }),
  );
  progress(`arena ${id}: every bot follows the feed; waiting for the start`);
  for (;;) {
    const summary = await call<{ status: string }>(server.origin, `/api/tournaments/${id}`);
    if (summary.status !== "upcoming") break;
    await delay(250);
  }
  const sampler = new UsageSampler(server.watched);
  sampler.start();
  const started = Date.now();
  while (Date.now() < started + options.durationMs) {
    await delay(5_000);
    const top = await call<StandingsPage>(server.origin, `/api/tournaments/${id}/standings?limit=200`).catch(
      () => null,
    );
    const busy = top ? top.rows.filter((row) => row.playing !== null).length : -1;
    progress(
      `  ${Math.round((Date.now() - started) / 1000)} s: ${latency.values().length} re-pairings measured; ${busy} of the first 200 in a game`,
    );
  }
  running = false;
  const usage = sampler.stop();
  // The last games finish; the arena ends.
  for (let attempt = 0; attempt < 120; attempt++) {
    const summary = await call<{ status: string }>(server.origin, `/api/tournaments/${id}`);
    if (summary.status === "finished") break;
    await delay(500);
  }
  let games = 0;
  for (let offset: number | null = 0; offset !== null; ) {
    const page: TournamentGamesPage = await call(
      server.origin,
      `/api/tournaments/${id}/games?offset=${offset}&limit=200`,
    );
    games += page.games.length;
    offset = page.next;
  }
  const table = await call<StandingsPage>(server.origin, `/api/tournaments/${id}/standings?limit=1`);
  const cpuS = Object.values(usage).reduce((sum, report) => sum + report.cpuS, 0);
  const pure = pairingPassCpu(options.players, 50, 200);
  return {
    bench: "arena",
    via: server.via,
    players: options.players,
    durationS: options.durationMs / 1000,
    paceMs: options.paceMs,
    games,
    endToPairingMs: distribution(latency.values()),
    serverCpuMsPerPairing: round((cpuS * 1000) / Math.max(1, games), 2),
    pairingPassCpuMsPerPairing: round(pure.perPairingMs, 4),
    standingsCpuMs: round(pure.standingsMs, 2),
    errors: errors.counts,
    usage,
    ok: errors.total === 0 && games > 0 && table.total === options.players,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      players: { type: "string" },
      duration: { type: "string" },
      pace: { type: "string" },
      /** Past wrangler's dev proxy, to the workerd that runs the Worker (as bench/run.ts can). */
      direct: { type: "boolean" },
    },
  });
  const options: ArenaOptions = {
    players: Number(values.players ?? 500),
    durationMs: Number(values.duration ?? 60) * 1000,
    paceMs: Number(values.pace ?? 500),
  };
  const stop = () => void stopAll().finally(() => process.exit(130));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    const server = await startPly({ minify: true, direct: values.direct === true });
    const result = await arena(server, options);
    if (process.env.TDEBUG)
      process.stderr.write(
        server
          .output()
          .split("\n")
          .filter((line) => line.includes("TDEBUG"))
          .join("\n"),
      );
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    process.exitCode = result.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`arena bench failed: ${String((error as Error).stack ?? error)}\n`);
    process.exitCode = 1;
  } finally {
    await stopAll();
  }
  setTimeout(() => process.exit(), 2_000).unref();
}
