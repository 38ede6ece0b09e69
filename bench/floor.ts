/**
 * The floor: the least a server can do for the bench's driver. A Node `ws` server keeping
 * Connect Four matches in memory; per move it checks the turn and the rules (the same
 * shared/games/connect-four.ts), appends the event to an array and broadcasts one serialised
 * frame. No persistence, no schema library, no timers, no rate limits, no lobby, no ratings.
 *
 * It speaks just enough of Ply's protocol for bench/lib/bot.ts: POST /api/matches, POST
 * /api/matches/:id/join, GET /api/matches/:id(/events), and /parties/match/:id sockets with
 * welcome, snapshot, move → event, rematch. Tokens are checked with Ply's own verifyToken.
 *
 *   node bench/floor.ts --port 9000     (secret in FLOOR_TOKEN_SECRET)
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { WebSocketServer, type WebSocket } from "ws";
import { verifyToken } from "../server/auth.ts";
import { COLUMNS, connectFour, type ConnectFourState } from "../shared/games/connect-four.ts";
import { PROTOCOL_VERSION } from "../shared/protocol.ts";

const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
const secret = process.env.FLOOR_TOKEN_SECRET ?? "";
if (!Number.isInteger(port) || secret.length < 32) {
  console.error("usage: FLOOR_TOKEN_SECRET=<32+ chars> node bench/floor.ts --port <port>");
  process.exit(2);
}

interface Seat {
  readonly pid: string;
  readonly name: string;
  rematch: boolean;
}

interface FloorMatch {
  readonly id: string;
  readonly seats: Seat[];
  status: "waiting" | "playing" | "finished";
  game: ConnectFourState | null;
  seq: number;
  moves: number;
  result: ReturnType<typeof connectFour.outcome>;
  readonly events: Record<string, unknown>[];
  readonly sockets: Set<WebSocket>;
  rematchId: string | null;
}

const matches = new Map<string, FloorMatch>();
const TURN_MS = 30_000;

function newMatch(seats: Seat[]): FloorMatch {
  const match: FloorMatch = {
    id: randomBytes(12).toString("base64url"),
    seats,
    status: "waiting",
    game: null,
    seq: 0,
    moves: 0,
    result: null,
    events: [],
    sockets: new Set(),
    rematchId: null,
  };
  matches.set(match.id, match);
  for (const [index, seat] of seats.entries()) log(match, { kind: "join", seat: index, name: seat.name });
  return match;
}

function log(match: FloorMatch, event: Record<string, unknown>): Record<string, unknown> {
  const logged = { seq: ++match.seq, at: Date.now(), ...event };
  match.events.push(logged);
  return logged;
}

function start(match: FloorMatch): void {
  match.status = "playing";
  match.game = connectFour.setup(2, {}, null as never);
  log(match, { kind: "start", players: 2 });
}

function view(match: FloorMatch) {
  const playing = match.status === "playing" && match.game !== null;
  return {
    seq: match.seq,
    status: match.status,
    seats: match.seats.map((seat, index) => ({ seat: index, name: seat.name, playerId: seat.pid })),
    capacity: 2,
    view: match.game,
    turn: playing ? { seats: [...connectFour.activeSeats(match.game!)], deadline: Date.now() + TURN_MS } : null,
    moves: match.moves,
    result: match.result,
    rematch:
      match.status === "finished"
        ? { offers: match.seats.map((seat) => seat.rematch), matchId: match.rematchId }
        : null,
    serverTime: Date.now(),
  };
}

function broadcast(match: FloorMatch, frame: unknown): void {
  const text = JSON.stringify(frame);
  for (const socket of match.sockets) socket.send(text);
}

function sendError(socket: WebSocket, code: string, message: string, id?: string): void {
  socket.send(JSON.stringify({ type: "error", code, message, ...(id === undefined ? {} : { id }) }));
}

function onMove(
  match: FloorMatch,
  socket: WebSocket,
  seat: number,
  frame: { id?: unknown; seq?: unknown; move?: unknown },
): void {
  const id = typeof frame.id === "string" ? frame.id : undefined;
  if (id === undefined || typeof frame.seq !== "number") return sendError(socket, "bad-message", "bad move frame");
  if (match.status !== "playing" || match.game === null) return sendError(socket, "game-over", "not playing", id);
  if (!connectFour.activeSeats(match.game).includes(seat))
    return sendError(socket, "not-your-turn", "not your turn", id);
  const column = (frame.move as { column?: unknown } | null)?.column;
  if (typeof column !== "number" || !Number.isInteger(column) || column < 0 || column >= COLUMNS) {
    return sendError(socket, "bad-move", "not a column", id);
  }
  const move = { column };
  if (connectFour.validate(match.game, seat, move)) return sendError(socket, "illegal", "column full", id);
  if (frame.seq !== match.seq) return sendError(socket, "stale", "stale", id);
  match.game = connectFour.apply(match.game, seat, move, null as never);
  match.moves += 1;
  match.result = connectFour.outcome(match.game);
  if (match.result) match.status = "finished";
  const event = log(match, { kind: "move", seat, move, id });
  broadcast(match, { type: "event", event, state: view(match) });
}

function onRematch(match: FloorMatch, socket: WebSocket, seat: number): void {
  if (match.status !== "finished") return sendError(socket, "not-finished", "not finished");
  match.seats[seat]!.rematch = true;
  if (match.rematchId === null && match.seats.every((row) => row.rematch)) {
    const rotated = [...match.seats.slice(1), ...match.seats.slice(0, 1)].map(({ pid, name }) => ({
      pid,
      name,
      rematch: false,
    }));
    const next = newMatch(rotated);
    start(next);
    match.rematchId = next.id;
  }
  broadcast(match, { type: "rematch", offers: match.seats.map((row) => row.rematch), matchId: match.rematchId });
}

// ---------------------------------------------------------------------------------------------
// HTTP

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

async function caller(request: IncomingMessage): Promise<{ pid: string; name: string } | null> {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
  if (!token) return null;
  const claims = await verifyToken(secret, token);
  return claims.ok ? { pid: claims.value.pid, name: claims.value.name } : null;
}

async function onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
  // Drain any body: the floor needs nothing from it.
  for await (const _chunk of request);
  const url = new URL(request.url ?? "/", "http://floor");
  const path = url.pathname;
  if (path === "/api/games")
    return reply(response, 200, { protocol: PROTOCOL_VERSION, games: [{ id: "connect-four" }] });
  if (path === "/api/matches" && request.method === "POST") {
    const player = await caller(request);
    if (!player) return reply(response, 401, { error: { code: "unauthorized", message: "token" } });
    const match = newMatch([{ ...player, rematch: false }]);
    return reply(response, 201, { matchId: match.id, seat: 0 });
  }
  const route = /^\/api\/matches\/([^/]+)(\/join|\/events)?$/.exec(path);
  const match = route ? matches.get(route[1]!) : undefined;
  if (!route || !match) return reply(response, 404, { error: { code: "not-found", message: path } });
  if (route[2] === "/join" && request.method === "POST") {
    const player = await caller(request);
    if (!player) return reply(response, 401, { error: { code: "unauthorized", message: "token" } });
    if (match.seats.length >= 2) return reply(response, 409, { error: { code: "match-full", message: "full" } });
    match.seats.push({ ...player, rematch: false });
    log(match, { kind: "join", seat: 1, name: player.name });
    start(match);
    return reply(response, 200, { matchId: match.id, seat: 1 });
  }
  if (route[2] === "/events") {
    const after = Number(url.searchParams.get("after") ?? 0);
    const limit = Number(url.searchParams.get("limit") ?? 500);
    const events = match.events.filter((event) => (event.seq as number) > after).slice(0, limit);
    const last = events.at(-1)?.seq as number | undefined;
    return reply(response, 200, {
      matchId: match.id,
      events,
      next: last !== undefined && last < match.seq ? last : null,
    });
  }
  const state = view(match);
  return reply(response, 200, { matchId: match.id, gameId: "connect-four", ...state });
}

const http = createServer((request, response) => {
  onRequest(request, response).catch((error) =>
    reply(response, 500, { error: { code: "internal", message: String(error) } }),
  );
});

// ---------------------------------------------------------------------------------------------
// WebSockets

const sockets = new WebSocketServer({ noServer: true, perMessageDeflate: false });

http.on("upgrade", (request, socket, head) => {
  const url = new URL(request.url ?? "/", "http://floor");
  const match = matches.get(/^\/parties\/match\/([^/]+)$/.exec(url.pathname)?.[1] ?? "");
  if (!match) {
    socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
    return;
  }
  const token = url.searchParams.get("token");
  const admit = async (): Promise<number | null> => {
    if (token === null) return null;
    const claims = await verifyToken(secret, token);
    if (!claims.ok) throw new Error("bad token");
    const seat = match.seats.findIndex((row) => row.pid === claims.value.pid);
    return seat < 0 ? null : seat;
  };
  admit().then(
    (seat) => sockets.handleUpgrade(request, socket, head, (ws) => connect(match, ws, seat)),
    () => socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n"),
  );
});

function connect(match: FloorMatch, socket: WebSocket, seat: number | null): void {
  match.sockets.add(socket);
  socket.on("close", () => match.sockets.delete(socket));
  socket.on("error", () => match.sockets.delete(socket));
  socket.send(
    JSON.stringify({
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      matchId: match.id,
      gameId: "connect-four",
      role: seat === null ? "spectator" : "player",
      seat,
    }),
  );
  socket.send(
    JSON.stringify({
      type: "snapshot",
      state: view(match),
      presence: { connected: [true, true], forfeitAt: [null, null], spectators: 0 },
    }),
  );
  socket.on("message", (data, binary) => {
    if (binary) return sendError(socket, "bad-message", "binary");
    let frame: { type?: unknown; id?: unknown; seq?: unknown; move?: unknown };
    try {
      frame = JSON.parse(String(data)) as typeof frame;
    } catch {
      return sendError(socket, "bad-message", "not JSON");
    }
    if (frame.type === "ping") return socket.send(JSON.stringify({ type: "pong", serverTime: Date.now() }));
    if (seat === null) return sendError(socket, "spectator", "spectators cannot act");
    if (frame.type === "move") return onMove(match, socket, seat, frame);
    if (frame.type === "rematch") return onRematch(match, socket, seat);
    return sendError(socket, "bad-message", "unknown frame");
  });
}

http.listen(port, "127.0.0.1");
const stop = () => {
  for (const client of sockets.clients) client.terminate();
  http.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
