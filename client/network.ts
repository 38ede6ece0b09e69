/**
 * What the SDK knows of the network: the heartbeat's timings (docs/protocol.md, "Liveness")
 * and whether the platform says it is online. Nothing here touches a socket.
 */

/** How often the connection proves it is alive, with the heartbeat the server's runtime answers (see `#beat` in sdk.ts). */
export const HEARTBEAT_MS = 1_000;
/** Nothing heard for this long (or the browser says it is offline): shown as lost, moves wait. */
export const STALL_MS = 2_500;
/** Nothing heard for this long while the browser thinks it is online: the socket is replaced. */
export const DEAD_MS = 6_000;
/** How often the heartbeat's clock is checked. */
export const TICK_MS = 250;

/** What this client reads of a browser's network state; in Node (bots, tests) none of it exists. */
export const scope = globalThis as unknown as {
  navigator?: { onLine?: boolean };
  addEventListener?: (type: "online" | "offline", listener: () => void) => void;
  removeEventListener?: (type: "online" | "offline", listener: () => void) => void;
};

/** False when the platform says it has no network (a browser's `navigator.onLine`); true where it can't tell. */
export function online(): boolean {
  return scope.navigator?.onLine !== false;
}
