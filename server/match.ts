/**
 * Match: one match per Durable Object. A thin master around the shared engine:
 * load, check, apply, persist, broadcast. SQLite is the truth; fields are caches rebuilt on wake.
 *
 * Every timer of the match (turn deadline, disconnect grace, and the outbox that tells the
 * lobby and the players' records) is a row in `timers`, behind the object's single alarm.
 */
import { nanoid } from "nanoid";
import { Server, type Connection, type ConnectionContext, type WSMessage } from "partyserver";
import * as v from "valibot";
import { botFor, type BotKind } from "../shared/bots.ts";
import { initialMs, type TimeControl } from "../shared/clock.ts";
import {
  createEngine,
  defaultTimeControl,
  describeIssues,
  parseOptions,
  type Engine,
  type MatchEvent,
  type MatchState,
  type Seat,
  type Viewer,
} from "../shared/game.ts";
import { findGame } from "../shared/games/index.ts";
import { createRandom, seedRandom } from "../shared/random.ts";
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
  type Presence,
  type SeatInfo,
  type ServerMessage,
  type SpectatorDelay,
} from "../shared/protocol.ts";
import { fail, ok, type Result } from "../shared/result.ts";
import { tokenSecret, verifyToken } from "./auth.ts";
import type {
  LiveMatch,
  MatchReport,
  PlayerRef,
  ReserveOutcome,
  ReservedMatch,
  SeatedPlayer,
  TournamentGameResult,
} from "./contracts.ts";
import { errorResponse, failureResponse, json } from "./http.ts";
import { log, logRejected } from "./log.ts";
import { INITIAL_RATING, type Rating } from "./ratings.ts";
import { SocketIndex } from "./sockets.ts";
import { MATCH_MIGRATIONS, isBlank, migrate } from "./storage.ts";

/** What a connection is, kept in its attachment so it survives hibernation. */
export type Role =
  | { readonly role: "player"; readonly seat: Seat; readonly pid: string }
  | { readonly role: "spectator" };

/** Fixed at creation. */
interface MatchConfig {
  readonly matchId: string;
  readonly gameId: string;
  readonly options: unknown;
  readonly capacity: number;
  readonly minPlayers: number;
  readonly timeControl: TimeControl;
  /** Spectators see the match this far behind the players; null: live. */
  readonly spectatorDelay: SpectatorDelay | null;
  readonly graceMs: number;
  readonly createdAt: number;
  readonly creatorId: string | null;
  readonly isPrivate: boolean;
  readonly rated: boolean;
  /** Seats assigned by a Matchmaker; the match starts when it says so. */
  readonly reserved: boolean;
  /** The tournament this match is a game of: it hears the result (timer "tournament"). */
  readonly tournamentId: string | null;
}

/** A seat and who holds it. */
interface SeatRow {
  readonly seat: Seat;
  readonly pid: string;
  readonly name: string;
  /** The rating the holder brought to a rated match. */
  readonly rating: Rating | null;
  /** The server-side bot playing this seat; null for a person. */
  readonly bot: BotKind | null;
  rematch: boolean;
}

/** The match at one seq: what a frame describes. */
interface Point {
  readonly state: MatchState;
  readonly seq: number;
  /** A point shown to spectators behind the players: its clocks are shown as they stood then. */
  readonly delayed?: true;
}

/** The in-memory cache of the match, rebuilt from SQLite by `load`. */
interface Loaded {
  readonly config: MatchConfig;
  readonly engine: Engine;
  /** Published with the summary once the match is over (replays of hidden deals need it). */
  readonly seed: string;
  state: MatchState;
  seq: number;
  seats: SeatRow[];
  startedAt: number | null;
  finishedAt: number | null;
  rematchId: string | null;
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
  min_players: number;
  turn_ms: number;
  grace_ms: number;
  seed: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  creator_id: string | null;
  private: number;
  rated: number;
  reserved: number;
  rematch_id: string | null;
  time_control: string | null;
  spectator_delay: string | null;
  tournament_id: string | null;
};
type SeatSqlRow = {
  seat: number;
  player_id: string;
  name: string;
  rating: string | null;
  rematch: number;
  bot: string | null;
};
type EventRow = { seq: number; payload: string; at: number };
type TimerRow = { kind: string; at: number; seq: number };

/** Outbox timers are retried this long after a failed delivery. */
const OUTBOX_RETRY_MS = 5_000;
/** A running public match refreshes its lobby entry at most this often. */
const DIRECTORY_REFRESH_MS = 15_000;
const GRACE = "grace:";
/**
 * The snapshot is rewritten once every this many events (and when the match ends), not on every
 * move: the log is the truth and `#load` replays the events after the snapshot. Each skipped
 * write is one row of the whole state JSON less in the move's transaction.
 */
const SNAPSHOT_EVERY = 16;
/** How long a bot seems to think before its move (the pace a person can follow); PLY_BOT_DELAY_MS overrides. */
const BOT_DELAY_MS = 600;
/** Bots are named for what they are; people's names can't hold parentheses, so no one can pose as one. */
const BOT_NAMES: Record<BotKind, string> = { random: "Bot (random)", search: "Bot (search)" };

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

function toSeat(row: SeatSqlRow): SeatRow {
  return {
    seat: row.seat,
    pid: row.player_id,
    name: row.name,
    rating: row.rating === null ? null : (JSON.parse(row.rating) as Rating),
    bot: row.bot === null ? null : (row.bot as BotKind),
    rematch: row.rematch === 1,
  };
}

/** A server-side bot as the player of seat `seat` (its id is unique in the match and never a real player's). */
export function botPlayer(kind: BotKind, seat: Seat): SeatedPlayer & { bot: BotKind } {
  return { pid: `bot-${kind}-${seat}`, name: BOT_NAMES[kind], rating: INITIAL_RATING, bot: kind };
}

export class Match extends Server<Env> {
  static override options = { hibernate: true };

  #loaded: Loaded | null = null;
  /** Verified roles of upgrade requests between `fetch` and `onConnect` (same Request object). */
  #admitted = new WeakMap<Request, Role>();
  #buckets = new Map<string, Bucket>();
  /** The alarm time last set by this instance; undefined after a wake (unknown). */
  #alarmAt: number | null | undefined = undefined;
  /** When the lobby entry was last refreshed by this instance. */
  #listedAt = 0;
  /** When a lobby refresh is due, if one is pending (null: none; undefined: unknown after a wake). */
  #listingDue: number | null | undefined = undefined;
  /** A spectator-count broadcast waiting to go out (see `#presenceSoon`). */
  #presenceTimer: ReturnType<typeof setTimeout> | null = null;
  /** Open spectator sockets: counted on wake, kept by connect and close, recounted by each presence broadcast. */
  #spectatorCount: number | undefined = undefined;
  /** Open sockets by tag, for fan-out without PartyServer's per-socket attachment reads. */
  #sockets = new SocketIndex(this.ctx);
  /** With a spectator delay: the point spectators have been shown (rebuilt from the log on wake). */
  #spectators: Point | null = null;

