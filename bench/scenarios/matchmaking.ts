/**
 * Matchmaking: P players take a quick-match ticket at the same moment (each its own player, so
 * the per-player creation limit is never hit), then long-poll it until it is matched. Reported:
 * pairs per second over the whole burst and each player's time to match (POST sent → the answer
 * that names the match). At the end every match must have started (both tickets collected).
 */
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { call, now, players } from "../lib/client.ts";
import { progress } from "../lib/log.ts";
import { round, UsageSampler, type UsageReport } from "../lib/proc.ts";
import type { RunningServer } from "../lib/servers.ts";
import { distribution, pool, Samples, Tally, type Distribution } from "../lib/stats.ts";
import type { TicketView } from "../../shared/protocol.ts";

export interface MatchmakingOptions {
  readonly players: number;
}

export interface MatchmakingResult {
  bench: "matchmaking";
  via: RunningServer["via"];
  players: number;
  /** Pairs whose both players learned their match. */
  pairs: number;
  /** Of those, matches whose summary says playing (both tickets collected, match started). */
  started: number;
  /** Pairs ÷ (first POST → last player matched). */
  pairsPerS: number;
  makespanS: number;
  timeToMatchMs: Distribution;
  /** The POST alone (ticket created; it may already say matched). */
  ticketMs: Distribution;
  /** Long polls per player beyond the POST, on average. */
  pollsPerPlayer: number;
  errors: Record<string, number>;
  usage: Record<string, UsageReport>;
  ok: boolean;
}

/** Nobody waits longer than this for a match. */
const BOUND_MS = 120_000;

export async function matchmaking(server: RunningServer, options: MatchmakingOptions): Promise<MatchmakingResult> {
  const tag = randomBytes(3).toString("hex");
  const queue = await players(server.secret, `q${tag}`, options.players);
  const errors = new Tally();
  const timeToMatch = new Samples();
  const ticketMs = new Samples();
  const matchOf = new Map<string, string[]>();
  let polls = 0;
  let lastMatched = 0;
  let sampleErrors = 0;
  const fail = (code: string, detail: string) => {
    errors.add(code);
    if (sampleErrors++ < 5) progress(`  error ${code}: ${detail}`);
  };

  const sampler = new UsageSampler(server.watched);
  sampler.start();
  const start = now();
  const deadline = start + BOUND_MS;
  await Promise.all(
    queue.map(async (player) => {
      const sent = now();
      try {
        let ticket = await call<TicketView>(server.origin, "/api/matchmaking/tickets", {
          body: { game: "connect-four" },
          token: player.token,
          timeoutMs: 60_000,
        });
        ticketMs.push(now() - sent);
        while (ticket.status === "waiting" && now() < deadline) {
          polls++;
          ticket = await call<TicketView>(server.origin, `/api/matchmaking/tickets/${ticket.ticketId}?wait=30`, {
            token: player.token,
            timeoutMs: 45_000,
          });
        }
        if (ticket.status !== "matched" || !ticket.matchId) return fail(`ticket-${ticket.status}`, ticket.ticketId);
        const at = now();
        timeToMatch.push(at - sent);
        lastMatched = Math.max(lastMatched, at);
        matchOf.set(ticket.matchId, [...(matchOf.get(ticket.matchId) ?? []), player.pid]);
      } catch (error) {
        fail("http", String(error));
      }
    }),
  );
  const usage = sampler.stop();
  const pairs = [...matchOf.values()].filter((members) => members.length === 2).length;
  for (const [matchId, members] of matchOf)
    if (members.length !== 2) fail("pair-size", `${matchId}: ${members.length} players`);

  // Both players collected their ticket, so every match should be playing (allow a moment).
  let started = 0;
  const pending = new Set(matchOf.keys());
  for (let attempt = 0; attempt < 10 && pending.size > 0; attempt++) {
    if (attempt > 0) await delay(1_000);
    await pool([...pending], 16, async (matchId) => {
      const summary = await call<{ status: string }>(server.origin, `/api/matches/${matchId}`).catch(() => null);
      if (summary?.status === "playing") {
        started++;
        pending.delete(matchId);
      }
    });
  }
  if (pending.size > 0) fail("not-started", `${pending.size} matches never started`);
  const makespanS = lastMatched > 0 ? (lastMatched - start) / 1000 : 0;
  return {
    bench: "matchmaking",
    players: options.players,
    via: server.via,
    pairs,
    started,
    pairsPerS: makespanS > 0 ? round(pairs / makespanS, 1) : 0,
    makespanS: round(makespanS, 2),
    timeToMatchMs: distribution(timeToMatch.values()),
    ticketMs: distribution(ticketMs.values()),
    pollsPerPlayer: round(polls / options.players, 2),
    errors: errors.counts,
    usage,
    ok: errors.total === 0 && pairs * 2 === options.players && started === pairs,
  };
}
