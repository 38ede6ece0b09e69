/**
 * Which player sockets still beat. The runtime answers the heartbeat (`HEARTBEAT` in
 * shared/protocol.ts) itself, without waking a hibernated match, and notes when it last did
 * per socket; `Heartbeats.look` reads those times whenever the match is awake anyway (a frame,
 * an alarm), closes a player socket gone silent with 4009 and hands it to the match as any
 * close, then books the `liveness` timer for when the next socket could turn silent. The rule
 * itself (SILENT_MS, when to look) is the pure ../liveness.ts. In memory only: a woken match
 * looks at once.
 */
import type { Connection } from "partyserver";
import { CLOSE_CODES, HEARTBEAT, type ClientMessage } from "../../shared/protocol.ts";
import { MIN_CHECK_MS, nextCheck, silentSockets } from "../liveness.ts";
import type { Role } from "./admission.ts";
import type { Loaded } from "./store.ts";
import type { Timers } from "./timers.ts";

/** What the watch needs of the match: its player sockets (by tag), and its close handler. */
export interface Watched {
  getConnections<T>(tag: "player"): Iterable<Connection<T>>;
  /** Handles a socket closed for silence as any close (its grace period, the others' presence). */
  onClose(socket: Connection<Role>): Promise<void>;
}

export class Heartbeats {
  readonly #ctx: DurableObjectState;
  readonly #timers: Timers;
  readonly #match: Watched;
  /** When `look` last looked. */
  #lookedAt = 0;
  /**
   * When each player socket (by connection id) introduced itself with a ping saying it beats:
   * a socket that went silent before its first heartbeat is still watched. Memory only: a match
   * never hibernates within the second before a socket's first heartbeat.
   */
  readonly #introduced = new Map<string, number>();

  constructor(ctx: DurableObjectState, timers: Timers, match: Watched) {
    this.#ctx = ctx;
    this.#timers = timers;
    this.#match = match;
    // The runtime answers the heartbeat itself and keeps the time it last did, per socket.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT.ping, HEARTBEAT.pong));
  }

  /**
   * Looks at the heartbeats: while the match is `playing`, player sockets gone silent are closed
   * and handed to the match; then the next look is booked (or the timer cleared). `heard` just
   * sent `frame`, so it is alive: it counts as heard now if it uses the heartbeat (it has beaten
   * before, or the frame is a ping with `heartbeat: true`, which the SDK sends once per socket
   * before its heartbeats). For other frames it looks at most once per MIN_CHECK_MS.
   */
  async look(loaded: Loaded, heard?: Connection, frame?: ClientMessage): Promise<void> {
    const now = Date.now();
    const playing = loaded.state.status === "playing";
    const beats = frame?.type === "ping" && frame.heartbeat === true;
    if (heard !== undefined && !beats && now - this.#lookedAt < MIN_CHECK_MS) return;
    this.#lookedAt = now;
    if (heard && beats) this.#introduced.set(heard.id, now);
    const sockets = [...this.#match.getConnections<Role>("player")]
      .filter((socket) => socket.readyState === WebSocket.OPEN)
      // By id: PartyServer may hand out a new wrapper for the same socket.
      .map((socket) => ({ socket, heardAt: this.#heardAt(socket, socket.id === heard?.id ? now : null) }));
    // Introductions are kept while their socket is open (a socket beats within a second of one).
    for (const id of this.#introduced.keys()) {
      if (!sockets.some(({ socket }) => socket.id === id)) this.#introduced.delete(id);
    }
    if (playing) {
      for (const socket of silentSockets(sockets, now)) {
        socket.close(CLOSE_CODES.silent, "no heartbeat");
        await this.#match.onClose(socket);
      }
    }
    const next = playing ? nextCheck(sockets, now) : null;
    if (next === this.#timers.at({ kind: "liveness" })) return;
    if (next === null) this.#timers.clear({ kind: "liveness" });
    else this.#timers.arm({ kind: "liveness" }, next);
    await this.#timers.sync(next ?? undefined, next === null);
  }

  /**
   * When `socket` last sent the heartbeat, or introduced itself; `spoke`: it just sent a frame
   * (which counts only if it uses the heartbeat at all). Null: it never beat.
   */
  #heardAt(socket: Connection, spoke: number | null): number | null {
    const beat = this.#ctx.getWebSocketAutoResponseTimestamp(socket)?.getTime() ?? this.#introduced.get(socket.id);
    if (beat === undefined) return null;
    return spoke !== null ? Math.max(spoke, beat) : beat;
  }
}