  // -------------------------------------------------------------------------------------------
  // Loading

  /** Reads the match from SQLite into the cache; null if this object holds no match. */
  #load(): Loaded | null {
    if (this.#loaded) return this.#loaded;
    const sql = this.ctx.storage.sql;
    // A blank object (an unknown id) stays blank: reading it must not create tables.
    if (isBlank(sql)) return null;
    this.ctx.storage.transactionSync(() => migrate(sql, MATCH_MIGRATIONS));
    const row = sql.exec<MatchRow>("SELECT * FROM match").toArray()[0];
    if (!row) return null;
    const game = findGame(row.game_id);
    if (!game) throw new Error(`match ${row.match_id} is of unknown game ${row.game_id}`);
    const options: unknown = JSON.parse(row.options);
    // Matches made before time controls had a per-move limit in turn_ms.
    const timeControl: TimeControl =
      row.time_control === null ? { kind: "move", ms: row.turn_ms } : (JSON.parse(row.time_control) as TimeControl);
    const engine = createEngine(game, options, row.seed, timeControl);
    const snapshot = sql.exec<{ seq: number; state: string }>("SELECT seq, state FROM snapshot").one();
    let state = JSON.parse(snapshot.state) as MatchState;
    let seq = snapshot.seq;
    // A snapshot from before clocks lacks them: the log (with its times) is the truth, replay it all.
    if (!("clock" in state)) [state, seq] = [engine.initial(), 0];
    // The snapshot is written every SNAPSHOT_EVERY events (see `#commit`): the log's tail after it is replayed.
    for (const event of this.#eventsAfter(seq)) [state, seq] = [engine.apply(state, event, event.at), event.seq];
    this.#loaded = {
      config: {
        matchId: row.match_id,
        gameId: row.game_id,
        options,
        capacity: row.capacity,
        minPlayers: row.min_players,
        timeControl,
        spectatorDelay: row.spectator_delay === null ? null : (JSON.parse(row.spectator_delay) as SpectatorDelay),
        graceMs: row.grace_ms,
        createdAt: row.created_at,
        creatorId: row.creator_id,
        isPrivate: row.private === 1,
        rated: row.rated === 1,
        reserved: row.reserved === 1,
        tournamentId: row.tournament_id,
      },
      engine,
      seed: row.seed,
      state,
      seq,
      seats: this.#readSeats(),
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      rematchId: row.rematch_id,
    };
    return this.#loaded;
  }

