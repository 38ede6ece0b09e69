/**
 * Match: one match per Durable Object, a thin master around the shared engine. It admits sockets, runs the guard
 * ladder on every frame, commits (append → schedule → broadcast) and dispatches its alarm; what it decides comes from
 * the modules beside it (docs/architecture.md): store (SQL), timers, views, outbox, spectator-delay, flood-guard,
 * frames, audience, outgoing, heartbeats, admission, lifecycle and series. SQLite is the truth; fields are caches rebuilt on wake.
 */
import { Server, type Connection, type ConnectionContext, type WSMessage } from "partyserver";
import { initialMs } from "../../shared/clock.ts";
import type { MatchState } from "../../shared/engine.ts";
import type { LoggedEvent, MatchEvent } from "../../shared/events.ts";
import type { Seat } from "../../shared/game.ts";
import type { EventsPage, FrameError, JoinResult, MatchSummary } from "../../shared/protocol.ts";
import { fail, ok, type Failure, type Result } from "../../shared/result.ts";
import { tokenSecret } from "../auth.ts";
import { BOT_DELAY_MS, botPlayer, playBot } from "../bots.ts";
import { overRpc, type OverRpc, type PlayerRef, type ReservedMatch } from "../contracts.ts";
import { errorResponse, failureResponse } from "../http.ts";
import { durationSetting } from "../settings.ts";
import { admit, tagsOf, type Role } from "./admission.ts";
import { Audience } from "./audience.ts";
import { FloodGuard } from "./flood-guard.ts";
import type { ResignOrDraw } from "./frames.ts";
import { Heartbeats } from "./heartbeats.ts";
import * as lifecycle from "./lifecycle.ts";
import { deliverDue, isOutbox, OUTBOX_RETRY_MS, REPORT_DELAY_MS } from "./outbox.ts";
import { blankGame, prepareNextGame } from "./series.ts";
import { Outgoing } from "./outgoing.ts";
import { SpectatorFeed } from "./spectator-delay.ts";
import { MatchStore, type Archive, type Loaded, type NewSeat } from "./store.ts";
import { Timers, commitOf, scheduleAfter, turnOf, type Timer } from "./timers.ts";

export type { Role } from "./admission.ts";

/** One event of a commit with the match right after it. */
type Step = { readonly event: MatchEvent; readonly state: MatchState };

export class Match extends Server<Env> {
  static override options = { hibernate: true };

