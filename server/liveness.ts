/**
 * Which player sockets have gone silent, and when a match should look again.
 *
 * Clients send the heartbeat (`HEARTBEAT.ping` in shared/protocol.ts) every second. The
 * runtime answers it itself (WebSocket auto-response), so a hibernated match is not woken for
 * it, and notes when it last did for each socket (`getWebSocketAutoResponseTimestamp`). A
 * match reads those times when it is awake anyway (a frame, a connection, an alarm) and at a
 * timer booked for the moment the next socket could turn silent: a socket that has not beaten
 * for SILENT_MS is treated as gone, so the other seats see "connection lost" seconds after a
 * network drops rather than when TCP gives up. Pure functions: the match supplies the clock.
 */

/** A socket that has not beaten for this long is gone: five heartbeats missed in a row. */
export const SILENT_MS = 5_000;

/** A match looks again no sooner than this after looking (it never spins on a socket about to turn silent). */
export const MIN_CHECK_MS = 1_000;

/** A player socket and when it was last heard (null: it never sent the heartbeat). */
export interface Heard<T> {
  readonly socket: T;
  readonly heardAt: number | null;
}

/**
 * The sockets that have gone silent at `now`. A socket that never sent the heartbeat is never
 * judged: a client that does not use it (a script, an older client) is only gone when it closes.
 */
export function silentSockets<T>(sockets: readonly Heard<T>[], now: number): T[] {
  return sockets.filter((entry) => entry.heardAt !== null && now - entry.heardAt >= SILENT_MS).map((e) => e.socket);
}

/**
 * When to look again: when the first socket still beating would turn silent if it stopped
 * now, and no sooner than MIN_CHECK_MS from `now`; null when no socket beats (nothing to watch).
 */
export function nextCheck(sockets: readonly Heard<unknown>[], now: number): number | null {
  let next: number | null = null;
  for (const { heardAt } of sockets) {
    if (heardAt === null || now - heardAt >= SILENT_MS) continue;
    const due = heardAt + SILENT_MS;
    if (next === null || due < next) next = due;
  }
  return next === null ? null : Math.max(next, now + MIN_CHECK_MS);
}
