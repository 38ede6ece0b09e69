/**
 * Crash and restart mid-tournament: bot players (SDK clients that follow the tournament's feed
 * and play each game they are paired in) play a short arena against a real `wrangler dev`
 * while the whole server process group is SIGKILLed and restarted on the same folder and port.
 * At the end: every game a bot saw end is in the tournament with that result (no result lost),
 * every game of the tournament ended and scored as its match did, nobody was ever in two games
 * at once, the standings count every game, and no acknowledged move is missing from any log.
 *
 *   npm run crash:tournament -- [--kills 3] [--players 8] [--duration 60]
 *
 * Built on scripts/crash.ts (its server launcher, bots and log checks).
 */
import { rm } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { Api } from "../client/api.ts";
import { TournamentApi } from "../client/tournament-api.ts";
import type { MatchResult } from "../shared/game.ts";
import type { StandingsPage, TournamentFrame, TournamentGame, TournamentSummary } from "../shared/tournament.ts";
import {
  apiFrom,
  checkMatch,
  flag,
  isMain,
  runMain,
  playPaced,
  pool,
  retrying,
  seat,
  Server,
  stopAll,
  type Seen,
} from "./crash.ts";

export interface TournamentCrashOptions {
  readonly kills: number;
  readonly players: number;
  /** The arena's length (at least 60 000 ms). */
  readonly durationMs: number;
  readonly log?: (line: string) => void;
}

export interface TournamentCrashReport {
  readonly ok: boolean;
  readonly kills: number;
  readonly players: number;
  readonly games: number;
  /** Games a bot saw end (each must be in the tournament with the same result). */
  readonly resultsSeen: number;
  readonly resultsLost: number;
  /** Pairs of games that held one player at the same time. */
  readonly overlaps: number;
  readonly movesAcknowledged: number;
  readonly movesLost: number;
  readonly finished: boolean;
  readonly seconds: number;
  readonly problems: string[];
}

/** Seat 0's score in a match's result, as the tournament keeps it (null: did not count). */
function scoreOf(result: MatchResult | null): number | null {
  if (!result || result.kind === "aborted") return null;
  if (result.kind === "draw") return 0.5;
  const zero = result.winners.includes(0);
  const one = result.winners.includes(1);
  return zero === one ? 0.5 : zero ? 1 : 0;
}

