/** Helpers for tests inside workerd: HTTP calls through the Worker and real match WebSockets. */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import * as v from "valibot";
import { expect } from "vitest";
import type { Match } from "../../server/match/match.ts";
import { ServerMessage, type JoinResult, type MatchSummary, type PlayerCreated } from "../../shared/protocol.ts";

export const ORIGIN = "http://ply.test";

/** Calls the Worker's fetch handler, as a browser or client would over HTTP. */
export async function api<T = unknown>(
  path: string,
  init: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const response = await exports.default.fetch(`${ORIGIN}${path}`, {
    method: init.method ?? (body === undefined ? "GET" : "POST"),
    headers: { "content-type": "application/json", ...init.headers },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
}

/** A player: what POST /api/players answers. */
export interface TestPlayer {
  readonly playerId: string;
  readonly name: string;
  readonly token: string;
}

/** The header that makes a request `player`'s. */
export function as(player: TestPlayer): Record<string, string> {
  return { authorization: `Bearer ${player.token}` };
}

let clients = 0;

/** Creates an anonymous player through the API, each from its own client address (rate limits are per address). */
export async function newPlayer(name: string): Promise<TestPlayer> {
  const created = await api<PlayerCreated>("/api/players", {
    body: { name },
    headers: { "cf-connecting-ip": `test-client-${++clients}` },
  });
  if (created.status !== 201)
    throw new Error(`player creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

/** `creator` creates a match (taking seat 0) and it is returned with its summary. */
export async function createMatch(
  game: string,
  creator: TestPlayer,
  extra: Record<string, unknown> = {},
): Promise<MatchSummary> {
  const created = await api<MatchSummary>("/api/matches", { body: { game, ...extra }, headers: as(creator) });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

/** `player` takes the next seat of a match. */
export async function joinMatch(matchId: string, player: TestPlayer): Promise<JoinResult> {
  const joined = await api<JoinResult>(`/api/matches/${matchId}/join`, { method: "POST", headers: as(player) });
  if (joined.status !== 200) throw new Error(`join failed: ${joined.status} ${JSON.stringify(joined.body)}`);
  return joined.body;
}

/** A two-player match with both seats taken (Ada seat 0, Brian seat 1), started. */
export async function startedMatch(game: string, extra: Record<string, unknown> = {}) {
  const players = [await newPlayer("Ada"), await newPlayer("Brian")] as const;
  const match = await createMatch(game, players[0], extra);
  await joinMatch(match.matchId, players[1]);
  return { matchId: match.matchId, players, tokens: [players[0].token, players[1].token] as const };
}

/** The Match object of `matchId`, for RPC and `runInDurableObject`. */
export function matchStub(matchId: string) {
  return env.Match.getByName(matchId);
}

/** Delivers whatever the match's timers hold that is due (the lobby, the players' records, a rematch). */
export async function settle(matchId: string): Promise<void> {
  await runInDurableObject(matchStub(matchId), (instance: Match) => instance.onAlarm());
}

/** The match's public summary (GET /api/matches/:id, which must answer 200). */
export async function summary(matchId: string): Promise<MatchSummary> {
  const response = await api<MatchSummary>(`/api/matches/${matchId}`);
  expect(response.status).toBe(200);
  return response.body;
}

/** The match's seq, move count, status and public log length: what a refusal must leave as it was. */
export async function progress(matchId: string) {
  const { seq, moves, status } = await summary(matchId);
  const log = await api<{ events: unknown[] }>(`/api/matches/${matchId}/events`);
  return { seq, moves, status, events: log.body.events.length };
}

/** Both players (Ada seat 0, Brian seat 1) and a spectator connected to a started match, their snapshots read. */
export async function table(game = "tic-tac-toe", extra: Record<string, unknown> = {}) {
  const { matchId, tokens } = await startedMatch(game, extra);
  const players = [await Client.connect(matchId, tokens[0]), await Client.connect(matchId, tokens[1])] as const;
  const spectator = await Client.connect(matchId);
  const snapshots = [];
  for (const client of [...players, spectator]) snapshots.push((await client.next("snapshot")).state);
  const snapshot = snapshots[2]!;
  return { matchId, tokens, players, spectator, seq: snapshot.seq, snapshot };
}

type Message<T extends ServerMessage["type"]> = Extract<ServerMessage, { type: T }>;

/**
 * A real WebSocket to a match. Every frame received is parsed with the protocol schema (a
 * frame the server sends that doesn't fit its own protocol fails the test) and queued;
 * `next` resolves on socket events, never on sleeps.
 */
export class Client {
  readonly received: ServerMessage[] = [];
  #cursor = 0;
  #waiters: (() => void)[] = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      const parsed = v.safeParse(ServerMessage, JSON.parse(String(event.data)));
      if (!parsed.success) throw new Error(`server sent a frame outside the protocol: ${String(event.data)}`);
      this.received.push(parsed.output);
      this.#wake();
    });
    socket.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.#wake();
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Opens a socket; a token makes it a player, none a spectator. Throws with the HTTP status when refused. */
  static async connect(matchId: string, token?: string, extra: Record<string, string> = {}): Promise<Client> {
    const params = new URLSearchParams(extra);
    if (token !== undefined) params.set("token", token);
    const query = params.size > 0 ? `?${params}` : "";
    const response = await exports.default.fetch(`${ORIGIN}/parties/match/${matchId}${query}`, {
      headers: { Upgrade: "websocket" },
    });
    const socket = response.webSocket;
    if (!socket) throw new RefusedError(response.status, await response.text());
    socket.accept();
    return new Client(socket);
  }

  /** Waits for the next unread frame of `type` (skipping others), optionally matching `where`. */
  async next<T extends ServerMessage["type"]>(
    type: T,
    where: (message: Message<T>) => boolean = () => true,
  ): Promise<Message<T>> {
    for (;;) {
      while (this.#cursor < this.received.length) {
        const message = this.received[this.#cursor++] as ServerMessage;
        if (message.type === type && where(message as Message<T>)) return message as Message<T>;
      }
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting for ${type}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Waits until the socket closes. */
  async closedWith(): Promise<{ code: number; reason: string }> {
    while (!this.closed) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.closed;
  }

  /** Frames of `type` received so far, read or not. */
  all<T extends ServerMessage["type"]>(type: T): Message<T>[] {
    return this.received.filter((message): message is Message<T> => message.type === type);
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  close(): void {
    this.socket.close(1000, "done");
  }
}

/** A WebSocket upgrade the server refused, with its HTTP status and body. */
export class RefusedError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`refused with ${status}: ${body}`);
  }
}
