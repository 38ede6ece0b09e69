/**
 * Match: one match per Durable Object, a thin master around the shared engine. It admits
 * sockets, runs the guard ladder on every frame, commits (append → schedule → broadcast) and
 * dispatches its alarm. What it decides comes from modules beside it: the engine (shared/),
 * store.ts (every SQL statement), timers.ts (which timers a commit needs), views.ts (what each
 * recipient sees), outbox.ts (what other objects hear), spectator-delay.ts, flood-guard.ts.
 * SQLite is the truth; fields are caches rebuilt on wake.
 */
import { nanoid } from "nanoid";
import { Server, type Connection, type ConnectionContext, type WSMessage } from "partyserver";
import * as v from "valibot";
import { botFor } from "../../shared/bots.ts";
import type { BotKind } from "../../shared/bots/kinds.ts";
import { initialMs, type TimeControl } from "../../shared/clock.ts";
import { createEngine, defaultTimeControl, type MatchState } from "../../shared/engine.ts";
import type { LoggedEvent, MatchEvent } from "../../shared/events.ts";
import type { Seat, Viewer } from "../../shared/game.ts";
import { findGame } from "../../shared/games/index.ts";
import {
  CLOSE_CODES,
  ClientMessage,
  LIMITS,
  PROTOCOL_VERSION,
  type EventsPage,
  type FrameError,
  type JoinResult,
  type MatchSummary,
  type MatchView,
  type Presence,
  type ServerMessage,
  type SpectatorDelay,
} from "../../shared/protocol.ts";
import { fail, ok, type Result } from "../../shared/result.ts";
import { describeIssues, parseOptions } from "../../shared/schema-issues.ts";
import { tokenSecret, verifyToken } from "../auth.ts";
import { botDelayMs, botMove, botPlayer, botToAct } from "../bots.ts";
import { overRpc, type OverRpc, type PlayerRef, type ReservedMatch } from "../contracts.ts";
import { errorResponse } from "../http.ts";
import { log, logRejected } from "../log.ts";
import { SocketIndex } from "../sockets.ts";
import { FloodGuard } from "./flood-guard.ts";
import { DESTINATIONS, OUTBOX_RETRY_MS, isOutbox } from "./outbox.ts";
import { SpectatorFeed } from "./spectator-delay.ts";
import { MatchStore, type Loaded, type NewSeat } from "./store.ts";
import { Timers, scheduleAfter, type Timer } from "./timers.ts";
import { presenceOf, rematchInfo, summaryOf, viewOf, type Point } from "./views.ts";

/** What a connection is, kept in its attachment so it survives hibernation. */
export type Role =
  | { readonly role: "player"; readonly seat: Seat; readonly pid: string }
  | { readonly role: "spectator" };

/** One event of a commit with the match right after it. */
interface Step {
  readonly event: MatchEvent;
  readonly state: MatchState;
}

/**
 * The snapshot is rewritten once every this many events (and when the match ends), not on every
 * move: the log is the truth and a wake replays the events after the snapshot.
 */
const SNAPSHOT_EVERY = 16;

const encoder = new TextEncoder();

/** True when the frame is over LIMITS.frameBytes in UTF-8. */
function tooLarge(message: WSMessage): boolean {
  if (typeof message !== "string") return message.byteLength > LIMITS.frameBytes;
  // A UTF-16 unit is 1 to 3 UTF-8 bytes: only encode when the length alone can't decide.
  if (message.length > LIMITS.frameBytes) return true;
  if (message.length * 3 <= LIMITS.frameBytes) return false;
  return encoder.encode(message).byteLength > LIMITS.frameBytes;
}

export class Match extends Server<Env> {
  static override options = { hibernate: true };

  #loaded: Loaded | null = null;
  readonly #store = new MatchStore(this.ctx.storage);
  readonly #timers = new Timers(this.ctx.storage);
  readonly #feed = new SpectatorFeed(this.#store);
  /** Rate limit and strikes per socket; its clock is injectable for tests. */
  readonly flood = new FloodGuard();
  /** Verified roles of upgrade requests between `fetch` and `onConnect` (same Request object). */
  #admitted = new WeakMap<Request, Role>();
  /** Open sockets by tag, for fan-out without PartyServer's per-socket attachment reads. */
  #sockets = new SocketIndex(this.ctx);
  /** When the lobby entry was last refreshed, and when a refresh is due (null: none; undefined: unknown after a wake). */
  #listedAt = 0;
  #listingDue: number | null | undefined = undefined;
  /** A spectator-count broadcast waiting to go out (see `#presenceSoon`). */
  #presenceTimer: ReturnType<typeof setTimeout> | null = null;
  /** Open spectator sockets: counted on wake, kept by connect and close, recounted by each presence broadcast. */
  #spectatorCount: number | undefined = undefined;