  #readSeats(): SeatRow[] {
    return this.ctx.storage.sql
      .exec<SeatSqlRow>("SELECT seat, player_id, name, rating, rematch, bot FROM seats ORDER BY seat")
      .toArray()
      .map(toSeat);
  }

  /** The logged events after `after` (up to `until`, at most `limit` of them), oldest first. */
  #eventsAfter(after: number, until = Number.MAX_SAFE_INTEGER, limit = -1): LoggedEvent[] {
    // SQLite reads a negative LIMIT as none.
    return this.ctx.storage.sql
      .exec<EventRow>(
        "SELECT seq, payload, at FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
        after,
        until,
        limit,
      )
      .toArray()
      .map(toLogged);
  }

  override onStart(): void {
    this.#load();
  }

  // -------------------------------------------------------------------------------------------
  // RPC from the Worker (HTTP routes) and from other objects

  /** Writes a new match into this (blank) object; the caller commits its first events. */
  #insert(input: {
    gameId: string;
    options: unknown;
    timeControl?: TimeControl | undefined;
    spectatorDelay?: SpectatorDelay | null | undefined;
    graceMs?: number | undefined;
    creatorId: string | null;
    isPrivate: boolean;
    rated: boolean;
    reserved: boolean;
    tournamentId?: string | undefined;
  }): Result<Loaded, "match-exists" | "unknown-game" | "bad-options"> {
    if (this.#load()) return fail("match-exists", "a match with this id exists already");
    const game = findGame(input.gameId);
    if (!game) return fail("unknown-game", `no game called ${input.gameId}`);
    const options = parseOptions(game, input.options);
    if (!options.ok) return options;
    const seed = nanoid(32);
    const timeControl = input.timeControl ?? defaultTimeControl(game);
    const engine = createEngine(game, options.value, seed, timeControl);
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      migrate(sql, MATCH_MIGRATIONS);
      sql.exec(
        `INSERT INTO match (id, match_id, game_id, options, capacity, min_players, turn_ms, grace_ms, seed, status,
           created_at, creator_id, private, rated, reserved, time_control, spectator_delay, tournament_id)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?, ?, ?, ?, ?, ?, ?)`,
        this.name,
        game.id,
        JSON.stringify(options.value),
        game.maxPlayers,
        game.minPlayers,
        initialMs(timeControl),
        input.graceMs ?? LIMITS.defaultGraceMs,
        seed,
        Date.now(),
        input.creatorId,
        input.isPrivate ? 1 : 0,
        input.rated ? 1 : 0,
        input.reserved ? 1 : 0,
        JSON.stringify(timeControl),
        input.spectatorDelay ? JSON.stringify(input.spectatorDelay) : null,
        input.tournamentId ?? null,
      );
      sql.exec("INSERT INTO snapshot (id, seq, state) VALUES (1, 0, ?)", JSON.stringify(engine.initial()));
    });
    const loaded = this.#load();
    if (!loaded) throw new Error("match vanished right after creation");
    log("info", "match-created", {
      matchId: loaded.config.matchId,
      gameId: loaded.config.gameId,
      private: loaded.config.isPrivate,
      rated: loaded.config.rated,
      reserved: loaded.config.reserved,
    });
    return ok(loaded);
  }

  /** POST /api/matches: creates the match with its creator in seat 0. */
  async create(input: {
    gameId: string;
    options: unknown;
    timeControl: TimeControl | undefined;
    spectatorDelay: SpectatorDelay | undefined;
    graceMs: number | undefined;
    isPrivate: boolean;
    creator: PlayerRef;
    bots: readonly BotKind[];
  }): Promise<Response> {
    const secret = tokenSecret(this.env);
    if (!secret.ok) return failureResponse(secret.error);
    const game = findGame(input.gameId);
    if (game && input.bots.length > game.maxPlayers - 1) {
      return errorResponse(400, "bad-bots", `${game.name} has room for ${game.maxPlayers - 1} bot(s) beside you`);
    }
    const unsupported = game ? input.bots.find((kind) => !botFor(kind, game)) : undefined;
    if (game && unsupported) return errorResponse(400, "bad-bots", `there is no ${unsupported} bot for ${game.name}`);
    const inserted = this.#insert({ ...input, creatorId: input.creator.pid, rated: false, reserved: false });
    if (!inserted.ok) return failureResponse(inserted.error);
    const bots = input.bots.map((kind, index) => botPlayer(kind, index + 1));
    await this.#seat(inserted.value, [{ ...input.creator, rating: null }, ...bots]);
    return json({ ...this.#summary(inserted.value), seat: 0 }, 201);
  }

  /** A match with its seats assigned up front: by a Matchmaker, or as a rematch. */
  async createReserved(spec: ReservedMatch): Promise<ReserveOutcome> {
    const inserted = this.#insert({
      gameId: spec.gameId,
      options: JSON.parse(spec.optionsJson),
      creatorId: null,
      isPrivate: spec.source === "rematch" && spec.private === true,
      rated: spec.rated,
      reserved: true,
      timeControl: spec.timeControl ?? (spec.turnMs === undefined ? undefined : { kind: "move", ms: spec.turnMs }),
      spectatorDelay: spec.spectatorDelay,
      graceMs: spec.graceMs,
      tournamentId: spec.tournament?.id,
    });
    if (!inserted.ok) return { ok: false, code: inserted.error.code };
    await this.#seat(inserted.value, spec.players, spec.startNow);
    return { ok: true };
  }

  /** Starts a reserved match once its players have collected it. False if it was called off. */
  async startReserved(): Promise<boolean> {
    const loaded = this.#load();
    if (!loaded || loaded.state.result?.kind === "aborted") return false;
    if (loaded.state.status === "waiting") await this.#commit([{ kind: "start", players: loaded.seats.length }]);
    return true;
  }

  /** Calls off a reserved match that has not started. False if it already started. */
  async cancelReserved(reason: string): Promise<boolean> {
    const loaded = this.#load();
    if (!loaded) return true;
    if (loaded.state.status === "waiting") await this.#commit([{ kind: "abort", reason }]);
    return loaded.state.result?.kind === "aborted";
  }

  /**
   * A tournament player who withdraws resigns the game they are in. False when they hold no
   * seat or the match is not being played (already over: nothing to resign).
   */
  async resignPlayer(pid: string): Promise<boolean> {
    const loaded = this.#load();
    const seat = loaded?.seats.find((row) => row.pid === pid);
    if (!loaded || !seat || loaded.state.status !== "playing") return false;
    await this.#flagIfDue(loaded);
    if (loaded.state.status !== "playing") return false;
    await this.#commit([{ kind: "resign", seat: seat.seat }]);
    return true;
  }

  /** POST /api/matches/:id/join: gives the player the next free seat. Starts the match when full. */
  async join(player: PlayerRef): Promise<Response> {
    const loaded = this.#load();
    if (!loaded) return errorResponse(404, "not-found", "no such match");
    if (loaded.seats.some((seat) => seat.pid === player.pid)) {
      return errorResponse(409, "already-joined", "you already hold a seat in this match");
    }
    if (loaded.config.reserved || loaded.state.status !== "waiting" || loaded.seats.length >= loaded.config.capacity) {
      return errorResponse(409, "match-full", "every seat of this match is taken");
    }
    const seat = loaded.seats.length;
    await this.#seat(loaded, [{ ...player, rating: null }]);
    return json({ matchId: loaded.config.matchId, seat } satisfies JoinResult);
  }

  /** POST /api/matches/:id/start: the creator starts with fewer than every seat filled. */
  async startBy(pid: string): Promise<Response> {
    const loaded = this.#load();
    if (!loaded) return errorResponse(404, "not-found", "no such match");
    if (loaded.config.creatorId !== pid)
      return errorResponse(403, "not-creator", "only the match's creator can start it");
    if (loaded.state.status !== "waiting")
      return errorResponse(409, "already-started", "the match has started already");
    if (loaded.seats.length < loaded.config.minPlayers) {
      return errorResponse(409, "not-enough-players", `${loaded.config.minPlayers} players are needed to start`);
    }
    await this.#commit([{ kind: "start", players: loaded.seats.length }]);
    return json(this.#summary(loaded));
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
    // The public log ends where spectators may see.
    const until = this.#spectatorPoint(loaded).seq;
    const events = this.#eventsAfter(after, until, limit);
    const last = events.at(-1);
    return json({ matchId: loaded.config.matchId, events, next: last && last.seq < until ? last.seq : null });
  }

  /** Seats `players` in order and starts the match when it is full (or `startNow`). */
  async #seat(
    loaded: Loaded,
    players: readonly (PlayerRef & { rating: Rating | null; bot?: BotKind | undefined })[],
    startNow = false,
  ): Promise<void> {
    const first = loaded.seats.length;
    const events: MatchEvent[] = players.map((player, index) => ({
      kind: "join",
      seat: first + index,
      name: player.name,
    }));
    const seated = first + players.length;
    const full = seated >= loaded.config.capacity && !loaded.config.reserved;
    if (full || startNow) events.push({ kind: "start", players: seated });
    await this.#commit(events, (sql, now) => {
      players.forEach((player, index) =>
        sql.exec(
          // A bot always wants the rematch: people decide for the match.
          "INSERT INTO seats (seat, player_id, name, joined_at, rating, bot, rematch) VALUES (?, ?, ?, ?, ?, ?, ?)",
          first + index,
          player.pid,
          player.name,
          now,
          player.rating ? JSON.stringify(player.rating) : null,
          player.bot ?? null,
          player.bot ? 1 : 0,
        ),
      );
    });
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
    // A genuine player who holds no seat here watches, like any spectator.
    const seat = loaded.seats.find((row) => row.pid === claims.value.pid);
    this.#admitted.set(request, seat ? { role: "player", seat: seat.seat, pid: seat.pid } : { role: "spectator" });
    return super.fetch(request);
  }

  override getConnectionTags(_connection: Connection, context: ConnectionContext): string[] {
    const role = this.#admitted.get(context.request);
    return role?.role === "player" ? ["player", `seat:${role.seat}`] : ["spectator"];
  }

  override async onConnect(connection: Connection<Role>, context: ConnectionContext): Promise<void> {
    const loaded = this.#load();
    const role = this.#admitted.get(context.request);
    if (!loaded || !role) throw new Error("connection reached onConnect without admission");
    connection.setState(role);
    this.#sockets.added(connection);
    const seat = role.role === "player" ? role.seat : null;
    this.#send(connection, {
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      matchId: loaded.config.matchId,
      gameId: loaded.config.gameId,
      role: role.role,
      seat,
    });
    if (seat !== null && this.#seatConnections(seat, connection) === 0) {
      // Back in time: the grace period ends.
      this.ctx.storage.sql.exec("DELETE FROM timers WHERE kind = ?", GRACE + seat);
      const presence = this.#presence();
      this.#send(connection, { type: "snapshot", state: this.#view(loaded, seat), presence });
      this.#broadcast({ type: "presence", presence }, connection);
      await this.#syncAlarm(undefined, true);
      return;
    }
    if (role.role === "spectator" && this.#spectatorCount !== undefined) this.#spectatorCount++;
    const point = seat === null ? this.#spectatorPoint(loaded) : loaded;
    this.#send(connection, {
      type: "snapshot",
      state: this.#view(loaded, seat ?? "spectator", point),
      presence: this.#presence(),
    });
    if (role.role === "spectator") this.#presenceSoon();
  }

  /**
   * Spectators come and go in crowds: their count reaches everyone at most once a second,
   * not once per arrival (a thousand arrivals would be a million frames).
   */
  #presenceSoon(): void {
    if (this.#presenceTimer !== null) return;
    this.#presenceTimer = setTimeout(() => {
      this.#presenceTimer = null;
      this.#spectatorCount = this.#sockets.count("spectator");
      this.#broadcast({ type: "presence", presence: this.#presence() });
    }, 1_000);
  }

  override async onClose(connection: Connection<Role>): Promise<void> {
    this.#buckets.delete(connection.id);
    this.#sockets.removed(connection);
    const loaded = this.#load();
    const role = connection.state;
    if (role?.role === "spectator") {
      if (this.#spectatorCount !== undefined) this.#spectatorCount = Math.max(0, this.#spectatorCount - 1);
      return this.#presenceSoon();
    }
    if (!loaded || role?.role !== "player" || this.#seatConnections(role.seat, connection) > 0) return;
    if (loaded.state.status === "playing") {
      this.ctx.storage.sql.exec(
        "INSERT OR REPLACE INTO timers (kind, at, seq) VALUES (?, ?, 0)",
        GRACE + role.seat,
        Date.now() + loaded.config.graceMs,
      );
    }
    this.#broadcast({ type: "presence", presence: this.#presence(connection) });
    await this.#syncAlarm();
  }

  // -------------------------------------------------------------------------------------------
  // Frames: a rate limit, then one guard ladder in order:
  // size → schema → role → status → turn → move shape and legality → seq.

  override async onMessage(connection: Connection<Role>, message: WSMessage): Promise<void> {
    const loaded = this.#load();
    const role = connection.state;
    // Frames still queued on a socket we closed (for flooding) are dropped, not answered.
    if (!loaded || !role || connection.readyState !== WebSocket.OPEN) return;
    if (!this.#allow(connection)) return this.#refuse(connection, "rate-limited", "slow down: too many frames");
    if (tooLarge(message))
      return this.#refuse(connection, "too-large", `frames are limited to ${LIMITS.frameBytes} bytes`);
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
        await this.#flagIfDue(loaded);
        if (loaded.state.status === "waiting")
          return this.#error(connection, "not-started", "the match has not started");
        if (loaded.state.status === "finished") return this.#error(connection, "game-over", "the match is over");
        return this.#commit([{ kind: "resign", seat: role.seat }]);
      }
      case "rematch":
        return this.#rematch(connection, loaded, role);
      case "draw": {
        if (role.role !== "player")
          return this.#error(connection, "spectator", "spectators cannot offer or accept draws");
        await this.#flagIfDue(loaded);
        const drawn = loaded.engine.draw(loaded.state, role.seat, frame.action);
        if (!drawn.ok) return this.#error(connection, drawn.error.code, drawn.error.message);
        return this.#commit([drawn.event]);
      }
      case "move": {
        if (role.role !== "player") return this.#error(connection, "spectator", "spectators cannot move", frame.id);
        const original = this.ctx.storage.sql
          .exec<{ seq: number }>("SELECT seq FROM events WHERE seat = ? AND client_id = ?", role.seat, frame.id)
          .toArray()[0];
        // A retried move id gets the original answer and changes nothing.
        if (original) return this.#send(connection, { type: "ack", id: frame.id, seq: original.seq });
        // A move that comes after the mover's time ran out (before the alarm said so) meets the flag first.
        await this.#flagIfDue(loaded);
        const checked = loaded.engine.check(loaded.state, role.seat, frame.move);
        if (!checked.ok) {
          const { code, message: text, reason } = checked.error;
          return this.#error(connection, code, text, frame.id, reason);
        }
        if (frame.seq !== loaded.seq) {
          return this.#error(
            connection,
            "stale",
            `the move was made at seq ${frame.seq}; the match is at ${loaded.seq}`,
            frame.id,
          );
        }
        return this.#commit([{ kind: "move", seat: role.seat, move: checked.move, id: frame.id }]);
      }
    }
  }

  #resync(connection: Connection<Role>, loaded: Loaded, role: Role, from: number): void {
    const viewer = role.role === "player" ? role.seat : "spectator";
    // Spectators of a delayed match catch up to where they may see, no further.
    const point = viewer === "spectator" ? this.#spectatorPoint(loaded) : loaded;
    if (from > point.seq || point.seq - from > LIMITS.resyncEvents) {
      return this.#send(connection, {
        type: "snapshot",
        state: this.#view(loaded, viewer, point),
        presence: this.#presence(),
      });
    }
    const events = this.#eventsAfter(from, point.seq);
    this.#send(connection, { type: "sync", from, events, state: this.#view(loaded, viewer, point) });
  }

  /** If the time of a seat to act has run out, the flag falls now (before the frame that came too late). */
  async #flagIfDue(loaded: Loaded): Promise<void> {
    const now = Date.now();
    const deadline = loaded.engine.deadline(loaded.state);
    if (deadline === null || now < deadline) return;
    const event = loaded.engine.timeout(loaded.state, now);
    if (event) await this.#commit([event]);
  }

  /** Records a rematch offer; the last one schedules the new match (created by the alarm). */
  async #rematch(connection: Connection<Role>, loaded: Loaded, role: Role): Promise<void> {
    if (role.role !== "player") return this.#error(connection, "spectator", "spectators cannot ask for a rematch");
    if (loaded.state.status !== "finished" || loaded.startedAt === null) {
      return this.#error(connection, "not-finished", "a rematch can be asked for once a played match is over");
    }
    const seat = loaded.seats[role.seat];
    if (!seat || seat.rematch) return this.#sendRematch(connection, loaded);
    seat.rematch = true;
    const everyone = loaded.seats.every((row) => row.rematch);
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec("UPDATE seats SET rematch = 1 WHERE seat = ?", role.seat);
      if (everyone && loaded.rematchId === null) {
        // The id is fixed before anything is created, so a retry creates the same match once.
        loaded.rematchId = nanoid();
        this.ctx.storage.sql.exec("UPDATE match SET rematch_id = ?", loaded.rematchId);
        this.ctx.storage.sql.exec("INSERT OR REPLACE INTO timers (kind, at, seq) VALUES ('rematch', ?, 0)", Date.now());
      }
    });
    this.#broadcast(this.#rematchFrame(loaded, false));
    await this.#syncAlarm();
  }

  // -------------------------------------------------------------------------------------------
  // Committing: every change is events + timers (+ the snapshot every SNAPSHOT_EVERY events) in one
  // transaction, then the broadcast.

  /** `alongside` writes rows that belong with the events in the same transaction. */
  async #commit(events: readonly MatchEvent[], alongside?: (sql: SqlStorage, now: number) => void): Promise<void> {
    const loaded = this.#loaded;
    if (!loaded) throw new Error("commit without a loaded match");
    const now = Date.now();
    const before = loaded.state;
    let state = before;
    let seq = loaded.seq;
    // Each event with the match as it stood right after it, so every frame is true to its seq.
    const steps: { event: LoggedEvent; point: Point }[] = [];
    for (const event of events) {
      state = loaded.engine.apply(state, event, now);
      seq += 1;
      steps.push({ event: { seq, at: now, ...event } as LoggedEvent, point: { state, seq } });
    }
    // The clocks say when the turn ends (a per-move limit, or the first banked clock to run out).
    const deadline = loaded.engine.deadline(state);
    const started = before.status === "waiting" && state.status === "playing";
    const finished = before.status !== "finished" && state.status === "finished";
    const wasPlayed = loaded.startedAt !== null || started;
    const sql = this.ctx.storage.sql;
    // The earliest timer this commit writes: the alarm only moves when it must come sooner.
    let earliest: number | null = null;
    const due = (at: number) => {
      earliest = earliest === null ? at : Math.min(earliest, at);
    };
    const timer = (kind: string, at: number, timerSeq = 0) => {
      // An upsert updates the row in place (REPLACE would delete it and insert a new one, index entry included).
      sql.exec(
        "INSERT INTO timers (kind, at, seq) VALUES (?, ?, ?) ON CONFLICT (kind) DO UPDATE SET at = excluded.at, seq = excluded.seq",
        kind,
        at,
        timerSeq,
      );
      due(at);
    };
    this.ctx.storage.transactionSync(() => {
      alongside?.(sql, now);
      if (events.some((event) => event.kind === "join")) loaded.seats = this.#readSeats();
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
      if (finished || Math.floor(seq / SNAPSHOT_EVERY) > Math.floor(loaded.seq / SNAPSHOT_EVERY)) {
        sql.exec("UPDATE snapshot SET seq = ?, state = ?, deadline = ?", seq, JSON.stringify(state), deadline);
      }
      if (started) sql.exec("UPDATE match SET status = 'playing', started_at = ?", now);
      if (finished)
        sql.exec(
          "UPDATE match SET status = 'finished', finished_at = ?, result = ?",
          now,
          JSON.stringify(state.result),
        );
      if (deadline !== null) timer("turn", deadline, seq);
      else sql.exec("DELETE FROM timers WHERE kind = 'turn'");
      // A bot to act moves on the alarm, after a pause a person can follow.
      if (loaded.seats.some((row) => row.bot !== null)) {
        const botSeat = loaded.engine.activeSeats(state).find((seat) => loaded.seats[seat]?.bot);
        // Its pause never costs it the game: at most a fiftieth of the time it has left.
        const left = botSeat === undefined ? 0 : (state.clock?.remaining[botSeat] ?? 0);
        if (botSeat !== undefined) timer("bot", now + Math.min(this.#botDelayMs(), Math.floor(left / 50)), seq);
        else sql.exec("DELETE FROM timers WHERE kind = 'bot'");
      }
      if (started) {
        // Seats nobody is connected to yet start their grace period with the match (bots never leave).
        for (let seat = 0; seat < state.players; seat++) {
          if (!loaded.seats[seat]?.bot && this.#seatConnections(seat) === 0)
            timer(GRACE + seat, now + loaded.config.graceMs);
        }
      }
      // Spectators who watch with a delay in seconds see each event when its time comes.
      const delay = loaded.config.spectatorDelay;
      if (delay && "seconds" in delay && state.status === "playing") {
        // An earlier pending release stays: it is for an older event.
        sql.exec(
          "INSERT OR IGNORE INTO timers (kind, at, seq) VALUES ('spectators', ?, 0)",
          now + delay.seconds * 1000,
        );
        due(now + delay.seconds * 1000);
      }
      if (finished) {
        sql.exec("DELETE FROM timers WHERE kind LIKE 'grace:%'");
        if (wasPlayed) timer("report", now);
        if (loaded.config.tournamentId !== null) timer("tournament", now);
      }
      // The lobby hears of starts and ends at once, of progress now and then (a refresh
      // already pending covers this move: no statement on the hot path).
      if (!loaded.config.isPrivate && wasPlayed && (started || finished || typeof this.#listingDue !== "number")) {
        const at = started || finished ? now : Math.max(now, this.#listedAt + DIRECTORY_REFRESH_MS);
        timer("directory", Math.min(at, this.#listingDue ?? Infinity));
        this.#listingDue = Math.min(at, this.#listingDue ?? Infinity);
      }
    });
    if (started) {
      loaded.startedAt = now;
      log("info", "match-started", {
        matchId: loaded.config.matchId,
        gameId: loaded.config.gameId,
        players: state.players,
      });
    }
    if (finished) {
      loaded.finishedAt = now;
      log("info", "match-ended", {
        matchId: loaded.config.matchId,
        gameId: loaded.config.gameId,
        result: state.result?.kind,
        reason: state.result?.reason,
        moves: state.moves,
        seq,
        durationMs: loaded.startedAt === null ? null : now - loaded.startedAt,
      });
    }
    loaded.state = state;
    loaded.seq = seq;
    // Broadcast before any await so frames leave in seq order; the output gate holds them
    // until the transaction above is durable.
    const delayed = loaded.config.spectatorDelay !== null;
    for (const { event, point } of steps) this.#broadcastEvent(loaded, event, point, delayed ? "players" : "everyone");
    if (delayed) {
      const next = this.#advanceSpectators(loaded);
      if (next !== null) due(next);
    }
    if (started) this.#broadcast({ type: "presence", presence: this.#presence() });
    await this.#syncAlarm(earliest);
  }

  /**
   * Keeps the single alarm no later than the earliest timer. An alarm that comes too early is
   * harmless (it finds nothing due and re-arms), so a move that only pushes the turn deadline
   * later costs no storage write: `written` is the earliest timer the caller just wrote (null:
   * it wrote none), and when the alarm is already at or before it nothing needs doing.
   */
  async #syncAlarm(written?: number | null, later = false): Promise<void> {
    const armed = this.#alarmAt;
    if (written !== undefined && typeof armed === "number" && (written === null || armed <= written)) return;
    const next = this.ctx.storage.sql.exec<{ at: number | null }>("SELECT min(at) AS at FROM timers").one().at;
    if (next === null) {
      if (armed === null) return;
      this.#alarmAt = null;
      await this.ctx.storage.deleteAlarm();
      return;
    }
    // `later`: the caller removed the earliest timer, and an early alarm would wake a hibernated
    // object for nothing (a player back before their grace period ended, say).
    if (typeof armed === "number" && (later ? armed === next : armed <= next)) return;
    this.#alarmAt = next;
    await this.ctx.storage.setAlarm(next);
  }

  /** Alarms are delivered at least once: only timers that are due and still current act. */
  override async onAlarm(): Promise<void> {
    const loaded = this.#load();
    if (!loaded) return;
    this.#alarmAt = undefined;
    const due = this.ctx.storage.sql
      .exec<TimerRow>("SELECT kind, at, seq FROM timers WHERE at <= ? ORDER BY at", Date.now())
      .toArray();
    for (const timer of due) await this.#fire(loaded, timer);
    await this.#syncAlarm();
  }

  async #fire(loaded: Loaded, timer: TimerRow): Promise<void> {
    const sql = this.ctx.storage.sql;
    const done = () => sql.exec("DELETE FROM timers WHERE kind = ? AND at = ?", timer.kind, timer.at);
    const playing = loaded.state.status === "playing";
    if (timer.kind === "turn") {
      const event = timer.seq === loaded.seq && playing ? loaded.engine.timeout(loaded.state, Date.now()) : null;
      if (event) return this.#commit([event]);
      done();
      return;
    }
    if (timer.kind === "bot") {
      done();
      if (timer.seq === loaded.seq && playing) await this.#botMove(loaded);
      return;
    }
    if (timer.kind === "spectators") {
      done();
      this.#advanceSpectators(loaded);
      return;
    }
    if (timer.kind.startsWith(GRACE)) {
      const seat = Number(timer.kind.slice(GRACE.length));
      if (playing && this.#seatConnections(seat) === 0) return this.#commit([{ kind: "abandon", seat }]);
      done();
      return;
    }
    // The outbox: deliveries to other objects, retried until they succeed (each is idempotent).
    try {
      if (timer.kind === "directory") {
        await this.#tellDirectory(loaded);
        this.#listingDue = null;
      } else if (timer.kind === "report") await this.#tellPlayers(loaded);
      else if (timer.kind === "rematch") await this.#createRematch(loaded);
      else if (timer.kind === "tournament") await this.#tellTournament(loaded);
      done();
    } catch (error) {
      log("warn", "outbox-retry", { matchId: loaded.config.matchId, kind: timer.kind, error: String(error) });
      sql.exec("UPDATE timers SET at = ? WHERE kind = ?", Date.now() + OUTBOX_RETRY_MS, timer.kind);
    }
  }

  async #tellDirectory(loaded: Loaded): Promise<void> {
    const directory = this.env.Directory.getByName(loaded.config.gameId);
    this.#listedAt = Date.now();
    if (loaded.state.status !== "playing" || loaded.config.isPrivate) return directory.remove(loaded.config.matchId);
    const entry: LiveMatch = {
      matchId: loaded.config.matchId,
      gameId: loaded.config.gameId,
      players: loaded.seats.map(({ seat, name }) => ({ seat, name })),
      moves: loaded.state.moves,
      startedAt: loaded.startedAt ?? Date.now(),
      rated: loaded.config.rated,
    };
    await directory.upsert(entry);
  }

  /** Each player's record (and rating) hears of the result once; the Player dedupes by match id. */
  async #tellPlayers(loaded: Loaded): Promise<void> {
    const result = loaded.state.result;
    if (!result) return;
    const rated = loaded.config.rated && loaded.state.moves > 0 && result.kind !== "aborted";
    const score = (me: Seat, them: Seat): 0 | 0.5 | 1 => {
      if (result.kind !== "win") return 0.5;
      const mine = result.winners.includes(me);
      const theirs = result.winners.includes(them);
      return mine === theirs ? 0.5 : mine ? 1 : 0;
    };
    await Promise.all(
      // Bots keep no record.
      loaded.seats
        .filter((seat) => seat.bot === null)
        .map((seat) => {
          const report: MatchReport = {
            matchId: loaded.config.matchId,
            gameId: loaded.config.gameId,
            finishedAt: loaded.finishedAt ?? Date.now(),
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
          };
          return this.env.Player.getByName(seat.pid).recordMatch(report);
        }),
    );
  }

  /** A tournament's game tells its Tournament how it ended; the Tournament dedupes by match id. */
  async #tellTournament(loaded: Loaded): Promise<void> {
    const result = loaded.state.result;
    const tournamentId = loaded.config.tournamentId;
    if (!result || tournamentId === null) return;
    const report: TournamentGameResult = {
      tournamentId,
      matchId: loaded.config.matchId,
      finishedAt: loaded.finishedAt ?? Date.now(),
      outcome: result.kind,
      winners:
        result.kind === "win"
          ? loaded.seats.filter((seat) => result.winners.includes(seat.seat)).map((seat) => seat.pid)
          : [],
      reason: result.reason,
    };
    await this.env.Tournament.getByName(tournamentId).recordResult(report);
  }

  /** Creates the agreed rematch (seats rotated) under the id fixed when the last player asked. */
  async #createRematch(loaded: Loaded): Promise<void> {
    const matchId = loaded.rematchId;
    if (!matchId) return;
    const rotated = [...loaded.seats.slice(1), ...loaded.seats.slice(0, 1)];
    const players: SeatedPlayer[] = await Promise.all(
      rotated.map(async (seat) => ({
        pid: seat.pid,
        name: seat.name,
        rating:
          loaded.config.rated && !seat.bot
            ? await this.env.Player.getByName(seat.pid).rating(loaded.config.gameId)
            : INITIAL_RATING,
        ...(seat.bot ? { bot: seat.bot } : {}),
      })),
    );
    const created = await this.env.Match.getByName(matchId).createReserved({
      gameId: loaded.config.gameId,
      optionsJson: JSON.stringify(loaded.config.options),
      players,
      rated: loaded.config.rated,
      startNow: true,
      source: "rematch",
      private: loaded.config.isPrivate,
      timeControl: loaded.config.timeControl,
      spectatorDelay: loaded.config.spectatorDelay,
      graceMs: loaded.config.graceMs,
    });
    // match-exists: a retry after a creation whose answer was lost. Anything else is a defect.
    if (!created.ok && created.code !== "match-exists") throw new Error(`rematch creation failed: ${created.code}`);
    this.#broadcast(this.#rematchFrame(loaded, true));
  }

  // -------------------------------------------------------------------------------------------
  // Bots

  #botDelayMs(): number {
    const configured = Number(this.env.PLY_BOT_DELAY_MS);
    return Number.isFinite(configured) && configured >= 0 ? configured : BOT_DELAY_MS;
  }

  /** The bot to act plays its move, through the same checks as anyone's. */
  async #botMove(loaded: Loaded): Promise<void> {
    const seat = loaded.engine.activeSeats(loaded.state).find((active) => loaded.seats[active]?.bot);
    const kind = seat === undefined ? null : loaded.seats[seat]?.bot;
    const bot = kind ? botFor(kind, loaded.engine.game) : undefined;
    if (seat === undefined || !bot) return;
    // Seeded by match and seq: a bot's choice is reproducible, and a retried alarm makes the same one.
    const random = createRandom(seedRandom(`${loaded.config.matchId}:${loaded.seq}`));
    const move = bot.choose(loaded.engine.game, loaded.state.game, seat, random);
    const checked = loaded.engine.check(loaded.state, seat, move);
    if (!checked.ok) {
      // A defect in the bot: its clock runs out and the timeout policy takes over.
      log("error", "bot-move-refused", {
        matchId: loaded.config.matchId,
        seat,
        bot: kind,
        code: checked.error.code,
        reason: checked.error.reason,
      });
      return;
    }
    await this.#commit([{ kind: "move", seat, move: checked.move, id: `bot-${loaded.seq + 1}` }]);
  }

  // -------------------------------------------------------------------------------------------
  // Spectator delay: spectators see the match from the same log, behind the players.

  /** The last seq spectators may see now (never before the start: who plays is no secret). */
  #horizon(loaded: Loaded): number {
    const delay = loaded.config.spectatorDelay;
    // Nothing to hide before the start, and everything is told at the end.
    if (!delay || loaded.state.status !== "playing") return loaded.seq;
    const sql = this.ctx.storage.sql;
    if ("moves" in delay) {
      // Just before the move that would put spectators fewer than `moves` behind.
      const shown = Math.max(0, loaded.state.moves - delay.moves);
      const next = sql
        .exec<{ seq: number }>(
          `SELECT seq FROM events WHERE kind = 'move' OR (kind = 'timeout' AND json_extract(payload, '$.move') IS NOT NULL)
           ORDER BY seq LIMIT 1 OFFSET ?`,
          shown,
        )
        .toArray()[0];
      return next ? next.seq - 1 : loaded.seq;
    }
    const cutoff = Date.now() - delay.seconds * 1000;
    return (
      sql
        .exec<{ seq: number | null }>(
          "SELECT max(seq) AS seq FROM events WHERE at <= ? OR seq <= (SELECT seq FROM events WHERE kind = 'start')",
          cutoff,
        )
        .one().seq ?? 0
    );
  }

  /**
   * Where spectators stand: the live match, or (with a delay) the point they have been shown,
   * kept in SQLite so that what came due while the object slept is still sent after a wake.
   */
  #spectatorPoint(loaded: Loaded): Point {
    if (loaded.config.spectatorDelay === null) return loaded;
    if (this.#spectators === null) {
      const shown = this.ctx.storage.sql
        .exec<{ seq: number | null }>("SELECT spectator_seq AS seq FROM snapshot")
        .one().seq;
      const seq = Math.min(shown ?? this.#horizon(loaded), loaded.seq);
      this.#spectators = { seq, state: loaded.engine.replay(this.#eventsAfter(0, seq)), delayed: true };
    }
    return this.#spectators;
  }

  /** Sends spectators the events that have come within their view; returns the time of the timer armed for the next. */
  #advanceSpectators(loaded: Loaded): number | null {
    const delay = loaded.config.spectatorDelay;
    if (!delay) return null;
    const from = this.#spectatorPoint(loaded);
    let point = from;
    const horizon = this.#horizon(loaded);
    for (const event of horizon > point.seq ? this.#eventsAfter(point.seq, horizon) : []) {
      point = { seq: event.seq, state: loaded.engine.apply(point.state, event, event.at), delayed: true };
      this.#broadcastEvent(loaded, event, point, "spectators");
    }
    this.#spectators = point;
    // After the frames: a crash in between sends them again, and clients drop what they have.
    if (point.seq !== from.seq) this.ctx.storage.sql.exec("UPDATE snapshot SET spectator_seq = ?", point.seq);
    if ("seconds" in delay && point.seq < loaded.seq) {
      const next = this.ctx.storage.sql
        .exec<{ at: number }>("SELECT at FROM events WHERE seq = ?", point.seq + 1)
        .one().at;
      this.ctx.storage.sql.exec(
        "INSERT OR REPLACE INTO timers (kind, at, seq) VALUES ('spectators', ?, 0)",
        next + delay.seconds * 1000,
      );
      return next + delay.seconds * 1000;
    }
    return null;
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
    const clock = state.clock;
    let deadline = engine.deadline(state);
    let since = clock?.since ?? 0;
    let running = clock ? [...clock.running] : [];
    const delay = loaded.config.spectatorDelay;
    if (point.delayed && delay && state.status === "playing") {
      if ("seconds" in delay) {
        // Exactly this far behind: the clocks tick for spectators as they ticked then.
        since += delay.seconds * 1000;
        if (deadline !== null) deadline += delay.seconds * 1000;
      } else {
        // Some moves behind, at no fixed time: the clocks are shown standing, as they stood.
        running = [];
        deadline = null;
      }
    }
    return {
      seq: point.seq,
      status: state.status,
      seats: this.#seatInfo(loaded),
      // Seats the match is for: all of them until it starts, then those who played.
      capacity: state.players > 0 ? state.players : loaded.config.capacity,
      view: engine.view(state, engine.game.hiddenInformation ? viewer : "spectator"),
      turn: state.status === "playing" ? { seats: [...engine.activeSeats(state)], deadline } : null,
      moves: state.moves,
      clock: clock && { control: engine.control, remaining: [...clock.remaining], running, since },
      drawOffers: [...state.drawOffers],
      result: state.result,
      // Only a match that was played can be played again (not one called off before it began).
      rematch: state.status === "finished" && loaded.startedAt !== null ? this.#rematchInfo(loaded, false) : null,
      serverTime: Date.now(),
    };
  }

  #seatInfo(loaded: Loaded): SeatInfo[] {
    return loaded.seats.map(({ seat, name, pid, bot }) => ({ seat, name, playerId: pid, ...(bot ? { bot } : {}) }));
  }

  /** Offers so far, and the new match once it exists (`created`) or was created before a wake. */
  #rematchInfo(loaded: Loaded, created: boolean) {
    const exists = created || (loaded.rematchId !== null && !this.#pending("rematch"));
    return { offers: loaded.seats.map((seat) => seat.rematch), matchId: exists ? loaded.rematchId : null };
  }

  #rematchFrame(loaded: Loaded, created: boolean): ServerMessage {
    return { type: "rematch", ...this.#rematchInfo(loaded, created) };
  }

  #sendRematch(connection: Connection, loaded: Loaded): void {
    this.#send(connection, this.#rematchFrame(loaded, false));
  }

  /** True while an outbox delivery of `kind` waits in the timers table. */
  #pending(kind: string): boolean {
    return this.ctx.storage.sql.exec("SELECT 1 FROM timers WHERE kind = ?", kind).toArray().length > 0;
  }

  /** The public summary: what spectators may see (behind the players when the match has a spectator delay). */
  #summary(loaded: Loaded): MatchSummary {
    const view = this.#view(loaded, "spectator", this.#spectatorPoint(loaded));
    return {
      matchId: loaded.config.matchId,
      gameId: loaded.config.gameId,
      options: loaded.config.options,
      turnMs: initialMs(loaded.config.timeControl),
      timeControl: loaded.config.timeControl,
      spectatorDelay: loaded.config.spectatorDelay,
      graceMs: loaded.config.graceMs,
      status: view.status,
      capacity: view.capacity,
      minPlayers: loaded.config.minPlayers,
      private: loaded.config.isPrivate,
      rated: loaded.config.rated,
      inviteCode:
        loaded.config.isPrivate && loaded.config.matchId.startsWith("inv_") ? loaded.config.matchId.slice(4) : null,
      creatorId: loaded.config.creatorId,
      rematchId: view.rematch?.matchId ?? null,
      seats: view.seats,
      seq: view.seq,
      moves: view.moves,
      turn: view.turn,
      result: view.result,
      seed: view.status === "finished" ? loaded.seed : null,
      createdAt: loaded.config.createdAt,
      startedAt: loaded.startedAt,
      finishedAt: loaded.finishedAt,
    };
  }

  /**
   * Same bytes to everyone for perfect-information games; each recipient's own view otherwise.
   * Recipients are found by their tags (see sockets.ts): no attachment is read.
   */
  #broadcastEvent(
    loaded: Loaded,
    event: LoggedEvent,
    point: Point,
    audience: "everyone" | "players" | "spectators",
  ): void {
    const frameFor = (viewer: Viewer) =>
      JSON.stringify({ type: "event", event, state: this.#view(loaded, viewer, point) } satisfies ServerMessage);
    if (!loaded.engine.game.hiddenInformation) {
      this.#sockets.send(
        frameFor("spectator"),
        audience === "everyone" ? "" : audience === "players" ? "player" : "spectator",
      );
      return;
    }
    if (audience !== "spectators") {
      for (let seat = 0; seat < loaded.seats.length; seat++) {
        if (this.#sockets.count(`seat:${seat}`) > 0) this.#sockets.send(frameFor(seat), `seat:${seat}`);
      }
    }
    if (audience !== "players" && this.#spectatorTotal() > 0) this.#sockets.send(frameFor("spectator"), "spectator");
  }

  /** Open connections of `seat`, not counting `except`. */
  #seatConnections(seat: Seat, except?: WebSocket): number {
    return this.#sockets.count(`seat:${seat}`, except);
  }

  #spectatorTotal(): number {
    this.#spectatorCount ??= this.#sockets.count("spectator");
    return this.#spectatorCount;
  }

  #presence(closing?: WebSocket): Presence {
    const loaded = this.#loaded;
    const seats = loaded ? Math.max(loaded.seats.length, loaded.state.players) : 0;
    const grace = new Map(
      this.ctx.storage.sql
        .exec<TimerRow>("SELECT kind, at, seq FROM timers WHERE kind LIKE 'grace:%'")
        .toArray()
        .map((row) => [Number(row.kind.slice(GRACE.length)), row.at]),
    );
    const connected: boolean[] = [];
    const forfeitAt: (number | null)[] = [];
    for (let seat = 0; seat < seats; seat++) {
      connected.push(loaded?.seats[seat]?.bot ? true : this.#seatConnections(seat, closing) > 0);
      forfeitAt.push(grace.get(seat) ?? null);
    }
    return { connected, forfeitAt, spectators: this.#spectatorTotal() };
  }

  #broadcast(message: ServerMessage, without?: WebSocket): void {
    this.#sockets.send(JSON.stringify(message), "", without);
  }

  #send(connection: Connection, message: ServerMessage): void {
    // A socket can close while its frame is being answered; there is no one left to tell.
    if (connection.readyState === WebSocket.OPEN) connection.send(JSON.stringify(message));
  }

  #error(connection: Connection, code: FrameError, message: string, id?: string, reason?: string): void {
    const role = (connection as Connection<Role>).state;
    logRejected(this.env, {
      matchId: this.#loaded?.config.matchId,
      code,
      reason,
      role: role?.role,
      seat: role?.role === "player" ? role.seat : null,
    });
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
      log("warn", "socket-closed-flooding", { matchId: this.#loaded?.config.matchId, connection: connection.id });
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
    bucket.tokens = Math.min(
      LIMITS.frameBurst,
      bucket.tokens + ((now - bucket.updated) / 1000) * LIMITS.framesPerSecond,
    );
    bucket.updated = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
