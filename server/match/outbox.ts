/**
 * The Match's outbox: what other objects must hear of this match, delivered from the alarm and
 * retried until delivered (every delivery is idempotent). Each destination is one timer kind and
 * one entry of DESTINATIONS; the messages themselves are built by pure functions.
 *
 * To add a destination: name it in OUTBOX_KINDS (each is a timer kind too) and give it its
 * delivery in DESTINATIONS; list it in ON_FINISH when it is due as a played match ends, or have
 * `scheduleAfter` in timers.ts arm it when something else calls for it.
 */
import type { Seat } from "../../shared/game.ts";
import type { LiveMatch, MatchReport, TournamentGameResult } from "../contracts.ts";
import { log } from "../log.ts";
import { INITIAL_RATING } from "../ratings.ts";
import type { TimerKind, Timers } from "./timers.ts";
import type { Loaded, MatchConfig, MatchStore, PlayerReport } from "./store.ts";

/** Deliveries to other objects: the lobby, the players' records, a tournament's standings. */
export const OUTBOX_KINDS = ["directory", "report", "tournament"] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

/**
 * Deliveries due as soon as a played match ends, each for the matches it concerns (the lobby
 * hears of the end on its own schedule).
 */
export const ON_FINISH: Readonly<Partial<Record<OutboxKind, FinishDue>>> = {
  // A rated game's ratings are shown at its end; casual games' records wait a little, so that
  // the games of a series reach each player in one call (outbox `report`).
  report: (match) => (match.rated ? 0 : match.reportDelayMs),
  tournament: (match) => (match.tournamentId !== null ? 0 : null),
};

/** How long after a match ends a delivery is due (null: not for this match). */
export type FinishDue = (
  match: Pick<MatchConfig, "tournamentId" | "rated"> & { reportDelayMs: number },
) => number | null;

/** How long an unrated game's reports wait for the next games of its series (PLY_REPORT_DELAY_MS overrides). */
export const REPORT_DELAY_MS = 10_000;

/** Outbox timers are retried this long after a failed delivery. */
export const OUTBOX_RETRY_MS = 5_000;

export function isOutbox(kind: TimerKind): kind is OutboxKind {
  return (OUTBOX_KINDS as readonly TimerKind[]).includes(kind);
}

/** The match's lobby entry while it runs in public; null when it should be off the lobby. */
export function liveEntry(loaded: Loaded, now: number): LiveMatch | null {
  if (loaded.state.status !== "playing" || loaded.config.isPrivate) return null;
  return {
    matchId: loaded.config.matchId,
    gameId: loaded.config.gameId,
    players: loaded.seats.map(({ seat, name }) => ({ seat, name })),
    moves: loaded.state.moves,
    startedAt: loaded.startedAt ?? now,
    rated: loaded.config.rated,
  };
}

/** Each person's report of a finished match (bots keep no record); none before the end. */
export function matchReports(loaded: Loaded, now: number): PlayerReport[] {
  const result = loaded.state.result;
  if (!result) return [];
  const rated = loaded.config.rated && loaded.state.moves > 0 && result.kind !== "aborted";
  const score = (me: Seat, them: Seat): 0 | 0.5 | 1 => {
    if (result.kind !== "win") return 0.5;
    const mine = result.winners.includes(me);
    const theirs = result.winners.includes(them);
    return mine === theirs ? 0.5 : mine ? 1 : 0;
  };
  return loaded.seats
    .filter((seat) => seat.bot === null)
    .map((seat) => ({
      pid: seat.pid,
      report: {
        matchId: loaded.config.matchId,
        gameId: loaded.config.gameId,
        finishedAt: loaded.finishedAt ?? now,
        rated,
        seat: seat.seat,
        outcome:
          result.kind === "aborted"
            ? "aborted"
            : result.kind === "draw"
              ? "draw"
              : result.winners.includes(seat.seat)
                ? "win"
                : "loss",
        reason: result.reason,
        opponents: loaded.seats
          .filter((other) => other.seat !== seat.seat)
          .map((other) => ({
            pid: other.pid,
            name: other.name,
            seat: other.seat,
            rating: other.rating ?? INITIAL_RATING,
            score: score(seat.seat, other.seat),
          })),
      },
    }));
}

/** How a tournament's game ended, as its Tournament records it; null for any other match, or before the end. */
export function tournamentResult(loaded: Loaded, now: number): TournamentGameResult | null {
  const result = loaded.state.result;
  const tournamentId = loaded.config.tournamentId;
  if (!result || tournamentId === null) return null;
  return {
    tournamentId,
    matchId: loaded.config.matchId,
    finishedAt: loaded.finishedAt ?? now,
    outcome: result.kind,
    winners:
      result.kind === "win"
        ? loaded.seats.filter((seat) => result.winners.includes(seat.seat)).map((seat) => seat.pid)
        : [],
    reason: result.reason,
  };
}

/**
 * Delivers one outbox message for `loaded`; false (logged) when the destination failed and the
 * delivery must be retried later.
 */
export async function deliver(
  kind: OutboxKind,
  env: Env,
  loaded: Loaded,
  now: number,
  store: MatchStore,
): Promise<boolean> {
  try {
    await DESTINATIONS[kind](env, loaded, now, store);
    return true;
  } catch (error) {
    log("warn", "outbox-retry", { matchId: loaded.config.matchId, kind, error: String(error) });
    return false;
  }
}

/**
 * Delivers the message of an outbox timer that is due and settles the timer: done when
 * delivered, put off by OUTBOX_RETRY_MS when the destination failed. True when delivered.
 */
export async function deliverDue(
  timer: { readonly kind: OutboxKind; readonly at: number; readonly seq: number },
  env: Env,
  loaded: Loaded,
  timers: Timers,
  store: MatchStore,
): Promise<boolean> {
  const delivered = await deliver(timer.kind, env, loaded, Date.now(), store);
  if (delivered) timers.done(timer);
  else timers.retry(timer, Date.now() + OUTBOX_RETRY_MS);
  return delivered;
}

/** Delivers one kind of message for `loaded`; throws when the destination fails (the alarm retries). */
type Delivery = (env: Env, loaded: Loaded, now: number, store: MatchStore) => Promise<void>;

export const DESTINATIONS: Readonly<Record<OutboxKind, Delivery>> = {
  /** The game's lobby: the entry while the match runs in public, its removal after. */
  async directory(env, loaded, now) {
    const directory = env.Directory.getByName(loaded.config.gameId);
    const entry = liveEntry(loaded, now);
    if (entry) await directory.upsert(entry);
    else await directory.remove(loaded.config.matchId);
  },

  /**
   * Each player's record (and rating) hears of the results once, in one call per player: the
   * finished current game's and those of earlier games of the series still waiting (a rematch
   * can start before the reports of the game before it went out). The Player dedupes by match id.
   */
  async report(env, loaded, now, store) {
    const archived = store.pendingReports();
    const all = [...archived.flatMap((game) => game.reports), ...matchReports(loaded, now)];
    const byPlayer = new Map<string, MatchReport[]>();
    for (const { pid, report } of all) byPlayer.set(pid, [...(byPlayer.get(pid) ?? []), report]);
    await Promise.all([...byPlayer].map(([pid, reports]) => env.Player.getByName(pid).recordMatches(reports)));
    store.reported(archived.map((game) => game.matchId));
  },

  /** A tournament's game tells its Tournament how it ended; the Tournament dedupes by match id. */
  async tournament(env, loaded, now) {
    const result = tournamentResult(loaded, now);
    if (result) await env.Tournament.getByName(result.tournamentId).recordResult(result);
  },
};
