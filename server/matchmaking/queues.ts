/**
 * Quick-match queues by name: one queue per game and set of options, and ticket ids that name
 * their queue, so the Worker routes a poll or cancel without a lookup. Pure; the routes and the
 * Matchmaker both use it.
 */

/** The clocks of a queue. */
export const MATCHMAKING_TIMES = {
  /** The sweep runs this often while anything waits or awaits collection. */
  sweepMs: 1_000,
  /**
   * A waiting ticket whose owner has not polled for this long expires (within `seenEveryMs`
   * more: a poll writes its time only when the stored one is that old).
   */
  idleMs: 60_000,
  /** A poll, or a long poll held open, refreshes its ticket's stored last poll at most this often. */
  seenEveryMs: 10_000,
  /** Every player of a new match must collect their ticket within this, or the match is cancelled. */
  collectMs: 15_000,
  /** Finished tickets are kept this long (their owners may still poll them), then deleted... */
  keepMs: 60 * 60 * 1000,
  /** ...by a sweep at most this often (a deletion scans the finished tickets). */
  pruneEveryMs: 60_000,
  /** The longest a poll may wait. */
  maxWaitMs: 30_000,
} as const;

/**
 * Ticket ids name their queue, so a poll or cancel is routed without a lookup:
 * `<game>.<8 hex of the options hash>.<16 random>`.
 */
const TICKET_ID = /^([a-z0-9-]{1,40}\.[0-9a-f]{8})\.[A-Za-z0-9_-]{16}$/;

/** The queue a ticket id belongs to, or null when it is not a ticket id. */
export function queueOfTicket(ticketId: string): string | null {
  return TICKET_ID.exec(ticketId)?.[1] ?? null;
}

/** JSON text with object keys sorted at every depth: equal options give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The name of the queue for a game and its options: `<game>.<first 8 hex of SHA-256 of the canonical options>`. */
export async function queueName(gameId: string, optionsJson: string): Promise<string> {
  const text = canonicalJson(JSON.parse(optionsJson));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const hex = Array.from(digest.subarray(0, 4), (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${gameId}.${hex}`;
}
