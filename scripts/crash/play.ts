/**
 * Players, matches and bots for the crash and soak runs: API clients from their own addresses,
 * retried calls, tables of two players, seated SDK clients that record what they saw, and a bot
 * that plays at a pace.
 */
import { setTimeout as delay } from "node:timers/promises";
import { Api } from "../../client/api.ts";
import { legalMoves } from "../../client/bot.ts";
import { MatchClient } from "../../client/sdk.ts";
import type { LoggedEvent, MatchView, PlayerCreated } from "../../shared/protocol.ts";

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
