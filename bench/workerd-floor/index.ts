/**
 * The workerd floor: the least a Durable Object server can do for the bench's driver while
 * keeping every move durable. It answers the question "what does the runtime allow?": the
 * Node floor (bench/floor.ts) does the same work in memory in one Node process; this does it
 * in workerd, one SQLite-backed Durable Object per match, with hibernatable WebSockets.
 *
 * Per move: check the turn and the rules (shared/games/connect-four.ts), one SQLite INSERT of
 * the event (the implicit transaction commits at the end of the event handler and the output
 * gate holds the sends until it has), serialise the frame once, send it to the match's
 * sockets. Nothing else: no partyserver, no schema library on the hot path, no rate limits,
 * no lobby, no ratings, no snapshot rows (the state is rebuilt from the log when an object wakes).
 * Spectators (a socket without a token) get every frame the players get; a broadcast is
 * serialised once and sent to each of `ctx.getWebSockets()`.
 *
 * Turn timers only for a match created with `turnMs` (the bench's idle scenario asks for one;
 * its throughput and spectator runs don't, so their moves set no alarm): each start and move
 * sets the object's alarm to the turn's deadline (carried in the logged event, so a woken object
 * knows it), and the alarm ends the match by `timeout` (the seat on turn loses) and tells the
 * sockets, as Ply's Match does.
 *
 * It speaks the subset of Ply's protocol bench/floor.ts speaks (POST /api/matches, POST
 * /api/matches/:id/join, GET /api/matches/:id(/events), GET /api/games and /parties/match/:id
 * sockets with welcome, snapshot, move → event, rematch), so bench/lib/bot.ts drives it
 * unchanged. Tokens are checked with Ply's verifyToken, in the Worker, as floor.ts checks them
 * in its HTTP handler. Unlike floor.ts, a rematch is the next game in the same object (see #onRematch).
 *
 * With FLOOR_MEMORY=1 it touches no SQLite (the log is an array, lost on eviction): not
 * durable, only to split the workerd floor's cost between the runtime and its storage.
 *
 * Chess too (the wake scenario): a match created with `{ "game": "chess" }` checks and applies
 * UCI moves with chess.js and logs the FEN each move leads to.
 *
 *   npm run bench (bare workerd: bench/lib/workerd.ts), or
 *   wrangler dev --config bench/workerd-floor/wrangler.jsonc --var PLY_TOKEN_SECRET:<32+ chars>
 */
import { DurableObject } from "cloudflare:workers";
import { verifyToken } from "../../server/auth.ts";
import { Chess } from "chess.js";
import { COLUMNS, connectFour, type ConnectFourState } from "../../shared/games/connect-four.ts";
import type { GameResult } from "../../shared/game.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";

interface FloorEnv {
  readonly MATCH: DurableObjectNamespace<FloorMatch>;
  readonly PLY_TOKEN_SECRET: string;
  /** "1": a diagnostic, not a floor — no SQLite at all, the log kept in memory (the bench's --workerd-floor-memory). */
  readonly FLOOR_MEMORY?: string;
  /** "1": each next game in a new object (a memory diagnostic; the floor's default is the same object). */
  readonly FLOOR_NEW_OBJECT?: string;
}

interface Seat {
  readonly pid: string;
  readonly name: string;
  rematch: boolean;
}

interface Player {
  readonly pid: string;
  readonly name: string;
}

/** An HTTP answer from the object: a status and a JSON body, serialised once. */
interface Answer {
  readonly status: number;
  readonly body: string;
}

