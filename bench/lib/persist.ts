/**
 * The durability check: every move the driver saw broadcast must be in the match's log, read
 * back over GET /api/matches/:id/events (for Ply that is a SELECT on the match's SQLite).
 */
import { call } from "./client.ts";
import { pool } from "./stats.ts";

export interface PersistReport {
  /** Matches read back. */
  matches: number;
  /** Moves the driver counted (seen in the broadcast by their mover), drain included. */
  counted: number;
  /** Move events found in the logs of those matches. */
  persisted: number;
  /** Counted moves not in the log: must be 0. */
  missing: number;
  /** Logged moves the driver never saw confirmed (sent just before the end, or lost): at most `unconfirmed`. */
  extra: number;
  /** Moves sent whose broadcast never came back before the drain ended. */
  unconfirmed: number;
  /** Matches whose log could not be read. */
  unreadable: number;
  ok: boolean;
  /** A few examples of what went wrong, when something did. */
  examples: string[];
}

interface LoggedMove {
  kind: string;
  seq: number;
  seat?: number;
  id?: string;
}

/** `counted`: match id → the `${seat}:${moveId}` of each confirmed move. */
export async function checkPersisted(
  origin: string,
  counted: ReadonlyMap<string, ReadonlySet<string>>,
  unconfirmed: number,
): Promise<PersistReport> {
  const report: PersistReport = {
    matches: counted.size,
    counted: 0,
    persisted: 0,
    missing: 0,
    extra: 0,
    unconfirmed,
    unreadable: 0,
    ok: false,
    examples: [],
  };
  for (const moves of counted.values()) report.counted += moves.size;
  await pool([...counted.entries()], 16, async ([matchId, moves]) => {
    const logged = new Set<string>();
    try {
      for (let after = 0, pages = 0; pages < 100; pages++) {
        const page = await call<{ events: LoggedMove[]; next: number | null }>(
          origin,
          `/api/matches/${matchId}/events?after=${after}&limit=500`,
        );
        for (const event of page.events) if (event.kind === "move") logged.add(`${event.seat}:${event.id}`);
        if (page.next === null) break;
        after = page.next;
      }
    } catch (error) {
      report.unreadable++;
      if (report.examples.length < 5) report.examples.push(`${matchId}: ${String(error)}`);
      return;
    }
    report.persisted += logged.size;
    for (const move of moves) {
      if (!logged.has(move)) {
        report.missing++;
        if (report.examples.length < 5)
          report.examples.push(`${matchId}: move ${move} was broadcast but is not in the log`);
      }
    }
    for (const move of logged) if (!moves.has(move)) report.extra++;
  });
  report.ok = report.missing === 0 && report.unreadable === 0 && report.extra <= report.unconfirmed;
  return report;
}
