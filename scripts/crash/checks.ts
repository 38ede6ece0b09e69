/**
 * The checks run on every match after a crash or soak run: every acknowledged move is in the
 * log, seq has no gaps or duplicates, the summary loads, and the log replays with the shared
 * engine to the state the server shows.
 */
import { isDeepStrictEqual } from "node:util";
import { Api } from "../../client/api.ts";
import { MatchClient } from "../../client/sdk.ts";
import { createEngine } from "../../shared/engine.ts";
import type { MatchEvent } from "../../shared/events.ts";
import { findGame } from "../../shared/games/index.ts";
import type { LoggedEvent, MatchSummary, MatchView } from "../../shared/protocol.ts";
import { retrying, type Seen } from "./play.ts";

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
