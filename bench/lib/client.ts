/**
 * The driver's side of the wire: HTTP calls with bounded waits, player tokens signed with the
 * secret the bench gave the server (so no POST /api/players and its per-address limit), and
 * WebSockets (the `ws` client, without permessage-deflate, for both Ply and the floor).
 */
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { signToken } from "../../server/auth.ts";

export { WebSocket };

export interface Player {
  readonly pid: string;
  readonly name: string;
  readonly token: string;
}

/** Players for one run: ids are `<prefix><index>` (8–32 URL-safe characters, as the server wants). */
export async function players(secret: string, prefix: string, count: number): Promise<Player[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const pid = `${prefix}${String(index).padStart(6, "0")}`;
      const name = `Bot ${index}`;
      return { pid, name, token: await signToken(secret, { pid, name }) };
    }),
  );
}

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** One JSON call; throws HttpError on a non-2xx answer. */
export async function call<T>(
  origin: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string; timeoutMs?: number } = {},
): Promise<T> {
  const response = await fetch(`${origin}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: {
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: reported below with the status.
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new HttpError(
      response.status,
      error?.code ?? "http",
      `${init.method ?? "GET"} ${path}: ${response.status} ${error?.message ?? text.slice(0, 200)}`,
    );
  }
  return json as T;
}

/** The match socket URL of `origin`, as a player (with a token) or a spectator. */
export function matchUrl(origin: string, matchId: string, token?: string): string {
  const base = `${origin.replace(/^http/, "ws")}/parties/match/${matchId}`;
  return token ? `${base}?token=${encodeURIComponent(token)}` : base;
}

/**
 * Opens a socket; resolves once open, rejects on error or after `timeoutMs`. `onMessage` is
 * attached before the handshake: the server's first frames can arrive with its 101 answer.
 */
export function openSocket(
  url: string,
  onMessage: (data: Buffer, socket: WebSocket) => void,
  timeoutMs = 30_000,
): Promise<WebSocket> {
  return new Promise((resolveOpen, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    socket.on("message", (data: Buffer) => onMessage(data, socket));
    const fail = (error: unknown) => {
      socket.removeAllListeners("open");
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    socket.once("open", () => {
      socket.removeListener("error", fail);
      resolveOpen(socket);
    });
    socket.once("error", fail);
    socket.once("unexpected-response", (_request, response) => {
      fail(new Error(`upgrade refused: ${response.statusCode}`));
      socket.terminate();
    });
  });
}

export const now = (): number => performance.now();