export async function runTournamentCrash(options: TournamentCrashOptions): Promise<TournamentCrashReport> {
  const say = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const began = Date.now();
  let server = await Server.startFresh("ply-tournament-crash-");
  const { persistTo, port } = server;
  const origin = server.origin;
  const problems: string[] = [];
  const farFuture = () => Date.now() + 120_000;
  const stop = new AbortController();
  /** What each bot saw: per match, the clients' records, and the result they saw at the end. */
  const seen = new Map<string, Seen[]>();
  const results = new Map<string, MatchResult | null>();
  const sockets = new Set<WebSocket>();
  const closers: (() => void)[] = [];
  let kills = 0;
  try {
    const players = await Promise.all(
      Array.from({ length: options.players }, (_, index) =>
        retrying(() => apiFrom(origin).createPlayer(`Bot ${index + 1}`), farFuture(), "player"),
      ),
    );
    const creator = new TournamentApi(origin, players[0]?.token ?? null);
    const created = await retrying(
      () =>
        creator.create({
          name: "Crash arena",
          game: "tic-tac-toe",
          kind: "arena",
          durationMs: options.durationMs,
          startsInMs: 2_000,
          // Long enough that a restart never forfeits a game for a player who is only reconnecting.
          graceMs: 120_000,
        }),
      farFuture(),
      "create",
    );
    const id = created.tournamentId;
    for (const player of players)
      await retrying(() => new TournamentApi(origin, player.token).join(id), farFuture(), "join");

    // Each bot follows the feed and plays every game it is paired in (a `paired` frame, or the
    // `playing` of its standing after a reconnect that missed the frame).
    for (const player of players) {
      const started = new Set<string>();
      let done = false;
      const play = (matchId: string) => {
        if (started.has(matchId) || stop.signal.aborted) return;
        started.add(matchId);
        const { client, seen: record } = seat(origin, matchId, player.token);
        seen.set(matchId, [...(seen.get(matchId) ?? []), record]);
        closers.push(() => client.close());
        playPaced(client, record, () => 30 + Math.random() * 150, stop.signal)
          .then((view) => results.set(matchId, view.result))
          .catch((error: unknown) => {
            if (!stop.signal.aborted) problems.push(`${player.name} in ${matchId}: ${String(error)}`);
          })
          .finally(() => client.close());
      };
      const connect = () => {
        if (done || stop.signal.aborted) return;
        const socket = new WebSocket(new TournamentApi(origin, player.token).feedUrl(id));
        sockets.add(socket);
        let over = false;
        const retry = () => {
          if (over) return;
          over = true;
          sockets.delete(socket);
          if (!done) setTimeout(connect, 300);
        };
        // A restarting `wrangler dev` may take the connection and never answer the upgrade (and
        // Node's WebSocket then tells nothing, not even of its own close): give up on it and retry.
        const handshake = setTimeout(() => {
          if (socket.readyState === WebSocket.OPEN) return;
          socket.close();
          retry();
        }, 3_000);
        socket.addEventListener("open", () => clearTimeout(handshake));
        socket.addEventListener("message", (event) => {
          const frame = JSON.parse(String(event.data)) as TournamentFrame;
          if (frame.type === "paired") play(frame.matchId);
          if (frame.type === "state") {
            if (frame.me?.playing) play(frame.me.playing);
            if (frame.tournament.status === "finished") done = true;
          }
        });
        socket.addEventListener("close", retry);
        socket.addEventListener("error", () => {});
      };
      connect();
    }

    // Kills at random moments while the arena runs (each after some games have ended).
    const tapi = new TournamentApi(origin, null);
    for (let kill = 1; kill <= options.kills; kill++) {
      const before = results.size;
      const until = Date.now() + 20_000;
      while (results.size < before + 2 && Date.now() < until) await delay(100);
      await delay(Math.random() * 1_500);
      await server.kill();
      kills++;
      const restarting = Date.now();
      server = await Server.start(persistTo, port);
      say(`kill ${kill}/${options.kills}: ${results.size} games seen ended, restart ${Date.now() - restarting} ms`);
    }

    // The end: the arena's time runs out and its last games finish.
    let summary: TournamentSummary | null = null;
    const deadline = Date.now() + options.durationMs + 120_000;
    while (Date.now() < deadline) {
      summary = await retrying(() => tapi.get(id), farFuture(), "summary");
      if (summary.status === "finished") break;
      await delay(500);
    }
    if (summary?.status !== "finished") problems.push(`the tournament did not finish (${summary?.status})`);

    // The checks.
    const games: TournamentGame[] = [];
    for (let offset: number | null = 0; offset !== null; ) {
      const page = await retrying(() => tapi.games(id, offset ?? 0, 200), farFuture(), "games");
      games.push(...page.games);
      offset = page.next;
    }
    const byId = new Map(games.map((game) => [game.matchId, game]));
    let lost = 0;
    for (const [matchId, result] of results) {
      const game = byId.get(matchId);
      if (game?.status !== "finished" || game.score !== scoreOf(result)) {
        lost++;
        problems.push(
          `LOST result of ${matchId}: a bot saw ${JSON.stringify(result)}, the tournament has ${JSON.stringify(game)}`,
        );
      }
    }
    const api = new Api({ origin });
    await pool(games, 8, async (game) => {
      const match = await retrying(() => api.match(game.matchId), farFuture(), "match");
      if (game.status !== "finished")
        problems.push(`game ${game.matchId} never ended in the tournament (${match.status})`);
      else if (game.score !== scoreOf(match.result))
        problems.push(`game ${game.matchId} scored ${game.score}, its match ended ${JSON.stringify(match.result)}`);
    });
    let overlaps = 0;
    const byPlayer = new Map<string, TournamentGame[]>();
    for (const game of games)
      for (const player of game.players)
        byPlayer.set(player.playerId, [...(byPlayer.get(player.playerId) ?? []), game]);
    for (const [pid, list] of byPlayer) {
      const sorted = [...list].sort((a, b) => a.startedAt - b.startedAt);
      for (let index = 1; index < sorted.length; index++) {
        const previous = sorted[index - 1] as TournamentGame;
        const next = sorted[index] as TournamentGame;
        if (previous.endedAt === null || next.startedAt < previous.endedAt) {
          overlaps++;
          problems.push(`${pid} was paired in ${next.matchId} while in ${previous.matchId}`);
        }
      }
    }
    const standings: StandingsPage = await retrying(() => tapi.standings(id, 0, 200), farFuture(), "standings");
    const counted = games.filter((game) => game.score !== null).length;
    const played = standings.rows.reduce((sum, row) => sum + row.games, 0);
    if (played !== 2 * counted) problems.push(`standings count ${played} player-games, the games ${2 * counted}`);
    const checks = await pool([...seen.entries()], 8, ([matchId, records]) =>
      checkMatch(origin, matchId, records, farFuture(), false),
    );
    let movesLost = 0;
    for (const check of checks) {
      for (const problem of check.problems) {
        if (problem.startsWith("LOST")) movesLost++;
        problems.push(`${check.matchId}: ${problem}`);
      }
    }
    const acked = [...seen.values()].flat().reduce((sum, record) => sum + record.acked.size, 0);
    return {
      ok: problems.length === 0,
      kills,
      players: players.length,
      games: games.length,
      resultsSeen: results.size,
      resultsLost: lost,
      overlaps,
      movesAcknowledged: acked,
      movesLost,
      finished: summary?.status === "finished",
      seconds: Math.round((Date.now() - began) / 1000),
      problems,
    };
  } finally {
    stop.abort();
    for (const close of closers) close();
    for (const socket of sockets) socket.close();
    await server.stop();
    await stopAll();
    await rm(persistTo, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  await runMain("tournament crash run", () =>
    runTournamentCrash({
      kills: flag("kills", 3),
      players: flag("players", 8),
      durationMs: flag("duration", 60) * 1000,
    }),
  );
}
