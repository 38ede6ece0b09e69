/**
 * An object's open sockets by tag, kept in memory, for sending and counting without
 * PartyServer's connection iterator.
 *
 * PartyServer's `broadcast` and `getConnections` deserialise every socket's attachment on each
 * call, only to recognise their own sockets; with a thousand spectators that is a thousand
 * structured-clone reads per move, and `ctx.getWebSockets(tag)` alone builds a new array of a
 * thousand sockets. Every socket of a Match is accepted by PartyServer and its role is in its
 * tags (`player`, `pid:<player id>`, `spectator`), so the index needs no attachment. It is memory only:
 * after a wake each tag's set is read again from `ctx.getWebSockets(tag)` on first use.
 */
export class SocketIndex {
  readonly #ctx: DurableObjectState;
  /** Sockets by tag; "" holds every socket. Only tags asked for since the wake are kept. */
  readonly #byTag = new Map<string, Set<WebSocket>>();

  constructor(ctx: DurableObjectState) {
    this.#ctx = ctx;
  }

  #sockets(tag: string): Set<WebSocket> {
    let sockets = this.#byTag.get(tag);
    if (!sockets) {
      sockets = new Set(this.#ctx.getWebSockets(tag === "" ? undefined : tag));
      this.#byTag.set(tag, sockets);
    }
    return sockets;
  }

  /** A socket just accepted (a set read after its acceptance holds it already: sets ignore the repeat). */
  added(socket: WebSocket): void {
    for (const tag of ["", ...this.#ctx.getTags(socket)]) this.#byTag.get(tag)?.add(socket);
  }

  /** A socket that closed or failed. One that is dropped without this call leaves on the next send. */
  removed(socket: WebSocket): void {
    for (const sockets of this.#byTag.values()) sockets.delete(socket);
  }

  /** Sends `frame` to every open socket with `tag` (every socket without one), except `except`. */
  send(frame: string, tag = "", except?: WebSocket): void {
    const sockets = this.#sockets(tag);
    for (const socket of sockets) {
      if (socket === except) continue;
      // A socket leaves the open state once, for good.
      if (socket.readyState !== WebSocket.OPEN) {
        sockets.delete(socket);
        continue;
      }
      try {
        socket.send(frame);
      } catch {
        // As PartyServer does: a socket that can't take a frame is closed, not retried.
        socket.close(1011, "Unexpected error");
      }
    }
  }

  /** Open sockets with `tag`, not counting `except`. */
  count(tag: string, except?: WebSocket): number {
    let count = 0;
    for (const socket of this.#sockets(tag)) if (socket !== except && socket.readyState === WebSocket.OPEN) count++;
    return count;
  }
}