const TURN_MS = 30_000;
/** The header the Worker passes the verified player id in (stripped from what clients send). */
const PID_HEADER = "x-floor-pid";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k INTEGER PRIMARY KEY CHECK (k = 0), id TEXT NOT NULL, seats TEXT NOT NULL, rematch_id TEXT, turn_ms INTEGER, game TEXT);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);
`;

/**
 * Chess on the floor (the bench's wake scenario): the position as a FEN, checked and advanced by
 * chess.js; each move's event carries the FEN it leads to, so a woken object takes the last one.
 */
interface FloorChess {
  readonly fen: string;
}
type GameId = "connect-four" | "chess";
const CHESS_START = new Chess().fen();

function chessTurn(state: FloorChess): number {
  return state.fen.split(" ")[1] === "b" ? 1 : 0;
}

/** A UCI move on `state`: the next state and the result if it ended the game, or null if illegal. */
function chessMove(state: FloorChess, uci: unknown): { next: FloorChess; result: GameResult | null } | null {
  if (typeof uci !== "string" || !/^[a-h][1-8][a-h][1-8][qrbn]?$/.test(uci)) return null;
  const board = new Chess(state.fen);
  try {
    board.move({ from: uci.slice(0, 2), to: uci.slice(2, 4), ...(uci.length === 5 ? { promotion: uci[4] } : {}) });
  } catch {
    return null;
  }
  const next = { fen: board.fen() };
  if (!board.isGameOver()) return { next, result: null };
  const result: GameResult = board.isCheckmate()
    ? { kind: "win", winners: [chessTurn(next) === 0 ? 1 : 0], reason: "checkmate" }
    : { kind: "draw", reason: "draw" };
  return { next, result };
}

function json(status: number, body: unknown): Answer {
  return { status, body: JSON.stringify(body) };
}

function failure(status: number, code: string, message: string): Answer {
  return json(status, { error: { code, message } });
}

export class FloorMatch extends DurableObject<FloorEnv> {
  #loaded = false;
  #id = "";
  #seats: Seat[] = [];
  #rematchId: string | null = null;
  #gameId: GameId = "connect-four";
  #game: ConnectFourState | FloorChess | null = null;
  #seq = 0;
  #moves = 0;
  #result: GameResult | null = null;
  #finishedAt: number | null = null;
  /** The turn limit (null: no timers, the default), and the deadline of the turn in play. */
  #turnMs: number | null = null;
  #deadline: number | null = null;
  /** Each open socket and its seat (null: spectator); rebuilt from the attachments on wake. */
  readonly #sockets = new Map<WebSocket, number | null>();
  /** FLOOR_MEMORY only: the log. */
  readonly #memory: { seq: number; text: string }[] | null = this.env.FLOOR_MEMORY === "1" ? [] : null;

  /** Reads the match back from SQLite (once per life of the object): meta row, then the log replayed. */
  #load(): boolean {
    if (this.#loaded) return this.#id !== "";
    this.#loaded = true;
    if (this.#memory) return this.#id !== "";
    const sql = this.ctx.storage.sql;
    sql.exec(SCHEMA);
    const meta = sql
      .exec<{ id: string; seats: string; rematch_id: string | null; turn_ms: number | null; game: string | null }>(
        "SELECT id, seats, rematch_id, turn_ms, game FROM meta",
      )
      .toArray()[0];
    if (meta) {
      this.#id = meta.id;
      this.#seats = JSON.parse(meta.seats) as Seat[];
      this.#rematchId = meta.rematch_id;
      this.#turnMs = meta.turn_ms;
      this.#gameId = meta.game === "chess" ? "chess" : "connect-four";
      for (const row of sql.exec<{ body: string }>("SELECT body FROM events ORDER BY seq")) {
        const event = JSON.parse(row.body) as {
          seq: number;
          at: number;
          kind: string;
          seat?: number;
          move?: { column: number };
          fen?: string;
          deadline?: number;
          result?: GameResult;
        };
        this.#seq = event.seq;
        if (event.deadline !== undefined) this.#deadline = event.deadline;
        if (event.kind === "timeout") this.#result = event.result!;
        if (event.kind === "start") {
          // Each game of the object starts with one (the next game is played in the same object).
          this.#game = this.#setup();
          this.#result = null;
          this.#finishedAt = null;
          this.#moves = 0;
        }
        if (event.kind === "move" && this.#game && event.fen !== undefined) {
          this.#game = { fen: event.fen };
          this.#moves += 1;
          this.#result = event.result ?? null;
        } else if (event.kind === "move" && this.#game && !("fen" in this.#game)) {
          this.#game = connectFour.apply(this.#game, event.seat!, event.move!, null as never);
          this.#moves += 1;
          this.#result = connectFour.outcome(this.#game);
        }
        if (this.#result && this.#finishedAt === null) this.#finishedAt = event.at;
      }
    }
    for (const socket of this.ctx.getWebSockets())
      this.#sockets.set(socket, socket.deserializeAttachment() as number | null);
    return this.#id !== "";
  }

  #setup(): ConnectFourState | FloorChess {
    return this.#gameId === "chess" ? { fen: CHESS_START } : connectFour.setup(2, {}, null as never);
  }

  #active(game: ConnectFourState | FloorChess): number[] {
    if ("fen" in game) return this.#result ? [] : [chessTurn(game)];
    return [...connectFour.activeSeats(game)];
  }

  get #status(): "waiting" | "playing" | "finished" {
    return this.#game === null ? "waiting" : this.#result ? "finished" : "playing";
  }

  #saveMeta(): void {
    if (this.#memory) return;
    this.ctx.storage.sql.exec(
      "INSERT INTO meta (k, id, seats, rematch_id, turn_ms, game) VALUES (0, ?, ?, ?, ?, ?) ON CONFLICT (k) DO UPDATE SET seats = excluded.seats, rematch_id = excluded.rematch_id",
      this.#id,
      JSON.stringify(this.#seats),
      this.#rematchId,
      this.#turnMs,
      this.#gameId,
    );
  }

  /** Appends an event to the log (one INSERT) and returns it with its serialised form. */
  #log(event: Record<string, unknown>): { event: Record<string, unknown>; text: string } {
    const logged = { seq: ++this.#seq, at: Date.now(), ...event };
    const text = JSON.stringify(logged);
    if (this.#memory) this.#memory.push({ seq: logged.seq, text });
    else this.ctx.storage.sql.exec("INSERT INTO events (seq, body) VALUES (?, ?)", logged.seq, text);
    return { event: logged, text };
  }

  #start(): void {
    this.#game = this.#setup();
    this.#log({ kind: "start", players: 2, ...this.#nextTurn() });
  }

  /** With a turn limit: the next turn's deadline, set as the alarm, for the logged event. */
  #nextTurn(): { deadline?: number } {
    if (this.#turnMs === null) return {};
    this.#deadline = Date.now() + this.#turnMs;
    void this.ctx.storage.setAlarm(this.#deadline);
    return { deadline: this.#deadline };
  }

  #view() {
    const playing = this.#status === "playing";
    return {
      seq: this.#seq,
      status: this.#status,
      seats: this.#seats.map((seat, index) => ({ seat: index, name: seat.name, playerId: seat.pid })),
      capacity: 2,
      view: this.#game,
      turn: playing ? { seats: this.#active(this.#game!), deadline: this.#deadline ?? Date.now() + TURN_MS } : null,
      moves: this.#moves,
      result: this.#result,
      finishedAt: this.#finishedAt,
      rematch:
        this.#status === "finished"
          ? { offers: this.#seats.map((seat) => seat.rematch), matchId: this.#rematchId }
          : null,
      serverTime: Date.now(),
    };
  }

  /** Serialised once by the caller; every socket of the object, players and spectators. */
  #broadcast(text: string): void {
    for (const socket of this.ctx.getWebSockets()) {
      try {
        socket.send(text);
      } catch {
        this.#sockets.delete(socket);
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // RPC from the Worker (HTTP routes) and from another match (rematch)

  create(id: string, player: Player, turnMs: number | null = null, game: GameId = "connect-four"): Answer {
    this.#load();
    if (this.#id !== "") return failure(409, "exists", "match exists");
    this.#id = id;
    this.#gameId = game;
    this.#turnMs = turnMs;
    this.#seats = [{ ...player, rematch: false }];
    this.#saveMeta();
    this.#log({ kind: "join", seat: 0, name: player.name });
    return json(201, { matchId: id, seat: 0 });
  }

  /** A rematch: both seats at once, started. */
  init(id: string, seats: Player[]): boolean {
    this.#load();
    if (this.#id !== "") return false;
    this.#id = id;
    this.#seats = seats.map((seat) => ({ ...seat, rematch: false }));
    this.#saveMeta();
    for (const [index, seat] of this.#seats.entries()) this.#log({ kind: "join", seat: index, name: seat.name });
    this.#start();
    return true;
  }

  join(player: Player): Answer {
    if (!this.#load()) return failure(404, "not-found", "no such match");
    if (this.#seats.length >= 2) return failure(409, "match-full", "full");
    this.#seats.push({ ...player, rematch: false });
    this.#saveMeta();
    this.#log({ kind: "join", seat: 1, name: player.name });
    this.#start();
    return json(200, { matchId: this.#id, seat: 1 });
  }

  summary(): Answer {
    if (!this.#load()) return failure(404, "not-found", "no such match");
    return json(200, { matchId: this.#id, gameId: this.#gameId, ...this.#view() });
  }

  events(after: number, limit: number): Answer {
    if (!this.#load()) return failure(404, "not-found", "no such match");
    const rows = this.#memory
      ? this.#memory
          .filter((row) => row.seq > after)
          .slice(0, limit)
          .map((row) => ({ seq: row.seq, body: row.text }))
      : this.ctx.storage.sql
          .exec<{ seq: number; body: string }>(
            "SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            after,
            limit,
          )
          .toArray();
    const last = rows.at(-1)?.seq;
    const next = last !== undefined && last < this.#seq ? last : null;
    // The stored events are JSON already: splice them in rather than parse and serialise them again.
    return {
      status: 200,
      body: `{"matchId":${JSON.stringify(this.#id)},"events":[${rows.map((row) => row.body).join(",")}],"next":${next}}`,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Sockets (the hibernation API)

  override async fetch(request: Request): Promise<Response> {
    if (!this.#load()) return new Response("no such match", { status: 404 });
    if (request.headers.get("upgrade") !== "websocket") return new Response("upgrade required", { status: 426 });
    const pid = request.headers.get(PID_HEADER);
    const index = pid ? this.#seats.findIndex((seat) => seat.pid === pid) : -1;
    const seat = index < 0 ? null : index;
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(seat);
    this.#sockets.set(server, seat);
    server.send(
      JSON.stringify({
        type: "welcome",
        protocol: PROTOCOL_VERSION,
        matchId: this.#id,
        gameId: this.#gameId,
        role: seat === null ? "spectator" : "player",
        seat,
      }),
    );
    server.send(
      JSON.stringify({
        type: "snapshot",
        state: this.#view(),
        presence: { connected: [true, true], forfeitAt: [null, null], spectators: 0 },
      }),
    );
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(socket: WebSocket, data: string | ArrayBuffer): Promise<void> {
    this.#load();
    if (typeof data !== "string") return this.#error(socket, "bad-message", "binary");
    let frame: { type?: unknown; id?: unknown; seq?: unknown; move?: unknown };
    try {
      frame = JSON.parse(data) as typeof frame;
    } catch {
      return this.#error(socket, "bad-message", "not JSON");
    }
    if (frame.type === "ping") return socket.send(JSON.stringify({ type: "pong", serverTime: Date.now() }));
    let seat = this.#sockets.get(socket);
    if (seat === undefined) {
      seat = socket.deserializeAttachment() as number | null;
      this.#sockets.set(socket, seat);
    }
    if (seat === null) return this.#error(socket, "spectator", "spectators cannot act");
    if (frame.type === "move") return this.#onMove(socket, seat, frame);
    if (frame.type === "rematch") return this.#onRematch(socket, seat);
    return this.#error(socket, "bad-message", "unknown frame");
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
    this.#sockets.delete(socket);
    try {
      socket.close(code === 1005 ? 1000 : code, reason);
    } catch {
      // Closed already.
    }
  }

  override async webSocketError(socket: WebSocket): Promise<void> {
    this.#sockets.delete(socket);
  }

  #error(socket: WebSocket, code: string, message: string, id?: string): void {
    socket.send(JSON.stringify({ type: "error", code, message, ...(id === undefined ? {} : { id }) }));
  }

  #onMove(socket: WebSocket, seat: number, frame: { id?: unknown; seq?: unknown; move?: unknown }): void {
    const id = typeof frame.id === "string" ? frame.id : undefined;
    if (id === undefined || typeof frame.seq !== "number") return this.#error(socket, "bad-message", "bad move frame");
    const game = this.#game;
    if (this.#status !== "playing" || game === null) return this.#error(socket, "game-over", "not playing", id);
    if (!this.#active(game).includes(seat)) return this.#error(socket, "not-your-turn", "not your turn", id);
    if ("fen" in game) return this.#onChessMove(socket, seat, game, frame.seq, frame.move, id);
    const column = (frame.move as { column?: unknown } | null)?.column;
    if (typeof column !== "number" || !Number.isInteger(column) || column < 0 || column >= COLUMNS) {
      return this.#error(socket, "bad-move", "not a column", id);
    }
    const move = { column };
    if (connectFour.validate(game, seat, move)) return this.#error(socket, "illegal", "column full", id);
    if (frame.seq !== this.#seq) return this.#error(socket, "stale", "stale", id);
    this.#game = connectFour.apply(game, seat, move, null as never);
    this.#moves += 1;
    this.#result = connectFour.outcome(this.#game);
    // The one write of a move; the output gate holds the broadcast below until it has committed.
    const { event, text } = this.#log({ kind: "move", seat, move, id, ...(this.#result ? {} : this.#nextTurn()) });
    if (this.#result) this.#finishedAt = event.at as number;
    this.#broadcast(`{"type":"event","event":${text},"state":${JSON.stringify(this.#view())}}`);
  }

  #onChessMove(socket: WebSocket, seat: number, game: FloorChess, seq: number, move: unknown, id: string): void {
    const played = chessMove(game, move);
    if (played === null) return this.#error(socket, "illegal", "not a legal move", id);
    if (seq !== this.#seq) return this.#error(socket, "stale", "stale", id);
    this.#game = played.next;
    this.#moves += 1;
    this.#result = played.result;
    const { event, text } = this.#log({
      kind: "move",
      seat,
      move,
      id,
      fen: played.next.fen,
      ...(played.result ? { result: played.result } : this.#nextTurn()),
    });
    if (this.#result) this.#finishedAt = event.at as number;
    this.#broadcast(`{"type":"event","event":${text},"state":${JSON.stringify(this.#view())}}`);
  }

  /**
   * FLOOR_NEW_OBJECT=1 (the bench's --floor-new-object, a memory diagnostic): the next game is a
   * new object, created by RPC before anyone is told its id, as Ply's rematches are.
   */
  async #rematchInNewObject(): Promise<void> {
    if (this.#rematchId === null) {
      const rotated = [...this.#seats.slice(1), ...this.#seats.slice(0, 1)].map(({ pid, name }) => ({ pid, name }));
      const next = { id: newMatchId(), seats: rotated };
      this.#rematchId = next.id;
      this.#saveMeta();
      await this.env.MATCH.get(this.env.MATCH.idFromName(next.id)).init(next.id, next.seats);
    }
    this.#broadcast(
      JSON.stringify({ type: "rematch", offers: this.#seats.map((row) => row.rematch), matchId: this.#rematchId }),
    );
  }

  /** The turn timer (matches created with `turnMs` only): the seat on turn loses by timeout. */
  override async alarm(): Promise<void> {
    this.#load();
    const game = this.#game;
    if (this.#status !== "playing" || game === null || this.#deadline === null) return;
    if (Date.now() < this.#deadline) {
      await this.ctx.storage.setAlarm(this.#deadline);
      return;
    }
    const flagged = this.#active(game);
    this.#result = { kind: "win", winners: [0, 1].filter((seat) => !flagged.includes(seat)), reason: "timeout" };
    const { event, text } = this.#log({ kind: "timeout", seats: [...flagged], result: this.#result });
    this.#finishedAt = event.at as number;
    this.#broadcast(`{"type":"event","event":${text},"state":${JSON.stringify(this.#view())}}`);
  }

  /**
   * The next game is played in the same object (as a game server that keeps a table open
   * would): once both seats asked, the board is reset and a `start` event logged and broadcast
   * on the same sockets — no new object, no new sockets, no RPC. The seats keep their places.
   */
  async #onRematch(socket: WebSocket, seat: number): Promise<void> {
    if (this.#status !== "finished") return this.#error(socket, "not-finished", "not finished");
    this.#seats[seat]!.rematch = true;
    if (!this.#seats.every((row) => row.rematch)) {
      this.#saveMeta();
      this.#broadcast(
        JSON.stringify({ type: "rematch", offers: this.#seats.map((row) => row.rematch), matchId: null }),
      );
      return;
    }
    if (this.env.FLOOR_NEW_OBJECT === "1") return this.#rematchInNewObject();
    for (const row of this.#seats) row.rematch = false;
    this.#saveMeta();
    this.#result = null;
    this.#finishedAt = null;
    this.#moves = 0;
    this.#game = this.#setup();
    const { text } = this.#log({ kind: "start", players: 2, ...this.#nextTurn() });
    this.#broadcast(`{"type":"event","event":${text},"state":${JSON.stringify(this.#view())}}`);
  }
}

function newMatchId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_");
}

// ---------------------------------------------------------------------------------------------
// The Worker

async function caller(secret: string, token: string | null | undefined): Promise<Player | null> {
  if (!token) return null;
  const claims = await verifyToken(secret, token);
  return claims.ok ? { pid: claims.value.pid, name: claims.value.name } : null;
}

function respond(answer: Answer): Response {
  return new Response(answer.body, { status: answer.status, headers: { "content-type": "application/json" } });
}

const ID = /^[A-Za-z0-9_-]{8,32}$/;

export default {
  async fetch(request, env): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    const secret = env.PLY_TOKEN_SECRET;
    if (path === "/api/games")
      return respond(json(200, { protocol: PROTOCOL_VERSION, games: [{ id: "connect-four" }] }));
    const bearer = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
    if (path === "/api/matches" && request.method === "POST") {
      const player = await caller(secret, bearer);
      if (!player) return respond(failure(401, "unauthorized", "token"));
      const id = newMatchId();
      // An optional turn limit (the idle scenario's timers): { turnMs } in the body.
      const body = (await request.json().catch(() => null)) as { turnMs?: unknown; game?: unknown } | null;
      const turnMs =
        typeof body?.turnMs === "number" && Number.isInteger(body.turnMs) && body.turnMs >= 1_000 ? body.turnMs : null;
      const game = body?.game === "chess" ? "chess" : "connect-four";
      return respond(await env.MATCH.get(env.MATCH.idFromName(id)).create(id, player, turnMs, game));
    }
    const socket = /^\/parties\/match\/([^/]+)$/.exec(path);
    if (socket) {
      if (!ID.test(socket[1]!)) return new Response("no such match", { status: 404 });
      const token = url.searchParams.get("token");
      const headers = new Headers(request.headers);
      headers.delete(PID_HEADER);
      if (token !== null) {
        const player = await caller(secret, token);
        if (!player) return new Response("unauthorized", { status: 401 });
        headers.set(PID_HEADER, player.pid);
      }
      return env.MATCH.get(env.MATCH.idFromName(socket[1]!)).fetch(new Request(request, { headers }));
    }
    const route = /^\/api\/matches\/([^/]+)(\/join|\/events)?$/.exec(path);
    if (!route || !ID.test(route[1]!)) return respond(failure(404, "not-found", path));
    const stub = env.MATCH.get(env.MATCH.idFromName(route[1]!));
    if (route[2] === "/join" && request.method === "POST") {
      const player = await caller(secret, bearer);
      if (!player) return respond(failure(401, "unauthorized", "token"));
      return respond(await stub.join(player));
    }
    if (route[2] === "/events") {
      const after = Number(url.searchParams.get("after") ?? 0);
      const limit = Math.min(Number(url.searchParams.get("limit") ?? 500), 500);
      return respond(await stub.events(after, limit));
    }
    return respond(await stub.summary());
  },
} satisfies ExportedHandler<FloorEnv>;