  /** Reads the match from SQLite into the cache; null if this object holds no match. */
  #load(): Loaded | null {
    if (this.#loaded) return this.#loaded;
    const stored = this.#store.read();
    if (!stored) return null;
    const { config } = stored;
    const game = findGame(config.gameId);
    if (!game) throw new Error(`match ${config.matchId} is of unknown game ${config.gameId}`);
    const engine = createEngine(game, config.options, stored.seed, config.timeControl);
    let [state, seq] = stored.snapshot ? [stored.snapshot.state, stored.snapshot.seq] : [engine.initial(), 0];
    // The snapshot is written every SNAPSHOT_EVERY events: the log's tail after it is replayed.
    for (const event of this.#store.eventsAfter(seq)) [state, seq] = [engine.apply(state, event, event.at), event.seq];
    const { startedAt, finishedAt, rematchId, seed } = stored;
    this.#loaded = { config, engine, seed, state, seq, seats: this.#store.seats(), startedAt, finishedAt, rematchId };
    return this.#loaded;
  }

  override onStart(): void {
    this.#load();
  }

  // -------------------------------------------------------------------------------------------
  // RPC from the Worker (HTTP routes) and from other objects: data in, Results out.

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
  }): Result<Loaded, "match-exists" | "unknown-game" | "bad-options"> {
    if (this.#load()) return fail("match-exists", "a match with this id exists already");
    const game = findGame(input.gameId);
    if (!game) return fail("unknown-game", `no game called ${input.gameId}`);
    const options = parseOptions(game, input.options);
    if (!options.ok) return options;
    const seed = nanoid(32);
    const timeControl = input.timeControl ?? defaultTimeControl(game);
    const config = {
      matchId: this.name,
      gameId: game.id,
      options: options.value,
      capacity: game.maxPlayers,
      minPlayers: game.minPlayers,
      timeControl,
      spectatorDelay: input.spectatorDelay ?? null,
      graceMs: input.graceMs ?? LIMITS.defaultGraceMs,
      createdAt: Date.now(),
      creatorId: input.creatorId,
      isPrivate: input.isPrivate,
      rated: input.rated,
      reserved: input.reserved,
    };
    const engine = createEngine(game, options.value, seed, timeControl);
    this.#store.insert(config, seed, initialMs(timeControl), engine.initial());
    const loaded = this.#load();
    if (!loaded) throw new Error("match vanished right after creation");
    const { matchId, gameId, isPrivate, rated, reserved } = config;
    log("info", "match-created", { matchId, gameId, private: isPrivate, rated, reserved });
    return ok(loaded);
  }

  /** POST /api/matches: creates the match with its creator in seat 0 and bots in the seats after. */
  async create(input: {
    gameId: string;
    options: unknown;
    timeControl: TimeControl | undefined;
    spectatorDelay: SpectatorDelay | undefined;
    graceMs: number | undefined;
    isPrivate: boolean;
    creator: PlayerRef;
    bots: readonly BotKind[];
  }): Promise<
    Result<
      OverRpc<MatchSummary & { seat: 0 }>,
      "server-misconfigured" | "bad-bots" | "match-exists" | "unknown-game" | "bad-options"
    >
  > {
    const secret = tokenSecret(this.env);
    if (!secret.ok) return fail("server-misconfigured", secret.error.message);
    const game = findGame(input.gameId);
    if (game && input.bots.length > game.maxPlayers - 1) {
      return fail("bad-bots", `${game.name} has room for ${game.maxPlayers - 1} bot(s) beside you`);
    }
    const unsupported = game ? input.bots.find((kind) => !botFor(kind, game)) : undefined;
    if (game && unsupported) return fail("bad-bots", `there is no ${unsupported} bot for ${game.name}`);
    const inserted = this.#insert({ ...input, creatorId: input.creator.pid, rated: false, reserved: false });
    if (!inserted.ok) return inserted;
    const bots = input.bots.map((kind, index) => botPlayer(kind, index + 1));
    await this.#seat(inserted.value, [{ ...input.creator, rating: null }, ...bots]);
    return ok(overRpc({ ...this.#summary(inserted.value), seat: 0 as const }));
  }

  /** A match with its seats assigned up front: by a Matchmaker, or as a rematch. */
  async createReserved(spec: ReservedMatch): Promise<Result<true, "match-exists" | "unknown-game" | "bad-options">> {
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
    });
    if (!inserted.ok) return inserted;
    await this.#seat(inserted.value, spec.players, spec.startNow);
    return ok(true);
  }

  /** Starts a reserved match once its players have collected it. False if it was called off. */
  async startReserved(): Promise<boolean> {
    const loaded = this.#load();
    if (!loaded || loaded.state.result?.kind === "aborted") return false;
    if (loaded.state.status === "waiting") await this.#commitEvents([{ kind: "start", players: loaded.seats.length }]);
    return true;
  }

  /** Calls off a reserved match that has not started. False if it already started. */
  async cancelReserved(reason: string): Promise<boolean> {
    const loaded = this.#load();
    if (!loaded) return true;
    if (loaded.state.status === "waiting") await this.#commitEvents([{ kind: "abort", reason }]);
    return loaded.state.result?.kind === "aborted";
  }

  /** POST /api/matches/:id/join: gives the player the next free seat. Starts the match when full. */
  async join(player: PlayerRef): Promise<Result<JoinResult, "not-found" | "already-joined" | "match-full">> {
    const loaded = this.#load();
    if (!loaded) return fail("not-found", "no such match");
    if (loaded.seats.some((seat) => seat.pid === player.pid)) {
      return fail("already-joined", "you already hold a seat in this match");
    }
    if (loaded.config.reserved || loaded.state.status !== "waiting" || loaded.seats.length >= loaded.config.capacity) {
      return fail("match-full", "every seat of this match is taken");
    }
    const seat = loaded.seats.length;
    await this.#seat(loaded, [{ ...player, rating: null }]);
    return ok({ matchId: loaded.config.matchId, seat });
  }

  /** POST /api/matches/:id/start: the creator starts with fewer than every seat filled. */
  async startBy(
    pid: string,
  ): Promise<Result<OverRpc<MatchSummary>, "not-found" | "not-creator" | "already-started" | "not-enough-players">> {
    const loaded = this.#load();
    if (!loaded) return fail("not-found", "no such match");
    if (loaded.config.creatorId !== pid) return fail("not-creator", "only the match's creator can start it");
    if (loaded.state.status !== "waiting") return fail("already-started", "the match has started already");
    if (loaded.seats.length < loaded.config.minPlayers) {
      return fail("not-enough-players", `${loaded.config.minPlayers} players are needed to start`);
    }
    await this.#commitEvents([{ kind: "start", players: loaded.seats.length }]);
    return ok(overRpc(this.#summary(loaded)));
  }

  /** The public summary. */
  async summary(): Promise<Result<OverRpc<MatchSummary>, "not-found">> {
    const loaded = this.#load();
    return loaded ? ok(overRpc(this.#summary(loaded))) : fail("not-found", "no such match");
  }

  /** A page of the public log after `after`; `next` is the `after` of the next page, if any. */
  async events(after: number, limit: number): Promise<Result<OverRpc<EventsPage>, "not-found">> {
    const loaded = this.#load();
    if (!loaded) return fail("not-found", "no such match");
    // The public log ends where spectators may see.
    const until = this.#feed.point(loaded, Date.now()).seq;
    const events = this.#store.eventsAfter(after, until, limit);
    const last = events.at(-1);
    return ok(overRpc({ matchId: loaded.config.matchId, events, next: last && last.seq < until ? last.seq : null }));
  }

  /** Seats `players` in order and starts the match when it is full (or `startNow`). */
  async #seat(loaded: Loaded, players: readonly NewSeat[], startNow = false): Promise<void> {
    const first = loaded.seats.length;
    const events: MatchEvent[] = players.map((player, index) => ({
      kind: "join",
      seat: first + index,
      name: player.name,
    }));
    const seated = first + players.length;
    const full = seated >= loaded.config.capacity && !loaded.config.reserved;
    if (full || startNow) events.push({ kind: "start", players: seated });
    await this.#commitEvents(events, (now) => this.#store.addSeats(first, players, now));
  }

  // -------------------------------------------------------------------------------------------
  // WebSocket admission: checked before the socket is accepted.

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return errorResponse("upgrade-required", "connect with a WebSocket");
    }
    const loaded = this.#load();
    if (!loaded) return errorResponse("not-found", "no such match");
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
    if (!secret.ok) return errorResponse(secret.error.code, secret.error.message);
    const claims = await verifyToken(secret.value, token);
    if (!claims.ok) return errorResponse(claims.error.code, claims.error.message);
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
    const { matchId, gameId } = loaded.config;
    this.#send(connection, { type: "welcome", protocol: PROTOCOL_VERSION, matchId, gameId, role: role.role, seat });
    if (seat !== null && this.#seatConnections(seat, connection) === 0) {
      // Back in time: the grace period ends.
      this.#timers.clear({ kind: "grace", seat });
      const presence = this.#presence();
      this.#send(connection, { type: "snapshot", state: this.#view(loaded, seat), presence });
      this.#broadcast({ type: "presence", presence }, connection);
      await this.#timers.sync(undefined, true);
      return;
    }
    if (role.role === "spectator" && this.#spectatorCount !== undefined) this.#spectatorCount++;
    const point = seat === null ? this.#feed.point(loaded, Date.now()) : loaded;
    const state = this.#view(loaded, seat ?? "spectator", point);
    this.#send(connection, { type: "snapshot", state, presence: this.#presence() });
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
    this.flood.forget(connection.id);
    this.#sockets.removed(connection);
    const loaded = this.#load();
    const role = connection.state;
    if (role?.role === "spectator") {
      if (this.#spectatorCount !== undefined) this.#spectatorCount = Math.max(0, this.#spectatorCount - 1);
      return this.#presenceSoon();
    }
    if (!loaded || role?.role !== "player" || this.#seatConnections(role.seat, connection) > 0) return;
    if (loaded.state.status === "playing") {
      this.#timers.arm({ kind: "grace", seat: role.seat }, Date.now() + loaded.config.graceMs);
    }
    this.#broadcast({ type: "presence", presence: this.#presence(connection) });
    await this.#timers.sync();
  }

  // -------------------------------------------------------------------------------------------
  // Frames: a rate limit, then one guard ladder in order: size → shape → role → (a retried
  // move id is answered) → a flag that fell → the engine's rungs (status, turn, move) → seq.

  override async onMessage(connection: Connection<Role>, message: WSMessage): Promise<void> {
    const loaded = this.#load();
    const role = connection.state;
    // Frames still queued on a socket we closed (for flooding) are dropped, not answered.
    if (!loaded || !role || connection.readyState !== WebSocket.OPEN) return;
    if (!this.flood.allow(connection.id)) return this.#refuse(connection, "rate-limited", "slow down: too many frames");
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
    if (frame.type === "ping") return this.#send(connection, { type: "pong", t: frame.t, serverTime: Date.now() });
    if (frame.type === "resync") return this.#resync(connection, loaded, role, frame.seq);
    if (role.role !== "player") {
      const what = { move: "move", resign: "resign", draw: "offer or accept draws", rematch: "ask for a rematch" };
      const id = frame.type === "move" ? frame.id : undefined;
      return this.#error(connection, "spectator", `spectators cannot ${what[frame.type]}`, id);
    }
    switch (frame.type) {
      case "resign": {
        await this.#flagIfDue(loaded);
        const resigned = loaded.engine.resign(loaded.state, role.seat);
        if (!resigned.ok) return this.#error(connection, resigned.error.code, resigned.error.message);
        return this.#commitEvents([resigned.value]);
      }
      case "rematch":
        return this.#rematch(connection, loaded, role.seat);
      case "draw": {
        await this.#flagIfDue(loaded);
        const drawn = loaded.engine.draw(loaded.state, role.seat, frame.action);
        if (!drawn.ok) return this.#error(connection, drawn.error.code, drawn.error.message);
        return this.#commitEvents([drawn.value]);
      }
      case "move": {
        const original = this.#store.moveSeq(role.seat, frame.id);
        // A retried move id gets the original answer and changes nothing.
        if (original !== null) return this.#send(connection, { type: "ack", id: frame.id, seq: original });
        // A move that comes after the mover's time ran out (before the alarm said so) meets the flag first.
        await this.#flagIfDue(loaded);
        const now = Date.now();
        const played = loaded.engine.play(loaded.state, role.seat, frame.move, now, frame.id);
        if (!played.ok) {
          const { code, message: text, reason } = played.error;
          return this.#error(connection, code, text, frame.id, reason);
        }
        if (frame.seq !== loaded.seq) {
          const text = `the move was made at seq ${frame.seq}; the match is at ${loaded.seq}`;
          return this.#error(connection, "stale", text, frame.id);
        }
        return this.#commit([played.value], now);
      }
    }
  }

  #resync(connection: Connection<Role>, loaded: Loaded, role: Role, from: number): void {
    const viewer = role.role === "player" ? role.seat : "spectator";
    // Spectators of a delayed match catch up to where they may see, no further.
    const point = viewer === "spectator" ? this.#feed.point(loaded, Date.now()) : loaded;
    const state = this.#view(loaded, viewer, point);
    if (from > point.seq || point.seq - from > LIMITS.resyncEvents) {
      return this.#send(connection, { type: "snapshot", state, presence: this.#presence() });
    }
    this.#send(connection, { type: "sync", from, events: this.#store.eventsAfter(from, point.seq), state });
  }

  /** If the time of a seat to act has run out, the flag falls now (before the frame that came too late). */
  async #flagIfDue(loaded: Loaded): Promise<void> {
    const now = Date.now();
    const deadline = loaded.engine.deadline(loaded.state);
    if (deadline === null || now < deadline) return;
    const event = loaded.engine.timeout(loaded.state, now);
    if (event) await this.#commitEvents([event], undefined, now);
  }

  /** Records a rematch offer; the last one schedules the new match (created by the alarm). */
  async #rematch(connection: Connection<Role>, loaded: Loaded, seat: Seat): Promise<void> {
    const allowed = loaded.engine.rematch(loaded.state);
    if (!allowed.ok) return this.#error(connection, allowed.error.code, allowed.error.message);
    const row = loaded.seats[seat];
    if (!row || row.rematch) return this.#send(connection, this.#rematchFrame(loaded, false));
    row.rematch = true;
    const everyone = loaded.seats.every((other) => other.rematch);
    this.#store.transaction(() => {
      this.#store.rematchOffered(seat);
      if (everyone && loaded.rematchId === null) {
        // The id is fixed before anything is created, so a retry creates the same match once.
        loaded.rematchId = nanoid();
        this.#store.rematchId(loaded.rematchId);
        this.#timers.arm({ kind: "rematch" }, Date.now());
      }
    });
    this.#broadcast(this.#rematchFrame(loaded, false));
    await this.#timers.sync();
  }

  // -------------------------------------------------------------------------------------------
  // Committing: append the events, schedule their timers (and the snapshot every SNAPSHOT_EVERY
  // events) in one transaction, then broadcast.

  /** Commits events the engine applies now (anything but a player's move, which `play` has applied). */
  async #commitEvents(
    events: readonly MatchEvent[],
    alongside?: (now: number) => void,
    now = Date.now(),
  ): Promise<void> {
    const loaded = this.#loaded;
    if (!loaded) throw new Error("commit without a loaded match");
    let state = loaded.state;
    const steps = events.map((event) => ({ event, state: (state = loaded.engine.apply(state, event, now)) }));
    await this.#commit(steps, now, alongside);
  }

  /** `alongside` writes rows that belong with the events in the same transaction. */
  async #commit(steps: readonly Step[], now: number, alongside?: (now: number) => void): Promise<void> {
    const loaded = this.#loaded;
    if (!loaded) throw new Error("commit without a loaded match");
    const before = loaded.state;
    const state = steps.at(-1)?.state ?? before;
    // Each event with the match as it stood right after it, so every frame is true to its seq.
    const logged = steps.map(({ event, state }, index) => {
      const seq = loaded.seq + index + 1;
      return { event: { seq, at: now, ...event } satisfies LoggedEvent, point: { state, seq } };
    });
    const seq = loaded.seq + steps.length;
    const deadline = loaded.engine.deadline(state);
    const started = before.status === "waiting" && state.status === "playing";
    const finished = before.status !== "finished" && state.status === "finished";
    let earliest: number | null = null;
    this.#store.transaction(() => {
      alongside?.(now);
      if (steps.some((step) => step.event.kind === "join")) loaded.seats = this.#store.seats();
      this.#store.append(logged.map((step) => step.event));
      if (finished || Math.floor(seq / SNAPSHOT_EVERY) > Math.floor(loaded.seq / SNAPSHOT_EVERY)) {
        this.#store.snapshot(seq, state, deadline);
      }
      if (started) this.#store.started(now);
      if (finished) this.#store.finished(now, state.result);
      const bots = loaded.seats.map((row) => row.bot);
      const plan = scheduleAfter({
        before,
        after: state,
        seq,
        now,
        deadline,
        hasBots: bots.some((bot) => bot !== null),
        botToAct: botToAct(loaded.engine, state, bots),
        botDelayMs: botDelayMs(this.env.PLY_BOT_DELAY_MS),
        offline: loaded.seats
          .filter((row) => row.bot === null && row.seat < state.players && this.#seatConnections(row.seat) === 0)
          .map((row) => row.seat),
        startedBefore: loaded.startedAt !== null,
        graceMs: loaded.config.graceMs,
        isPrivate: loaded.config.isPrivate,
        spectatorDelay: loaded.config.spectatorDelay,
        listedAt: this.#listedAt,
        listingDue: this.#listingDue,
      });
      earliest = this.#timers.apply(plan);
      const listing = plan.arm.find((arm) => arm.timer.kind === "directory");
      if (listing) this.#listingDue = listing.at;
    });
    const { matchId, gameId } = loaded.config;
    if (started) {
      loaded.startedAt = now;
      log("info", "match-started", { matchId, gameId, players: state.players });
    }
    if (finished) {
      loaded.finishedAt = now;
      const { result, moves } = state;
      const durationMs = loaded.startedAt === null ? null : now - loaded.startedAt;
      log("info", "match-ended", {
        matchId,
        gameId,
        result: result?.kind,
        reason: result?.reason,
        moves,
        seq,
        durationMs,
      });
    }
    loaded.state = state;
    loaded.seq = seq;
    // Broadcast before any await so frames leave in seq order; the output gate holds them
    // until the transaction above is durable.
    const delayed = loaded.config.spectatorDelay !== null;
    for (const { event, point } of logged) this.#broadcastEvent(loaded, event, point, delayed ? "players" : "everyone");
    if (delayed) {
      const next = this.#advanceSpectators(loaded);
      if (next !== null) earliest = earliest === null ? next : Math.min(earliest, next);
    }
    if (started) this.#broadcast({ type: "presence", presence: this.#presence() });
    await this.#timers.sync(earliest);
  }

  /** Sends delayed spectators what has come within their view; returns when the next release is armed for. */
  #advanceSpectators(loaded: Loaded): number | null {
    const next = this.#feed.advance(loaded, Date.now(), (event, point) =>
      this.#broadcastEvent(loaded, event, point, "spectators"),
    );
    if (next !== null) this.#timers.arm({ kind: "spectators" }, next);
    return next;
  }

  // -------------------------------------------------------------------------------------------
  // The alarm. Alarms are delivered at least once: only timers that are due and still current act.

  override async onAlarm(): Promise<void> {
    const loaded = this.#load();
    if (!loaded) return;
    this.#timers.fired();
    for (const timer of this.#timers.due(Date.now())) await this.#fire(loaded, timer);
    await this.#timers.sync();
  }

  async #fire(loaded: Loaded, timer: Timer): Promise<void> {
    const playing = loaded.state.status === "playing";
    const current = timer.seq === loaded.seq && playing;
    switch (timer.kind) {
      case "turn": {
        const now = Date.now();
        const event = current ? loaded.engine.timeout(loaded.state, now) : null;
        return event ? this.#commitEvents([event], undefined, now) : this.#timers.done(timer);
      }
      case "bot":
        this.#timers.done(timer);
        if (current) await this.#botMove(loaded);
        return;
      case "spectators":
        this.#timers.done(timer);
        this.#advanceSpectators(loaded);
        return;
      case "grace":
        if (playing && this.#seatConnections(timer.seat) === 0) {
          return this.#commitEvents([{ kind: "abandon", seat: timer.seat }]);
        }
        return this.#timers.done(timer);
    }
    if (!isOutbox(timer.kind)) return;
    // The outbox: deliveries to other objects, retried until they succeed (each is idempotent).
    try {
      if (timer.kind === "directory") this.#listedAt = Date.now();
      await DESTINATIONS[timer.kind](this.env, loaded, Date.now());
      if (timer.kind === "directory") this.#listingDue = null;
      if (timer.kind === "rematch" && loaded.rematchId) this.#broadcast(this.#rematchFrame(loaded, true));
      this.#timers.done(timer);
    } catch (error) {
      log("warn", "outbox-retry", { matchId: loaded.config.matchId, kind: timer.kind, error: String(error) });
      this.#timers.retry(timer, Date.now() + OUTBOX_RETRY_MS);
    }
  }

  /** The bot to act plays its move, through the same engine call as anyone's. */
  async #botMove(loaded: Loaded): Promise<void> {
    const bots = loaded.seats.map((row) => row.bot);
    const chosen = botMove(loaded.engine, loaded.state, bots, loaded.config.matchId, loaded.seq);
    if (!chosen) return;
    const now = Date.now();
    const played = loaded.engine.play(loaded.state, chosen.seat, chosen.move, now, `bot-${loaded.seq + 1}`);
    if (played.ok) return this.#commit([played.value], now);
    // A defect in the bot: its clock runs out and the timeout policy takes over.
    const { code, reason } = played.error;
    log("error", "bot-move-refused", {
      matchId: loaded.config.matchId,
      seat: chosen.seat,
      bot: chosen.kind,
      code,
      reason,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Views and sending

  #view(loaded: Loaded, viewer: Viewer, point: Point = loaded): MatchView {
    return viewOf(loaded, viewer, point, () => this.#rematchInfo(loaded, false), Date.now());
  }

  /** Offers so far, and the new match once it exists (`created`) or was created before a wake. */
  #rematchInfo(loaded: Loaded, created: boolean) {
    return rematchInfo(loaded, created || (loaded.rematchId !== null && !this.#timers.pending({ kind: "rematch" })));
  }

  #rematchFrame(loaded: Loaded, created: boolean): ServerMessage {
    return { type: "rematch", ...this.#rematchInfo(loaded, created) };
  }

  #summary(loaded: Loaded): MatchSummary {
    return summaryOf(loaded, this.#view(loaded, "spectator", this.#feed.point(loaded, Date.now())));
  }

  /**
   * Same bytes to everyone for perfect-information games; each recipient's own view otherwise.
   * Recipients are found by their tags (see sockets.ts): no attachment is read.
   */
  #broadcastEvent(loaded: Loaded, event: LoggedEvent, point: Point, audience: "everyone" | "players" | "spectators") {
    const frameFor = (viewer: Viewer) =>
      JSON.stringify({ type: "event", event, state: this.#view(loaded, viewer, point) } satisfies ServerMessage);
    if (!loaded.engine.game.hiddenInformation) {
      const tag = audience === "everyone" ? "" : audience === "players" ? "player" : "spectator";
      return this.#sockets.send(frameFor("spectator"), tag);
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
    const connections = (seat: Seat) => this.#seatConnections(seat, closing);
    return presenceOf(this.#loaded, connections, this.#timers.graceEnds(), this.#spectatorTotal());
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
    const seat = role?.role === "player" ? role.seat : null;
    logRejected(this.env, { matchId: this.#loaded?.config.matchId, code, reason, role: role?.role, seat });
    const extra = { ...(id === undefined ? {} : { id }), ...(reason === undefined ? {} : { reason }) };
    this.#send(connection, { type: "error", code, message, ...extra });
  }

  /** Refuses a frame that breaks the transport rules; too many of them close the socket. */
  #refuse(connection: Connection, code: FrameError, message: string): void {
    if (this.flood.strike(connection.id)) {
      log("warn", "socket-closed-flooding", { matchId: this.#loaded?.config.matchId, connection: connection.id });
      connection.close(CLOSE_CODES.flooding, "too many refused frames");
      return;
    }
    this.#error(connection, code, message);
  }
}
