/**
 * A typed connection to one match, for the browser and for Node (bots, tests, benchmarks).
 *
 * - Connects with the player's token (or none, to watch) over partysocket, which reconnects
 *   with backoff; after every (re)connect it asks for exactly the events it missed (over the
 *   socket, or from the HTTP log when the server finds it too far behind for that).
 * - Checks a move with the shared rules before sending it, and shows it at once
 *   (optimistically) for games without hidden information; a refusal rolls it back.
 * - Moves made while offline wait in a bounded queue and are sent, with their original ids,
 *   once the connection is back: the server answers a repeat with an ack, never twice.
 * - Follows the series: when a rematch starts (or a socket to an earlier game is admitted to
 *   the current one), the server welcomes the same socket to the next game; the client then
 *   carries that match (`matchId`, seat, log, reconnects) and says so with `next-game`.
 */
import { PartySocket } from "partysocket";
import * as v from "valibot";
import { remainingAt } from "../shared/clock.ts";
import type { AnyGame, Seat } from "../shared/game.ts";
import { checkOnView, type DrawAction } from "../shared/engine.ts";
import { findGame } from "../shared/games/index.ts";
import {
  CLOSE_CODES,
  HEARTBEAT,
  LIMITS,
  PROTOCOL_VERSION,
  ServerMessage,
  type ClientMessage,
  type LoggedEvent,
  type MatchView,
  type Presence,
} from "../shared/protocol.ts";
import { Api } from "./api.ts";
import { DEAD_MS, HEARTBEAT_MS, online, scope, STALL_MS, TICK_MS } from "./network.ts";
import { randomId, withPending } from "./sdk-helpers.ts";
import type { ConnectionStatus, MatchClientEvents, MatchClientOptions, MoveRefusal, PendingMove } from "./sdk-types.ts";

export type { ConnectionStatus, MatchClientEvents, MatchClientOptions, MoveRefusal, PendingMove } from "./sdk-types.ts";
export { DEAD_MS, HEARTBEAT_MS, STALL_MS } from "./network.ts";

export class MatchClient {
  /** Set by the server's welcome. */
  role: "player" | "spectator" | null = null;
  seat: Seat | null = null;
  gameId: string | null = null;
  game: AnyGame | null = null;
  /** The match as the server last confirmed it. */
  confirmed: MatchView | null = null;
  presence: Presence | null = null;
  /** Every event seen, in seq order (the move list). */
  readonly log: LoggedEvent[] = [];
  /** Moves sent (or queued) and not yet answered, oldest first. */
  readonly pending: PendingMove[] = [];
  status: ConnectionStatus = "connecting";
  /** Server clock minus ours, from the last frame that carried it. */
  clockOffset = 0;

  #matchId: string;
  /** Bumped when the socket moves on to the next game: work begun for the previous one stops. */
  #epoch = 0;
  readonly #socket: PartySocket;
  #heartbeat: ReturnType<typeof setInterval>;
  /** When the server was last heard from. */
  #heardAt = Date.now();
  /** When the last heartbeat went out. */
  #beatAt = 0;
  /** Closed by `close()`: for good. */
  #closed = false;
  /** The open socket went silent (or the browser went offline): shown as `connecting` until heard again. */
  #stalled = false;
  /** The browser's `offline`/`online` listeners, removed by `close`. */
  readonly #onOffline = () => this.#stall();
  readonly #onOnline = () => {
    if (!this.#closed) this.reconnect();
  };
  readonly #listeners = new Map<keyof MatchClientEvents, Set<(value: never) => void>>();
  readonly #maxQueued: number;
  readonly #newId: () => string;
  /** Pending moves already written to the current socket. */
  readonly #sent = new Set<string>();
  /** The seq of the resync on its way, if any. */
  #resyncFrom: number | null = null;
  /** For a log too far behind for a resync: the public log over HTTP. */
  readonly #api: Api;
  #backfilling = false;

