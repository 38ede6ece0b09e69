/**
 * Match: one match per Durable Object. A thin master around the shared engine:
 * load, check, apply, persist, broadcast. SQLite is the truth; fields are caches rebuilt on wake.
 */
import { nanoid } from "nanoid";
import { Server, type Connection, type ConnectionContext, type WSMessage } from "partyserver";
import * as v from "valibot";
import { createEngine, describeIssues, parseOptions, type Engine, type MatchEvent, type MatchState, type Seat, type Viewer } from "../shared/game.ts";
import { findGame } from "../shared/games/index.ts";
import {
  CLOSE_CODES,
  ClientMessage,
  LIMITS,
  PROTOCOL_VERSION,
  type FrameError,
  type JoinResult,
  type LoggedEvent,
  type MatchSummary,
  type MatchView,
  type SeatInfo,
  type ServerMessage,
} from "../shared/protocol.ts";
import { signToken, tokenSecret, verifyToken } from "./auth.ts";
import { errorResponse, failureResponse, json } from "./http.ts";
import { isBlank, migrate } from "./storage.ts";

/** What a connection is, kept in its attachment so it survives hibernation. */
export type Role = { readonly role: "player"; readonly seat: Seat; readonly pid: string } | { readonly role: "spectator" };

/** Fixed at creation. */
interface MatchConfig {
  readonly matchId: string;
  readonly gameId: string;
  readonly options: unknown;
  readonly capacity: number;
  readonly turnMs: number;
  readonly createdAt: number;
}

/** The match at one seq: what a frame describes. */
interface Point {
  readonly state: MatchState;
  readonly seq: number;
  readonly deadline: number | null;
}

/** The in-memory cache of the match, rebuilt from SQLite by `load`. */
interface Loaded {
  readonly config: MatchConfig;
  readonly engine: Engine;
  state: MatchState;
  seq: number;
  seats: SeatInfo[];
  deadline: number | null;
  startedAt: number | null;
  finishedAt: number | null;
}

/** Token bucket and strike count of one socket; in memory only (soft limits reset on wake). */
interface Bucket {
  tokens: number;
  updated: number;
  /** Refused frames, decaying by LIMITS.strikeDecayPerSecond. */
  strikes: number;
  struck: number;
}

type MatchRow = {
  match_id: string;
  game_id: string;
  options: string;
  capacity: number;
  turn_ms: number;
  seed: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
};
type EventRow = { seq: number; payload: string; at: number };

const encoder = new TextEncoder();

/** True when the frame is over LIMITS.frameBytes in UTF-8. */
function tooLarge(message: WSMessage): boolean {
  if (typeof message !== "string") return message.byteLength > LIMITS.frameBytes;
  // A UTF-16 unit is 1 to 3 UTF-8 bytes: only encode when the length alone can't decide.
  if (message.length > LIMITS.frameBytes) return true;
  if (message.length * 3 <= LIMITS.frameBytes) return false;
  return encoder.encode(message).byteLength > LIMITS.frameBytes;
}

/** Rows are written only by `#commit`, from events that passed the engine: trusted data. */
function toLogged(row: EventRow): LoggedEvent {
  return { seq: row.seq, at: row.at, ...(JSON.parse(row.payload) as MatchEvent) } as LoggedEvent;
}

export class Match extends Server<Env> {
  static override options = { hibernate: true };

  #loaded: Loaded | null = null;
  /** Verified roles of upgrade requests between `fetch` and `onConnect` (same Request object). */
  #admitted = new WeakMap<Request, Role>();
  #buckets = new Map<string, Bucket>();
  /** The alarm time last set by this instance; undefined after a wake (unknown). */
  #alarmAt: number | null | undefined = undefined;

  // -------------------------------------------------------------------------------------------
  // Loading

