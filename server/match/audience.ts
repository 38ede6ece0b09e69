/**
 * Who is connected to a match and what passes between them and it: the open sockets (by tag,
 * see ../sockets.ts), the spectator count, frames read through the rate limit (flood-guard.ts)
 * and the transport rungs (frames.ts), and everything sent: frames, errors, refusals. In
 * memory only; counted again after a wake.
 */
import type { Connection } from "partyserver";
import type { LoggedEvent } from "../../shared/events.ts";
import type { Seat, Viewer } from "../../shared/game.ts";
import {
  CLOSE_CODES,
  type ClientMessage,
  type FrameError,
  type MatchView,
  type Presence,
  type ServerMessage,
} from "../../shared/protocol.ts";
import type { Failure } from "../../shared/result.ts";
import { log, logRejected } from "../log.ts";
import { SocketIndex } from "../sockets.ts";
import { playerTag, type Role } from "./admission.ts";
import type { FloodGuard } from "./flood-guard.ts";
import { readFrame, type Message } from "./frames.ts";

/** Who an event goes to: everyone, or (with a spectator delay) players and spectators apart. */
export type Recipients = "everyone" | "players" | "spectators";

/** How long spectator arrivals and departures are gathered into one presence frame. */
export const PRESENCE_MERGE_MS = 1_000;

export class Audience {
  readonly #sockets: SocketIndex;
  /** The presence to send; the Match builds it (it knows the seats and grace periods). */
  readonly #presence: () => Presence;
  /** Open spectator sockets: counted on wake, kept by connect and close, recounted by each presence broadcast. */
  #spectators: number | undefined = undefined;
  /** A spectator-count broadcast waiting to go out (see `spectatorsChanged`). */
  #presenceTimer: ReturnType<typeof setTimeout> | null = null;

  readonly #env: Env;
  readonly #flood: FloodGuard;
  /** The match's id, for the logs (the object's name). */
  readonly #matchId: string | undefined;
  /** Who holds a seat now (seats rotate each game of a series; sockets are tagged by player). */
  readonly #holder: (seat: Seat) => string | undefined;

  constructor(
    ctx: DurableObjectState,
    env: Env,
    flood: FloodGuard,
    presence: () => Presence,
    holder: (seat: Seat) => string | undefined,
  ) {
    this.#holder = holder;
    this.#sockets = new SocketIndex(ctx);
    this.#env = env;
    this.#flood = flood;
    this.#presence = presence;
    this.#matchId = ctx.id.name;
  }

  /** A socket was accepted. */
  added(socket: WebSocket, spectator: boolean): void {
    this.#sockets.added(socket);
    if (spectator && this.#spectators !== undefined) this.#spectators++;
  }

  /** A socket closed. */
  removed(socket: Connection, spectator: boolean): void {
    this.#flood.forget(socket.id);
    this.#sockets.removed(socket);
    if (spectator && this.#spectators !== undefined) this.#spectators = Math.max(0, this.#spectators - 1);
  }

  /** Open connections of `seat`, not counting `except`. */
  seatConnections(seat: Seat, except?: WebSocket): number {
    const pid = this.#holder(seat);
    return pid === undefined ? 0 : this.#sockets.count(playerTag(pid), except);
  }

  spectators(): number {
    this.#spectators ??= this.#sockets.count("spectator");
    return this.#spectators;
  }

  /**
   * Spectators come and go in crowds: their count reaches everyone at most once a second,
   * not once per arrival (a thousand arrivals would be a million frames).
   */
  spectatorsChanged(): void {
    if (this.#presenceTimer !== null) return;
    this.#presenceTimer = setTimeout(() => {
      this.#presenceTimer = null;
      this.#spectators = this.#sockets.count("spectator");
      this.broadcast({ type: "presence", presence: this.#presence() });
    }, PRESENCE_MERGE_MS);
  }

  send(connection: Connection, message: ServerMessage): void {
    // A socket can close while its frame is being answered; there is no one left to tell.
    if (connection.readyState === WebSocket.OPEN) connection.send(JSON.stringify(message));
  }

  /** Answers a frame with an error (`id`: the move it answers; `reason`: the game's own code), logged by sample. */
  error(connection: Connection, error: Failure<FrameError> & { readonly id?: string }): void {
    const { code, message, id, reason } = error;
    const role = (connection as Connection<Role>).state;
    const seat = role?.role === "player" ? role.seat : null;
    logRejected(this.#env, { matchId: this.#matchId, code, reason, role: role?.role, seat });
    const extra = { ...(id === undefined ? {} : { id }), ...(reason === undefined ? {} : { reason }) };
    this.send(connection, { type: "error", code, message, ...extra });
  }

  /**
   * A client frame, through the transport rungs: the rate limit, then size, JSON and shape (see
   * frames.ts). Null when it was refused (and answered, or the socket closed for flooding).
   */
  read(connection: Connection, message: Message): ClientMessage | null {
    if (!this.#flood.allow(connection.id)) {
      this.refuse(connection, { code: "rate-limited", message: "slow down: too many frames" });
      return null;
    }
    const frame = readFrame(message);
    if (!frame.ok) this.refuse(connection, frame.error);
    return frame.ok ? frame.value : null;
  }

  /** Refuses a frame that broke the transport rules; too many of them (see FloodGuard) close the socket. */
  refuse(connection: Connection, error: Failure<FrameError>): void {
    if (!this.#flood.strike(connection.id)) return this.error(connection, error);
    log("warn", "socket-closed-flooding", { matchId: this.#matchId, connection: connection.id });
    connection.close(CLOSE_CODES.flooding, "too many refused frames");
  }

  broadcast(message: ServerMessage, without?: WebSocket): void {
    this.#sockets.send(JSON.stringify(message), "", without);
  }

  /**
   * Sends an event: the same bytes to everyone when `perViewer` is false (a game without hidden
   * information), each seat's own view otherwise. `frame` makes the frame for a viewer.
   * Recipients are found by their tags: no attachment is read.
   */
  event(perViewer: boolean, seats: number, to: Recipients, frame: (viewer: Viewer) => string): void {
    if (!perViewer) {
      this.#sockets.send(frame("spectator"), to === "everyone" ? "" : to === "players" ? "player" : "spectator");
      return;
    }
    if (to !== "spectators") {
      for (let seat = 0; seat < seats; seat++) {
        const pid = this.#holder(seat);
        if (pid !== undefined && this.seatConnections(seat) > 0) this.#sockets.send(frame(seat), playerTag(pid));
      }
    }
    if (to !== "players" && this.spectators() > 0) this.#sockets.send(frame("spectator"), "spectator");
  }
}

/** The frame of a logged event with the recipient's view of the match after it. */
export function eventFrame(event: LoggedEvent, state: MatchView): string {
  return JSON.stringify({ type: "event", event, state } satisfies ServerMessage);
}