  #loaded: Loaded | null = null;
  readonly #store = new MatchStore(this.ctx.storage);
  readonly #timers = new Timers(this.ctx.storage, () => turnOf(this.#loaded));
  readonly #feed = new SpectatorFeed(this.#store);
  /** Rate limit and strikes per socket; its clock is injectable for tests. */
  readonly flood = new FloodGuard();
  /** Verified roles of upgrade requests between `fetch` and `onConnect` (same Request object). */
  #admitted = new WeakMap<Request, Role>();
  /** Open sockets and sending. */
  readonly #audience = new Audience(
    this.ctx,
    this.env,
    this.flood,
    () => this.#out.presence(),
    (seat) => this.#loaded?.seats[seat]?.pid,
  );
  readonly #heartbeats = new Heartbeats(this.ctx, this.#timers, this);
  readonly #out = new Outgoing(this.#audience, this.#feed, this.#store, this.#timers, () => this.#loaded);
  /** When the lobby entry was last refreshed, and when a refresh is due (null: none; undefined: unknown after a wake). */
  #listing: { listedAt: number; listingDue: number | null | undefined } = { listedAt: 0, listingDue: undefined };
  readonly #delays = {
    botDelayMs: durationSetting(this.env.PLY_BOT_DELAY_MS, BOT_DELAY_MS),
    reportDelayMs: durationSetting(this.env.PLY_REPORT_DELAY_MS, REPORT_DELAY_MS),
  };

  /** Reads the match from SQLite into the cache; null if this object holds no match. */
  #load(): Loaded | null {
    this.#loaded ??= this.#store.load();
    return this.#loaded;
  }

  override onStart(): void {
    this.#load();
  }

  // --- RPC from the Worker (HTTP routes) and from other objects: data in, Results out.

  /** Writes a new match into this (blank) object and seats `players` (see `#seat`). */
  async #create(
    input: lifecycle.NewMatch,
    players: readonly NewSeat[],
    startNow = false,
  ): Promise<Result<Loaded, lifecycle.CreationError>> {
    if (this.#load()) return fail("match-exists", "a match with this id exists already");
    const made = lifecycle.configure(this.name, input, Date.now());
    if (!made.ok) return made;
    const { config, seed, engine } = made.value;
    this.#store.insert(config, seed, initialMs(config.timeControl), engine.initial());
    lifecycle.logCreated(config);
    const loaded = this.#load();
    if (!loaded) throw new Error("match vanished right after creation");
    await this.#seat(loaded, players, startNow);
    return ok(loaded);
  }

  /** POST /api/matches: creates the match with its creator in seat 0 and bots in the seats after. */
  async create(
    input: lifecycle.CreateMatch,
  ): Promise<Result<OverRpc<MatchSummary & { seat: 0 }>, lifecycle.CreateError>> {
    const secret = tokenSecret(this.env);
    if (!secret.ok) return fail("server-misconfigured", secret.error.message);
    const bots = lifecycle.checkBots(input.gameId, input.bots);
    if (!bots.ok) return bots;
    const seated = input.bots.map((kind, index) => botPlayer(kind, index + 1));
    const created = await this.#create(lifecycle.fromCreator(input), [{ ...input.creator, rating: null }, ...seated]);
    return created.ok ? ok(overRpc({ ...this.#out.summary(created.value), seat: 0 as const })) : created;
  }

  /** A match with its seats assigned up front: by a Matchmaker, or as a rematch. */
  async createReserved(spec: ReservedMatch): Promise<Result<true, lifecycle.CreationError>> {
    const created = await this.#create(lifecycle.fromReserved(spec), spec.players, spec.startNow);
    return created.ok ? ok(true) : created;
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

  /** A tournament player who withdraws resigns their game; false when they hold no seat in a game being played. */
  async resignPlayer(pid: string, matchId?: string): Promise<boolean> {
    const game = this.#game(matchId);
    if (!game || "summary" in game) return false; // an earlier game of the series is over
    const seat = game.seats.find((row) => row.pid === pid && row.bot === null);
    return seat ? this.#guarded(game, seat.seat, { type: "resign" }) : false;
  }

  /** POST /api/matches/:id/join: gives the player the next free seat. Starts the match when full. */
  async join(player: PlayerRef, matchId?: string): Promise<Result<JoinResult, lifecycle.JoinError>> {
    const allowed = lifecycle.mayJoin(this.#game(matchId), player.pid);
    if (!allowed.ok) return allowed;
    const seat = allowed.value.seats.length;
    await this.#seat(allowed.value, [{ ...player, rating: null }]);
    return ok({ matchId: allowed.value.config.matchId, seat });
  }

  /** POST /api/matches/:id/start: the creator starts with fewer than every seat filled. */
  async startBy(pid: string, matchId?: string): Promise<Result<OverRpc<MatchSummary>, lifecycle.StartError>> {
    const allowed = lifecycle.mayStart(this.#game(matchId), pid);
    if (!allowed.ok) return allowed;
    await this.#commitEvents([{ kind: "start", players: allowed.value.seats.length }]);
    return ok(overRpc(this.#out.summary(allowed.value)));
  }

  /** The public summary of game `matchId` of this series (default: the current one). */
  async summary(matchId?: string): Promise<Result<OverRpc<MatchSummary>, "not-found">> {
    const game = this.#game(matchId);
    if (!game) return fail("not-found", "no such match");
    return ok(overRpc("summary" in game ? game.summary : this.#out.summary(game)));
  }

  /** A page of game `matchId`'s public log after `after`; `next` is the `after` of the next page, if any. */
  async events(after: number, limit: number, matchId?: string): Promise<Result<OverRpc<EventsPage>, "not-found">> {
    const game = this.#game(matchId);
    if (!game) return fail("not-found", "no such match");
    // The current game's public log ends where spectators may see; an earlier game's is all public.
    const page =
      "summary" in game
        ? this.#store.page(game.summary.matchId, after, game.summary.seq, limit, game.base)
        : this.#store.page(game.config.matchId, after, this.#out.spectatorPoint(game).seq, limit, game.base);
    return ok(overRpc(page));
  }

  /** Game `matchId` of this series: the current one (also when not given), or an earlier one as archived. */
  #game(matchId: string | undefined): Loaded | Archive | null {
    const loaded = this.#load();
    if (!loaded || matchId === undefined || matchId === loaded.config.matchId) return loaded;
    return this.#store.archived(matchId);
  }

  /** Seats `players` in order and starts the match when it is full (or `startNow`). */
  async #seat(loaded: Loaded, players: readonly NewSeat[], startNow = false): Promise<void> {
    const first = loaded.seats.length;
    const events = lifecycle.seatingEvents(loaded, players, startNow);
    await this.#commitEvents(events, (now) => this.#store.addSeats(first, players, now));
  }

  // --- WebSocket admission: checked before the socket is accepted.

  override async fetch(request: Request): Promise<Response> {
    const upgrade = request.headers.get("Upgrade")?.toLowerCase();
    if (upgrade !== "websocket") return errorResponse("upgrade-required", "connect with a WebSocket");
    const loaded = this.#load();
    if (!loaded) return errorResponse("not-found", "no such match");
    const admitted = await admit(this.env, request, loaded.seats);
    if (!admitted.ok) return failureResponse(admitted.error);
    this.#admitted.set(admitted.value.request, admitted.value.role);
    return super.fetch(admitted.value.request);
  }

  override getConnectionTags(_connection: Connection, context: ConnectionContext): string[] {
    return tagsOf(this.#admitted.get(context.request));
  }

  override async onConnect(connection: Connection<Role>, context: ConnectionContext): Promise<void> {
    const loaded = this.#load();
    const role = this.#admitted.get(context.request);
    if (!loaded || !role) throw new Error("connection reached onConnect without admission");
    connection.setState(role);
    this.#audience.added(connection, role.role === "spectator");
    const seat = role.role === "player" ? role.seat : null;
    // Back in time: the grace period ends.
    const back = seat !== null && this.#audience.seatConnections(seat, connection) === 0;
    if (back) this.#timers.clear({ kind: "grace", seat });
    this.#out.welcome(connection, loaded);
    if (seat === null) return this.#audience.spectatorsChanged();
    if (!back) return;
    this.#audience.broadcast({ type: "presence", presence: this.#out.presence() }, connection);
    return this.#timers.sync(undefined, true);
  }

  override async onClose(connection: Connection<Role>): Promise<void> {
    const loaded = this.#load();
    const role = connection.state;
    this.#audience.removed(connection, role?.role === "spectator");
    if (role?.role === "spectator") return this.#audience.spectatorsChanged();
    if (!loaded || role?.role !== "player" || this.#audience.seatConnections(role.seat, connection) > 0) return;
    if (loaded.state.status === "playing") {
      this.#timers.armOnce({ kind: "grace", seat: role.seat }, Date.now() + loaded.config.graceMs);
    }
    this.#audience.broadcast({ type: "presence", presence: this.#out.presence(connection) });
    await this.#timers.sync();
  }

  // --- Frames: a rate limit, then one guard ladder in order: size → shape → role → (a retried move id is
  // answered) → a flag that fell → the engine's rungs (status, turn, move) → seq (other seats' moves since pass).

  override async onMessage(connection: Connection<Role>, message: WSMessage): Promise<void> {
    const loaded = this.#load();
    const role = connection.state;
    // Frames still queued on a socket we closed (for flooding) are dropped, not answered.
    if (!loaded || !role || connection.readyState !== WebSocket.OPEN) return;
    // The transport rungs (rate, size, JSON, shape) answer for themselves.
    const frame = this.#audience.read(connection, message);
    if (!frame) return;
    // Awake anyway: a look at the heartbeats costs little more (the sender is alive, it just spoke).
    await this.#heartbeats.look(loaded, connection, frame);
    if (frame.type === "ping")
      return this.#audience.send(connection, { type: "pong", t: frame.t, serverTime: Date.now() });
    if (frame.type === "resync") return this.#out.resync(connection, loaded, role, frame.seq);
    if (role.role !== "player") {
      const what = { move: "move", resign: "resign", draw: "offer or accept draws", rematch: "ask for a rematch" };
      const id = frame.type === "move" ? frame.id : undefined;
      return this.#error(connection, { code: "spectator", message: `spectators cannot ${what[frame.type]}` }, id);
    }
    switch (frame.type) {
      case "resign":
      case "draw":
        return void (await this.#guarded(loaded, role.seat, frame, connection));
      case "rematch":
        return this.#rematch(connection, loaded, role.seat);
      case "move": {
        const original = this.#store.moveSeq(role.seat, frame.id);
        // A retried move id gets the original answer and changes nothing.
        if (original !== null) return this.#audience.send(connection, { type: "ack", id: frame.id, seq: original });
        // A move that comes after the mover's time ran out (before the alarm said so) meets the flag first.
        await this.#flagIfDue(loaded);
        const now = Date.now();
        const played = loaded.engine.play(loaded.state, role.seat, frame.move, now, frame.id);
        if (!played.ok) return this.#error(connection, played.error, frame.id);
        const message = `the move was made at seq ${frame.seq}; the match is at ${loaded.seq}`;
        if (this.#store.stale(frame.seq, role.seat, loaded.seq))
          return this.#error(connection, { code: "stale", message }, frame.id);
        return this.#commit([played.value], now);
      }
    }
  }

  /** If the time of a seat to act has run out (`timeout` is not null), the flag falls now, before the late frame. */
  async #flagIfDue(loaded: Loaded): Promise<void> {
    const now = Date.now();
    const event = loaded.engine.timeout(loaded.state, now);
    if (event) await this.#commitEvents([event], undefined, now);
  }

  /** The flag falls first if due, then the engine's guard decides; a refusal goes back to `connection`, if any. */
  async #guarded(loaded: Loaded, seat: Seat, frame: ResignOrDraw, connection?: Connection): Promise<boolean> {
    await this.#flagIfDue(loaded);
    const { engine, state } = loaded; // after the flag, which may have ended the match
    const event = frame.type === "resign" ? engine.resign(state, seat) : engine.draw(state, seat, frame.action);
    if (event.ok) await this.#commitEvents([event.value]);
    else if (connection) this.#error(connection, event.error);
    return event.ok;
  }

  /** Records a rematch offer; the last one starts the next game here at once (the alarm retries if that fails). */
  async #rematch(connection: Connection<Role>, loaded: Loaded, seat: Seat): Promise<void> {
    const allowed = loaded.engine.rematch(loaded.state);
    if (!allowed.ok) return this.#error(connection, allowed.error);
    const fixed = lifecycle.offerRematch(loaded, seat);
    if (fixed === undefined) return this.#audience.send(connection, this.#out.rematchFrame(loaded));
    this.#store.transaction(() => {
      this.#store.rematchOffered(seat, fixed);
      if (fixed !== null) this.#timers.arm({ kind: "rematch" }, Date.now() + OUTBOX_RETRY_MS);
    });
    loaded.rematchId ??= fixed;
    this.#audience.broadcast(this.#out.rematchFrame(loaded));
    if (fixed !== null && !(await this.#nextGame(loaded))) await this.#timers.sync();
  }

  /**
   * Plays the agreed rematch as the next game of the series (series.ts): the old game archived and
   * the new one seated and started in one commit, then every socket welcomed to it. False when it
   * must be retried (the `rematch` timer is armed).
   */
  async #nextGame(loaded: Loaded): Promise<boolean> {
    const now = Date.now();
    const summary = this.#out.finalSummary(loaded);
    const next = await prepareNextGame(this.env, loaded, this.#store, this.#timers, summary, now);
    if (!next || this.#loaded !== loaded) return next !== null; // another call started it meanwhile
    const fresh = blankGame(next, loaded.base + loaded.seq);
    this.#loaded = fresh;
    const restart = (at: number) => {
      this.#store.restart({ ...next, initial: fresh.state }, next.archived);
      this.#timers.newGame();
      this.#store.addSeats(0, next.players, at);
    };
    try {
      await this.#commitEvents(lifecycle.seatingEvents(fresh, next.players, true), restart, now, false);
    } catch (error) {
      this.#loaded = null; // the transaction rolled back: the cache is read again
      throw error;
    }
    lifecycle.logCreated(fresh.config);
    for (const connection of this.getConnections<Role>()) this.#out.welcome(connection, fresh);
    return true;
  }

  // --- Committing: append the events (and now and then the snapshot) and schedule their timers in
  // one transaction, then broadcast.

  /** Commits events the engine applies now (anything but a player's move, which `play` has applied). */
  async #commitEvents(events: readonly MatchEvent[], alongside?: (now: number) => void, now = Date.now(), tell = true) {
    const loaded = this.#loaded;
    if (!loaded) throw new Error("commit without a loaded match");
    const steps: Step[] = [];
    for (const event of events)
      steps.push({ event, state: loaded.engine.apply(steps.at(-1)?.state ?? loaded.state, event, now) });
    await this.#commit(steps, now, alongside, tell);
  }

  /** `alongside` writes rows that belong with the events in the same transaction; `tell`: broadcast the events. */
  async #commit(steps: readonly Step[], now: number, alongside?: (now: number) => void, tell = true): Promise<void> {
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
      const events = logged.map((step) => step.event);
      this.#store.commit(events, { from: loaded.seq, seq, state, deadline, now, started, finished });
      const facts = { ...this.#delays, ...this.#listing };
      const plan = scheduleAfter(commitOf(loaded, { before, after: state, seq, now }, this.#online, facts));
      earliest = this.#timers.apply(plan);
      this.#listing.listingDue = plan.arm.find((arm) => arm.timer.kind === "directory")?.at ?? this.#listing.listingDue;
    });
    if (started) loaded.startedAt = now;
    if (finished) loaded.finishedAt = now;
    loaded.state = state;
    loaded.seq = seq;
    lifecycle.logTransition(loaded, started, finished, now);
    // Broadcast before any await so frames leave in seq order; the output gate holds them
    // until the transaction above is durable.
    const delayed = loaded.config.spectatorDelay !== null;
    if (tell)
      for (const { event, point } of logged) this.#out.event(loaded, event, point, delayed ? "players" : "everyone");
    if (delayed) {
      const next = this.#out.advanceSpectators(loaded);
      if (next !== null) earliest = earliest === null ? next : Math.min(earliest, next);
    }
    if (started && tell) this.#audience.broadcast({ type: "presence", presence: this.#out.presence() });
    await this.#timers.sync(earliest);
  }

  // --- The alarm. Alarms are delivered at least once: only timers that are due and still current act.

  override async onAlarm(): Promise<void> {
    const loaded = this.#load();
    if (!loaded) return;
    this.#timers.fired();
    for (const timer of this.#timers.due(Date.now())) await this.#fire(loaded, timer);
    await this.#heartbeats.look(loaded);
    await this.#timers.sync();
  }

  async #fire(loaded: Loaded, timer: Timer): Promise<void> {
    const playing = loaded.state.status === "playing";
    const current = timer.seq === loaded.seq && playing;
    switch (timer.kind) {
      case "turn": // Derived from the state (no row): the flag falls unless a move came since.
        return current ? this.#flagIfDue(loaded) : undefined;
      case "bot": {
        this.#timers.done(timer);
        const now = Date.now();
        const bots = loaded.seats.map((row) => row.bot);
        const played = current && playBot(loaded.engine, loaded.state, bots, loaded.config.matchId, loaded.seq, now);
        return played ? this.#commit([played], now) : undefined;
      }
      case "spectators":
        this.#timers.done(timer);
        return void this.#out.advanceSpectators(loaded);
      case "grace":
        if (!playing || this.#online(timer.seat)) return this.#timers.done(timer);
        return this.#commitEvents([{ kind: "abandon", seat: timer.seat }]);
      case "rematch": // The next game of the series, if it could not start at the last offer.
        if (loaded.rematchId === null || loaded.state.status !== "finished") return this.#timers.done(timer);
        return (await this.#nextGame(loaded)) ? undefined : this.#timers.retry(timer, Date.now() + OUTBOX_RETRY_MS);
    }
    // `liveness` (onAlarm looks at the heartbeats after the due timers), or the outbox: idempotent
    // deliveries to other objects, retried until they succeed (outbox.ts).
    if (!isOutbox(timer.kind)) return this.#timers.done(timer);
    if (timer.kind === "directory") this.#listing.listedAt = Date.now();
    if (!(await deliverDue({ ...timer, kind: timer.kind }, this.env, loaded, this.#timers, this.#store))) return;
    if (timer.kind === "directory") this.#listing.listingDue = null;
  }

  // --- Sending

  /** True while `seat` has an open socket. */
  readonly #online = (seat: Seat): boolean => this.#audience.seatConnections(seat) > 0;

  #error(connection: Connection, error: Failure<FrameError>, id?: string): void {
    this.#audience.error(connection, { ...error, ...(id === undefined ? {} : { id }) });
  }
}