  /** Reads the match from SQLite into the cache; null if this object holds no match. */
  #load(): Loaded | null {
    if (this.#loaded) return this.#loaded;
    const sql = this.ctx.storage.sql;
    // A blank object (an unknown id) stays blank: reading it must not create tables.
    if (isBlank(sql)) return null;
    this.ctx.storage.transactionSync(() => migrate(sql));
    const row = sql.exec<MatchRow>("SELECT * FROM match").toArray()[0];
    if (!row) return null;
    const game = findGame(row.game_id);
    if (!game) throw new Error(`match ${row.match_id} is of unknown game ${row.game_id}`);
    const options: unknown = JSON.parse(row.options);
    const snapshot = sql.exec<{ seq: number; state: string; deadline: number | null }>("SELECT * FROM snapshot").one();
    this.#loaded = {
      config: {
        matchId: row.match_id,
        gameId: row.game_id,
        options,
        capacity: row.capacity,
        turnMs: row.turn_ms,
        createdAt: row.created_at,
      },
      engine: createEngine(game, options, row.seed),
      state: JSON.parse(snapshot.state) as MatchState,
      seq: snapshot.seq,
      seats: sql.exec<SeatInfo>("SELECT seat, name FROM seats ORDER BY seat").toArray(),
      deadline: snapshot.deadline,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
    };
    return this.#loaded;
  }

  override onStart(): void {
    this.#load();
  }

  // -------------------------------------------------------------------------------------------
  // RPC from the Worker (HTTP routes)

  /** Creates the match in this (blank) object. */
  async create(input: { gameId: string; options: unknown; turnMs: number | undefined }): Promise<Response> {
    if (this.#load()) return errorResponse(409, "match-exists", "a match with this id exists already");
    const game = findGame(input.gameId);
    if (!game) return errorResponse(400, "unknown-game", `no game called ${input.gameId}`);
    const options = parseOptions(game, input.options);
    if (!options.ok) return failureResponse(options.error);
    // A match nobody could join is worse than no match.
    const secret = tokenSecret(this.env);
    if (!secret.ok) return failureResponse(secret.error);
    const now = Date.now();
    const seed = nanoid(32);
    const engine = createEngine(game, options.value, seed);
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      migrate(sql);
      sql.exec(
        `INSERT INTO match (id, match_id, game_id, options, capacity, turn_ms, seed, status, created_at)
         VALUES (1, ?, ?, ?, ?, ?, ?, 'waiting', ?)`,
        this.name,
        game.id,
        JSON.stringify(options.value),
        game.maxPlayers,
        input.turnMs ?? game.defaultTurnMs,
        seed,
        now,
      );
      sql.exec("INSERT INTO snapshot (id, seq, state) VALUES (1, 0, ?)", JSON.stringify(engine.initial()));
    });
    const loaded = this.#load();
    if (!loaded) throw new Error("match vanished right after creation");
    return json(this.#summary(loaded), 201);
  }

  /** Gives the next free seat to `name` and a token that acts for it. Starts the match when full. */
  async join(name: string): Promise<Response> {
    const loaded = this.#load();
    if (!loaded) return errorResponse(404, "not-found", "no such match");
    const secret = tokenSecret(this.env);
    if (!secret.ok) return failureResponse(secret.error);
    const full = (): Response => errorResponse(409, "match-full", "every seat of this match is taken");
    if (loaded.state.status !== "waiting" || loaded.seats.length >= loaded.config.capacity) return full();
    const seat = loaded.seats.length;
    const playerId = nanoid();
    const events: MatchEvent[] = [{ kind: "join", seat, name }];
    if (seat + 1 === loaded.config.capacity) events.push({ kind: "start", players: seat + 1 });
    // Sign before committing: the only await, so the seat can't be taken twice meanwhile.
    const token = await signToken(secret.value, { mid: loaded.config.matchId, seat, pid: playerId });
    if (loaded.seats.length !== seat || loaded.state.status !== "waiting") return full();
    await this.#commit(events, (sql, now) =>
      sql.exec("INSERT INTO seats (seat, player_id, name, joined_at) VALUES (?, ?, ?, ?)", seat, playerId, name, now),
    );
    return json({ matchId: loaded.config.matchId, seat, playerId, token } satisfies JoinResult);
  }

  /** The public summary. */
  async summary(): Promise<Response> {
    const loaded = this.#load();
    return loaded ? json(this.#summary(loaded)) : errorResponse(404, "not-found", "no such match");
  }

  /** A page of the public log after `after`; `next` is the `after` of the next page, if any. */
  async events(after: number, limit: number): Promise<Response> {
    const loaded = this.#load();
    if (!loaded) return errorResponse(404, "not-found", "no such match");
    const rows = this.ctx.storage.sql
      .exec<EventRow>("SELECT seq, payload, at FROM events WHERE seq > ? ORDER BY seq LIMIT ?", after, limit)
      .toArray();
    const events = rows.map(toLogged);
    const last = events.at(-1);
    return json({ matchId: loaded.config.matchId, events, next: last && last.seq < loaded.seq ? last.seq : null });
  }

  // -------------------------------------------------------------------------------------------
  // WebSocket admission: checked before the socket is accepted.

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return errorResponse(426, "upgrade-required", "connect with a WebSocket");
    }
    const loaded = this.#load();
    if (!loaded) return errorResponse(404, "not-found", "no such match");
    const url = new URL(request.url);
    const token = url.searchParams.get("token");
    // PartyServer takes a client's `_pk` as the connection id; ids here are ours to choose,
    // so no client can collide with another's presence or rate bucket.
    if (url.searchParams.has("_pk")) {
      url.searchParams.delete("_pk");
      request = new Request(url, request);
    }
    if (token === null) {
      this.#admitted.set(request, { role: "spectator" });
      return super.fetch(request);
    }
    const secret = tokenSecret(this.env);
    if (!secret.ok) return errorResponse(500, secret.error.code, secret.error.message);
    const claims = await verifyToken(secret.value, token);
    if (!claims.ok) return errorResponse(401, claims.error.code, claims.error.message);
    const { mid, seat, pid } = claims.value;
    const holder = this.ctx.storage.sql
      .exec<{ player_id: string }>("SELECT player_id FROM seats WHERE seat = ?", seat)
      .toArray()[0];
    if (mid !== loaded.config.matchId || holder?.player_id !== pid) {
      return errorResponse(403, "forbidden", "this token is for another match or seat");
    }
    this.#admitted.set(request, { role: "player", seat, pid });
    return super.fetch(request);
  }

  override getConnectionTags(_connection: Connection, context: ConnectionContext): string[] {
    const role = this.#admitted.get(context.request);
    return role?.role === "player" ? ["player", `seat:${role.seat}`] : ["spectator"];
  }

  override onConnect(connection: Connection<Role>, context: ConnectionContext): void {
    const loaded = this.#load();
    const role = this.#admitted.get(context.request);
    if (!loaded || !role) throw new Error("connection reached onConnect without admission");
    connection.setState(role);
    const seat = role.role === "player" ? role.seat : null;
    this.#send(connection, {
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      matchId: loaded.config.matchId,
      gameId: loaded.config.gameId,
      role: role.role,
      seat,
    });
    const connected = this.#presence();
    this.#send(connection, { type: "snapshot", state: this.#view(loaded, seat ?? "spectator"), connected });
    if (seat !== null && this.#seatConnections(seat, connection.id) === 0) this.#broadcastPresence(connected);
  }

  override onClose(connection: Connection<Role>): void {
    this.#buckets.delete(connection.id);
    const role = connection.state;
    if (role?.role === "player" && this.#seatConnections(role.seat, connection.id) === 0) {
      this.#broadcastPresence(this.#presence(connection.id));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Frames: a rate limit, then one guard ladder in order:
  // size → schema → role → status → turn → move shape and legality → seq.

  override async onMessage(connection: Connection<Role>, message: WSMessage): Promise<void> {
    const loaded = this.#load();
    const role = connection.state;
    if (!loaded || !role) return;
    if (!this.#allow(connection)) return this.#refuse(connection, "rate-limited", "slow down: too many frames");
    if (tooLarge(message)) {
      return this.#refuse(connection, "too-large", `frames are limited to ${LIMITS.frameBytes} bytes`);
    }
    if (typeof message !== "string") return this.#refuse(connection, "bad-message", "binary frames are not supported");
    let json: unknown;
    try {
      json = JSON.parse(message);
    } catch {
      return this.#refuse(connection, "bad-message", "the frame is not JSON");
    }
    const parsed = v.safeParse(ClientMessage, json);
    if (!parsed.success) return this.#refuse(connection, "bad-message", describeIssues(parsed.issues));
    const frame = parsed.output;
    switch (frame.type) {
      case "ping":
        return this.#send(connection, { type: "pong", t: frame.t, serverTime: Date.now() });
      case "resync":
        return this.#resync(connection, loaded, role, frame.seq);
      case "resign": {
        if (role.role !== "player") return this.#error(connection, "spectator", "spectators cannot resign");
        if (loaded.state.status === "waiting") return this.#error(connection, "not-started", "the match has not started");
        if (loaded.state.status === "finished") return this.#error(connection, "game-over", "the match is over");
        return this.#commit([{ kind: "resign", seat: role.seat }]);
      }
      case "move": {
        if (role.role !== "player") return this.#error(connection, "spectator", "spectators cannot move", frame.id);
        const original = this.ctx.storage.sql
          .exec<{ seq: number }>("SELECT seq FROM events WHERE seat = ? AND client_id = ?", role.seat, frame.id)
          .toArray()[0];
        // A retried move id gets the original answer and changes nothing.
        if (original) return this.#send(connection, { type: "ack", id: frame.id, seq: original.seq });
        const checked = loaded.engine.check(loaded.state, role.seat, frame.move);
        if (!checked.ok) {
          const { code, message: text, reason } = checked.error;
          return this.#error(connection, code, text, frame.id, reason);
        }
        if (frame.seq !== loaded.seq) {
          return this.#error(connection, "stale", `the move was made at seq ${frame.seq}; the match is at ${loaded.seq}`, frame.id);
        }
        return this.#commit([{ kind: "move", seat: role.seat, move: checked.move, id: frame.id }]);
      }
    }
  }

  #resync(connection: Connection<Role>, loaded: Loaded, role: Role, from: number): void {
    const viewer = role.role === "player" ? role.seat : "spectator";
    if (from > loaded.seq || loaded.seq - from > LIMITS.resyncEvents) {
      return this.#send(connection, { type: "snapshot", state: this.#view(loaded, viewer), connected: this.#presence() });
    }
    const events = this.ctx.storage.sql
      .exec<EventRow>("SELECT seq, payload, at FROM events WHERE seq > ? ORDER BY seq", from)
      .toArray()
      .map(toLogged);
    this.#send(connection, { type: "sync", from, events, state: this.#view(loaded, viewer) });
  }

  // -------------------------------------------------------------------------------------------
  // Committing: every change is events + snapshot + timers in one transaction, then the broadcast.

  /** `alongside` writes rows that belong with the events in the same transaction. */
  async #commit(events: readonly MatchEvent[], alongside?: (sql: SqlStorage, now: number) => void): Promise<void> {
    const loaded = this.#loaded;
    if (!loaded) throw new Error("commit without a loaded match");
    const now = Date.now();
    const deadlineOf = (state: MatchState): number | null => (state.status === "playing" ? now + loaded.config.turnMs : null);
    let state = loaded.state;
    let seq = loaded.seq;
    // Each event with the match as it stood right after it, so every frame is true to its seq.
    const steps: { event: LoggedEvent; point: Point }[] = [];
    for (const event of events) {
      state = loaded.engine.apply(state, event);
      seq += 1;
      steps.push({ event: { seq, at: now, ...event } as LoggedEvent, point: { state, seq, deadline: deadlineOf(state) } });
    }
    const deadline = deadlineOf(state);
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      alongside?.(sql, now);
      for (const { event } of steps) {
        const { seq: eventSeq, at, ...payload } = event;
        const seat = "seat" in event ? event.seat : null;
        const clientId = event.kind === "move" ? event.id : null;
        sql.exec(
          "INSERT INTO events (seq, kind, seat, client_id, payload, at) VALUES (?, ?, ?, ?, ?, ?)",
          eventSeq,
          event.kind,
          seat,
          clientId,
          JSON.stringify(payload),
          at,
        );
      }
      sql.exec("UPDATE snapshot SET seq = ?, state = ?, deadline = ?", seq, JSON.stringify(state), deadline);
      if (state.status !== loaded.state.status) {
        sql.exec(
          `UPDATE match SET status = ?, result = ?,
             started_at = coalesce(started_at, CASE WHEN ? = 'playing' THEN ? END),
             finished_at = CASE WHEN ? = 'finished' THEN ? END`,
          state.status,
          state.result ? JSON.stringify(state.result) : null,
          state.status,
          now,
          state.status,
          now,
        );
      }
      sql.exec("DELETE FROM timers WHERE kind = 'turn'");
      if (deadline !== null) sql.exec("INSERT INTO timers (kind, at, seq) VALUES ('turn', ?, ?)", deadline, seq);
    });
    if (state.status === "playing" && loaded.state.status === "waiting") loaded.startedAt = now;
    if (state.status === "finished" && loaded.state.status !== "finished") loaded.finishedAt = now;
    if (events.some((event) => event.kind === "join")) {
      loaded.seats = sql.exec<SeatInfo>("SELECT seat, name FROM seats ORDER BY seat").toArray();
    }
    loaded.state = state;
    loaded.seq = seq;
    loaded.deadline = deadline;
    // Broadcast before any await so frames leave in seq order; the output gate holds them
    // until the transaction above is durable.
    for (const { event, point } of steps) this.#broadcastEvent(loaded, event, point);
    await this.#syncAlarm();
  }

  /** Points the single alarm at the earliest timer (or clears it). */
  async #syncAlarm(): Promise<void> {
    const next = this.ctx.storage.sql.exec<{ at: number | null }>("SELECT min(at) AS at FROM timers").one().at;
    if (next === this.#alarmAt) return;
    this.#alarmAt = next;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }

  /** Alarms are delivered at least once: only timers that are due and still current act. */
  override async onAlarm(): Promise<void> {
    const loaded = this.#load();
    if (!loaded) return;
    this.#alarmAt = undefined;
    const due = this.ctx.storage.sql
      .exec<{ kind: string; at: number; seq: number }>("SELECT kind, at, seq FROM timers WHERE at <= ? ORDER BY at", Date.now())
      .toArray();
    for (const timer of due) {
      const current = timer.kind === "turn" && timer.seq === loaded.seq && loaded.state.status === "playing";
      const event = current ? loaded.engine.timeout(loaded.state) : null;
      if (event) await this.#commit([event]);
      else this.ctx.storage.sql.exec("DELETE FROM timers WHERE kind = ? AND seq = ?", timer.kind, timer.seq);
    }
    await this.#syncAlarm();
  }

  // -------------------------------------------------------------------------------------------
  // Views and sending

  /**
   * The match as `viewer` may see it, now or at `point`. Without hidden information every
   * recipient gets the spectator view, so snapshots and events agree byte for byte.
   */
  #view(loaded: Loaded, viewer: Viewer, point: Point = loaded): MatchView {
    const { engine } = loaded;
    const { state } = point;
    return {
      seq: point.seq,
      status: state.status,
      seats: loaded.seats,
      capacity: loaded.config.capacity,
      view: engine.view(state, engine.game.hiddenInformation ? viewer : "spectator"),
      turn: state.status === "playing" ? { seats: [...engine.activeSeats(state)], deadline: point.deadline } : null,
      moves: state.moves,
      result: state.result,
      serverTime: Date.now(),
    };
  }

  #summary(loaded: Loaded): MatchSummary {
    const view = this.#view(loaded, "spectator");
    return {
      matchId: loaded.config.matchId,
      gameId: loaded.config.gameId,
      options: loaded.config.options,
      turnMs: loaded.config.turnMs,
      status: view.status,
      capacity: view.capacity,
      seats: view.seats,
      seq: view.seq,
      moves: view.moves,
      turn: view.turn,
      result: view.result,
      createdAt: loaded.config.createdAt,
      startedAt: loaded.startedAt,
      finishedAt: loaded.finishedAt,
    };
  }

  /** Same bytes to everyone for perfect-information games; each recipient's own view otherwise. */
  #broadcastEvent(loaded: Loaded, event: LoggedEvent, point: Point): void {
    if (!loaded.engine.game.hiddenInformation) {
      this.broadcast(this.#frame({ type: "event", event, state: this.#view(loaded, "spectator", point) }));
      return;
    }
    const frames = new Map<Viewer, string>();
    for (const connection of this.getConnections<Role>()) {
      const role = connection.state;
      const viewer: Viewer = role?.role === "player" ? role.seat : "spectator";
      let frame = frames.get(viewer);
      if (frame === undefined) {
        frame = this.#frame({ type: "event", event, state: this.#view(loaded, viewer, point) });
        frames.set(viewer, frame);
      }
      connection.send(frame);
    }
  }

  /** Open connections of `seat`, not counting `except`. */
  #seatConnections(seat: Seat, except: string): number {
    let count = 0;
    for (const connection of this.getConnections(`seat:${seat}`)) if (connection.id !== except) count++;
    return count;
  }

  #presence(closing?: string): boolean[] {
    const loaded = this.#loaded;
    const connected: boolean[] = [];
    for (let seat = 0; seat < (loaded?.config.capacity ?? 0); seat++) {
      connected.push(this.#seatConnections(seat, closing ?? "") > 0);
    }
    return connected;
  }

  #broadcastPresence(connected: boolean[]): void {
    this.broadcast(this.#frame({ type: "presence", connected }));
  }

  #frame(message: ServerMessage): string {
    return JSON.stringify(message);
  }

  #send(connection: Connection, message: ServerMessage): void {
    connection.send(this.#frame(message));
  }

  #error(connection: Connection, code: FrameError, message: string, id?: string, reason?: string): void {
    this.#send(connection, {
      type: "error",
      code,
      message,
      ...(id === undefined ? {} : { id }),
      ...(reason === undefined ? {} : { reason }),
    });
  }

  /** Refuses a frame that breaks the transport rules; too many of them close the socket. */
  #refuse(connection: Connection, code: FrameError, message: string): void {
    const bucket = this.#bucket(connection);
    const now = Date.now();
    bucket.strikes = Math.max(0, bucket.strikes - ((now - bucket.struck) / 1000) * LIMITS.strikeDecayPerSecond) + 1;
    bucket.struck = now;
    if (bucket.strikes > LIMITS.floodStrikes) {
      connection.close(CLOSE_CODES.flooding, "too many refused frames");
      return;
    }
    this.#error(connection, code, message);
  }

  #bucket(connection: Connection): Bucket {
    let bucket = this.#buckets.get(connection.id);
    if (!bucket) {
      bucket = { tokens: LIMITS.frameBurst, updated: Date.now(), strikes: 0, struck: Date.now() };
      this.#buckets.set(connection.id, bucket);
    }
    return bucket;
  }

  /** Token bucket: LIMITS.framesPerSecond on average, LIMITS.frameBurst at once. */
  #allow(connection: Connection): boolean {
    const bucket = this.#bucket(connection);
    const now = Date.now();
    bucket.tokens = Math.min(LIMITS.frameBurst, bucket.tokens + ((now - bucket.updated) / 1000) * LIMITS.framesPerSecond);
    bucket.updated = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