  constructor(options: MatchClientOptions) {
    this.#matchId = options.matchId;
    this.#maxQueued = options.maxQueued ?? 8;
    this.#newId = options.newId ?? randomId;
    this.#api = new Api({ origin: options.origin, ...(options.fetch ? { fetch: options.fetch } : {}) });
    const url = new URL(options.origin);
    this.#socket = new PartySocket({
      host: url.host,
      protocol: url.protocol === "https:" ? "wss" : "ws",
      party: "match",
      room: options.matchId,
      query: options.token ? { token: options.token } : {},
      // This client keeps its own bounded, idempotent queue of moves.
      maxEnqueuedMessages: 0,
      // 4008: closed for flooding; reconnecting would only repeat it. While the browser says it
      // is offline, no retries either: its `online` event reconnects at once.
      shouldReconnectOnClose: (event) => event.code !== CLOSE_CODES.flooding && online(),
      // A player is waiting on the board: retry soon (with jitter, so a server restart is not
      // met by every client at once), then back off to 10 s.
      minReconnectionDelay: 250 + Math.random() * 750,
      maxReconnectionDelay: 10_000,
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
    });
    this.#heartbeat = setInterval(() => this.#beat(), TICK_MS);
    this.#socket.addEventListener("open", () => {
      const now = Date.now();
      this.#heardAt = now;
      // At once, not at the next tick: a network that dies in the first second is noticed too.
      // Spelled so that the match answers it (with its clock) and starts watching this
      // socket's heartbeats; the rest are the runtime's to answer.
      this.#beatAt = now;
      this.#send({ type: "ping", t: now, heartbeat: true });
    });
    // A browser knows at once when its network goes: shown within the moment, not a heartbeat later.
    scope.addEventListener?.("offline", this.#onOffline);
    scope.addEventListener?.("online", this.#onOnline);
    // "open" waits for the snapshot: until then the view is the one from before the connection.
    this.#socket.addEventListener("close", () => {
      this.#stalled = false;
      this.#sent.clear();
      this.#resyncFrom = null;
      this.#setStatus(this.#socket.shouldReconnect || (!online() && !this.#closed) ? "connecting" : "closed");
    });
    this.#socket.addEventListener("message", (event) => this.#receive(event.data));
  }

  /**
   * The match this client carries: the one it was made for, until the server welcomes it to a
   * later game of the same series (`next-game`).
   */
  get matchId(): string {
    return this.#matchId;
  }

  /** Listens to `name`; returns the function that stops listening. */
  on<K extends keyof MatchClientEvents>(name: K, listener: (value: MatchClientEvents[K]) => void): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener as (value: never) => void);
    return () => set.delete(listener as (value: never) => void);
  }

  #emit<K extends keyof MatchClientEvents>(name: K, value: MatchClientEvents[K]): void {
    for (const listener of this.#listeners.get(name) ?? []) (listener as (value: MatchClientEvents[K]) => void)(value);
  }

  #setStatus(status: ConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.#emit("connection", status);
    this.#emit("change", this);
  }

  /** The match as this client shows it: the confirmed view with our pending moves on top (see `withPending`). */
  get view(): MatchView | null {
    return withPending(this.confirmed, this.game, this.seat, this.pending, this.log.at(-1)?.seq ?? 0);
  }

  /** True when this client's seat may move now (as far as it knows). */
  get myTurn(): boolean {
    const view = this.view;
    return this.seat !== null && view?.status === "playing" && !!view.turn?.seats.includes(this.seat);
  }

  /** Milliseconds left before the turn deadline, by the server's clock; null without one. */
  remainingMs(now = Date.now()): number | null {
    const deadline = this.confirmed?.turn?.deadline;
    return deadline == null ? null : Math.max(0, deadline - (now + this.clockOffset));
  }

  /**
   * `seat`'s time left on the match clock at `now` (our clock, corrected to the server's), as
   * the server last reported it; null before the start or without that seat.
   */
  clockMs(seat: Seat, now = Date.now()): number | null {
    const clock = this.confirmed?.clock;
    if (!clock || seat < 0 || seat >= clock.remaining.length) return null;
    // A finished match's clocks stand still where they stopped.
    const running = this.confirmed?.status === "playing" ? clock.running : [];
    return remainingAt(clock.control, { ...clock, running, used: [], added: [] }, seat, now + this.clockOffset);
  }

  /**
   * Checks `move` with the shared rules and sends it (or queues it while offline). A refusal
   * is returned and also emitted as `refused`.
   */
  move(move: unknown): { ok: true; id: string } | { ok: false; error: MoveRefusal } {
    const refuse = (code: string, message: string, reason?: string) => {
      const error: MoveRefusal = { id: null, move, code, message, ...(reason === undefined ? {} : { reason }) };
      this.#emit("refused", error);
      return { ok: false as const, error };
    };
    const view = this.view;
    // Before the server's welcome and snapshot, the seat (if any) is not known yet.
    if (this.role === null || !view) return refuse("not-connected", "not connected to the match yet");
    if (this.role !== "player" || this.seat === null) return refuse("spectator", "you are watching this match");
    if (!this.game) return refuse("bad-move", `this client does not know the game ${this.gameId}`);
    const checked = checkOnView(this.game, view, this.seat, move);
    if (!checked.ok) return refuse(checked.error.code, checked.error.message, checked.error.reason);
    if (this.pending.length >= this.#maxQueued)
      return refuse("queue-full", "too many moves are waiting for the server");
    // Made against the state this client shows: confirmed seq plus the moves still pending.
    const pending: PendingMove = {
      id: this.#newId(),
      seq: (this.confirmed?.seq ?? 0) + this.pending.length,
      move: checked.value,
    };
    this.pending.push(pending);
    this.#flush();
    this.#emit("change", this);
    return { ok: true, id: pending.id };
  }

  resign(): void {
    this.#send({ type: "resign" });
  }

  rematch(): void {
    this.#send({ type: "rematch" });
  }

  /**
   * Offers a draw, or accepts or declines the one offered. The server answers with a
   * `draw-offer`/`draw-accept`/`draw-decline` event, or an `error` (e.g. `no-draw-offer`).
   * False when there is no connection to send it on (nothing is queued).
   */
  draw(action: DrawAction): boolean {
    return this.#send({ type: "draw", action });
  }

  /** Asks for every event after the last one this client has (once at a time). */
  resync(): void {
    // The HTTP log is filling the gap: the socket picks up the rest once it is done.
    if (this.#backfilling) return;
    const from = this.log.at(-1)?.seq ?? 0;
    if (this.#resyncFrom === from) return;
    if (this.#send({ type: "resync", seq: from })) this.#resyncFrom = from;
  }

  /** Drops the connection and connects again at once (e.g. when the browser comes back online). */
  reconnect(): void {
    this.#socket.reconnect();
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    scope.removeEventListener?.("offline", this.#onOffline);
    scope.removeEventListener?.("online", this.#onOnline);
    this.#socket.close(1000, "bye");
    this.#setStatus("closed");
  }

  /**
   * A connection that died without a close (a sleeping laptop, a dropped mobile link) is
   * noticed by its silence: every HEARTBEAT_MS a heartbeat goes out (answered by the server's
   * runtime, so it wakes no match); after STALL_MS without a word the connection shows as lost
   * and moves wait, and after DEAD_MS the socket is replaced. While the browser says it is
   * offline no heartbeat goes out (so the server sees the silence a real outage makes) and no
   * socket is replaced: its `online` event reconnects at once.
   */
  #beat(): void {
    if (this.#socket.readyState !== 1) return;
    const now = Date.now();
    const up = online();
    if (!up || now - this.#heardAt > STALL_MS) this.#stall();
    if (!up) return;
    if (now - this.#heardAt > DEAD_MS) return this.reconnect();
    if (now - this.#beatAt >= HEARTBEAT_MS) {
      this.#beatAt = now;
      this.#socket.send(HEARTBEAT.ping);
    }
  }

  /** Shows an open connection as lost until the server is heard from again (the socket stays). */
  #stall(): void {
    if (this.status !== "open") return;
    this.#stalled = true;
    this.#setStatus("connecting");
  }

  #send(frame: ClientMessage): boolean {
    if (this.#socket.readyState !== 1) return false;
    this.#socket.send(JSON.stringify(frame));
    return true;
  }

  /** Sends the pending moves this socket has not carried yet, once the match state is known. */
  #flush(): void {
    if (this.status !== "open" || !this.confirmed) return;
    for (const pending of this.pending) {
      if (this.#sent.has(pending.id)) continue;
      if (this.#send({ type: "move", id: pending.id, seq: pending.seq, move: pending.move }))
        this.#sent.add(pending.id);
    }
  }

  #settle(id: string): PendingMove | undefined {
    const index = this.pending.findIndex((pending) => pending.id === id);
    if (index < 0) return undefined;
    this.#sent.delete(id);
    return this.pending.splice(index, 1)[0];
  }

  #record(events: readonly LoggedEvent[]): void {
    for (const event of events) {
      const last = this.log.at(-1)?.seq ?? 0;
      if (event.seq <= last) continue;
      // Never a hole in the log: what is missing is asked for again.
      if (event.seq > last + 1) return this.resync();
      this.log.push(event);
      if (event.kind === "move" && event.seat === this.seat) this.#settle(event.id);
      this.#emit("event", event);
    }
  }

  /**
   * Fills the log from the public HTTP log, page by page, up to the confirmed state; then the
   * socket catches up on the rest (and pending moves go out). On failure the log stays behind
   * (reported as an `error`) until the next gap or reconnect asks again.
   */
  async #backfill(): Promise<void> {
    if (this.#backfilling) return;
    this.#backfilling = true;
    const epoch = this.#epoch;
    let stuck = false;
    try {
      while ((this.log.at(-1)?.seq ?? 0) < (this.confirmed?.seq ?? 0)) {
        const before = this.log.length;
        const page = await this.#api.events(this.matchId, this.log.at(-1)?.seq ?? 0, LIMITS.eventsPage);
        // The socket moved on to the next game meanwhile: this page is the previous game's.
        if (epoch !== this.#epoch) return;
        if (!page.ok) {
          this.#emit("error", {
            code: page.error.code,
            message: `could not fetch the match log: ${page.error.message}`,
          });
          stuck = true;
          break;
        }
        this.#record(page.value.events);
        this.#emit("change", this);
        // The HTTP log has nothing newer: asking the socket again would only loop.
        if (this.log.length === before) {
          stuck = true;
          break;
        }
      }
    } finally {
      if (epoch === this.#epoch) this.#backfilling = false;
    }
    if (!stuck && (this.log.at(-1)?.seq ?? 0) < (this.confirmed?.seq ?? 0)) this.resync();
    // Moves that waited for the log go out; the server answers any it already has with an ack.
    else this.#flush();
  }

  /**
   * The socket now carries `matchId`, a later game of the same series. What this client knew of
   * the previous game goes: its log, its state, and its moves still waiting, which are refused
   * (`game-over`: they were made in a game that is over), never sent into the next one.
   * Reconnects and the HTTP log use the new id from now on.
   */
  #moveTo(matchId: string): void {
    this.#matchId = matchId;
    this.#epoch += 1;
    // Keeps the connection's id, as a plain reconnect does.
    this.#socket.updateProperties({ room: matchId, id: this.#socket.id });
    this.log.length = 0;
    this.confirmed = null;
    this.presence = null;
    this.#sent.clear();
    this.#resyncFrom = null;
    // A backfill of the previous game still in flight stops at its next page (see #epoch).
    this.#backfilling = false;
    for (const { id, move } of this.pending.splice(0))
      this.#emit("refused", { id, move, code: "game-over", message: "the game this move was made in is over" });
  }

  #accept(state: MatchView): void {
    this.confirmed = state;
    this.clockOffset = state.serverTime - Date.now();
  }

  #receive(data: unknown): void {
    this.#heardAt = Date.now();
    // A stalled socket that speaks again (and a browser back online) is open again: waiting moves go out.
    if (this.#stalled && online()) {
      this.#stalled = false;
      this.#setStatus("open");
      this.#flush();
    }
    let parsed: v.SafeParseResult<typeof ServerMessage>;
    try {
      parsed = v.safeParse(ServerMessage, JSON.parse(String(data)));
    } catch {
      return;
    }
    // A frame this client does not understand, most likely from a newer server: say so (a page
    // can ask for a reload) rather than guess or hang.
    if (!parsed.success) {
      this.#emit("error", {
        code: "unreadable-frame",
        message: "the server sent a frame this client does not understand",
      });
      return;
    }
    const frame = parsed.output;
    switch (frame.type) {
      case "welcome": {
        if (frame.protocol !== PROTOCOL_VERSION) {
          this.#emit("error", {
            code: "protocol-mismatch",
            message: `the server speaks protocol ${frame.protocol}, this client ${PROTOCOL_VERSION}: reload to update`,
          });
        }
        // Another id: the socket now carries a later game of the series (a rematch started, or
        // this socket asked for an earlier game of it); its snapshot follows.
        const from = frame.matchId === this.#matchId ? null : this.#matchId;
        if (from !== null) this.#moveTo(frame.matchId);
        this.role = frame.role;
        this.seat = frame.seat;
        this.gameId = frame.gameId;
        this.game = findGame(frame.gameId) ?? null;
        if (from !== null) this.#emit("next-game", { from, matchId: frame.matchId });
        break;
      }
      case "snapshot": {
        // A snapshot that answers our resync: the server found the log too far behind to send.
        const answered = this.#resyncFrom !== null;
        this.#resyncFrom = null;
        this.#accept(frame.state);
        this.presence = frame.presence;
        this.#setStatus("open");
        // Fill the move list with whatever happened since the last event this client has.
        const behind = frame.state.seq - (this.log.at(-1)?.seq ?? 0);
        if (behind <= 0) this.#flush();
        else if (answered || behind > LIMITS.resyncEvents) void this.#backfill();
        else this.resync();
        break;
      }
      case "sync":
        this.#resyncFrom = null;
        this.#record(frame.events);
        this.#accept(frame.state);
        this.#flush();
        break;
      case "event": {
        const last = this.log.at(-1)?.seq ?? 0;
        if (frame.event.seq <= last) return;
        // A gap (or a catch-up still on its way): ask for what is missing, never apply out of order.
        if (frame.event.seq > last + 1) return this.resync();
        this.#record([frame.event]);
        this.#accept(frame.state);
        break;
      }
      case "presence":
        this.presence = frame.presence;
        break;
      case "rematch":
        if (this.confirmed)
          this.confirmed = { ...this.confirmed, rematch: { offers: frame.offers, matchId: frame.matchId } };
        break;
      case "ack":
        this.#settle(frame.id);
        break;
      case "error": {
        const pending = frame.id === undefined ? undefined : this.#settle(frame.id);
        if (pending) {
          this.#emit("refused", {
            id: pending.id,
            move: pending.move,
            code: frame.code,
            message: frame.message,
            ...(frame.reason === undefined ? {} : { reason: frame.reason }),
          });
        } else this.#emit("error", { code: frame.code, message: frame.message });
        break;
      }
      case "pong":
        // The heartbeat's answer carries no time; a ping of another spelling gets the server's.
        if (frame.serverTime !== undefined) this.clockOffset = frame.serverTime - Date.now();
        return;
    }
    this.#emit("change", this);
  }
}
