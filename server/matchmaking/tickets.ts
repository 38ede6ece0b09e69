/**
 * A Matchmaker's SQLite: the queue row, tickets and groups (a group is a match being made from
 * some tickets). Every statement of the Matchmaker is here; the object decides, this writes.
 */
import type { BotKind } from "../../shared/bots/kinds.ts";
import type { TicketStatus } from "../../shared/protocol.ts";
import type { Rating } from "../ratings.ts";
import { applySchema, type Schema } from "../storage.ts";

const MIGRATIONS = [
  `
  CREATE TABLE queue (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    game_id TEXT NOT NULL,
    options TEXT NOT NULL
  );
  CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    player_id TEXT NOT NULL,
    name TEXT NOT NULL,
    rating TEXT NOT NULL,
    since INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'matched', 'cancelled', 'expired')),
    match_id TEXT,
    seat INTEGER,
    collected_at INTEGER,
    started INTEGER NOT NULL DEFAULT 0,
    closed_at INTEGER
  );
  CREATE UNIQUE INDEX tickets_one_open ON tickets (player_id)
    WHERE status = 'waiting' OR (status = 'matched' AND started = 0);
  CREATE INDEX tickets_status ON tickets (status, since);
  CREATE INDEX tickets_match ON tickets (match_id) WHERE match_id IS NOT NULL;
  CREATE INDEX tickets_closed ON tickets (closed_at) WHERE closed_at IS NOT NULL;
  CREATE TABLE groups (
    match_id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    collect_by INTEGER NOT NULL,
    created INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    started INTEGER NOT NULL DEFAULT 0,
    cancelled INTEGER NOT NULL DEFAULT 0
  );
  `,
  // 2: a ticket may ask for a bot when nobody comes; a group may hold bots (never rated).
  `
  ALTER TABLE tickets ADD COLUMN bot_after INTEGER;
  ALTER TABLE groups ADD COLUMN bot TEXT;
  `,
];

/** The Matchmaker's schema: what the migrations above lead to, in one script. */
export const MATCHMAKER_SCHEMA: Schema = {
  migrations: MIGRATIONS,
  current: `
  CREATE TABLE queue (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    game_id TEXT NOT NULL,
    options TEXT NOT NULL
  );
  CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    player_id TEXT NOT NULL,
    name TEXT NOT NULL,
    rating TEXT NOT NULL,
    since INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'matched', 'cancelled', 'expired')),
    match_id TEXT,
    seat INTEGER,
    collected_at INTEGER,
    started INTEGER NOT NULL DEFAULT 0,
    closed_at INTEGER,
    bot_after INTEGER
  );
  CREATE UNIQUE INDEX tickets_one_open ON tickets (player_id)
    WHERE status = 'waiting' OR (status = 'matched' AND started = 0);
  CREATE INDEX tickets_status ON tickets (status, since);
  CREATE INDEX tickets_match ON tickets (match_id) WHERE match_id IS NOT NULL;
  CREATE INDEX tickets_closed ON tickets (closed_at) WHERE closed_at IS NOT NULL;
  CREATE TABLE groups (
    match_id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    collect_by INTEGER NOT NULL,
    created INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    started INTEGER NOT NULL DEFAULT 0,
    cancelled INTEGER NOT NULL DEFAULT 0,
    bot TEXT
  );
  `,
};

export type TicketRow = {
  id: string;
  player_id: string;
  name: string;
  rating: string;
  since: number;
  last_seen: number;
  status: TicketStatus;
  match_id: string | null;
  seat: number | null;
  collected_at: number | null;
  started: number;
  closed_at: number | null;
  bot_after: number | null;
};

export type GroupRow = {
  match_id: string;
  created_at: number;
  collect_by: number;
  created: number;
  attempts: number;
  started: number;
  cancelled: number;
  /** The bot kind that fills the seats beside a lone ticket that waited too long; null: people only. */
  bot: BotKind | null;
};

export type QueueRow = { name: string; game_id: string; options: string };

/** A ticket counts as open (one per player) while waiting, or matched to a match not yet started. */
const OPEN = "(status = 'waiting' OR (status = 'matched' AND started = 0))";

/** Ratings are written by the Matchmaker only (from the Player's answer), so the stored JSON is trusted. */
export function parseRating(text: string): Rating {
  return JSON.parse(text) as Rating;
}

export class TicketStore {
  readonly #storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    storage.transactionSync(() => applySchema(storage.sql, MATCHMAKER_SCHEMA));
  }

  get #sql(): SqlStorage {
    return this.#storage.sql;
  }

  queue(): QueueRow | null {
    return this.#sql.exec<QueueRow>("SELECT name, game_id, options FROM queue").toArray()[0] ?? null;
  }

  createQueue(name: string, gameId: string, optionsJson: string): void {
    this.#sql.exec("INSERT INTO queue (id, name, game_id, options) VALUES (1, ?, ?, ?)", name, gameId, optionsJson);
  }

  /** The player's open ticket here, if any. */
  openTicketOf(pid: string): string | null {
    return (
      this.#sql.exec<{ id: string }>(`SELECT id FROM tickets WHERE player_id = ? AND ${OPEN}`, pid).toArray()[0]?.id ??
      null
    );
  }

  addTicket(ticket: {
    id: string;
    pid: string;
    name: string;
    rating: Rating;
    now: number;
    botAfterMs: number | null;
  }): void {
    const { rating, rd, vol } = ticket.rating;
    this.#sql.exec(
      "INSERT INTO tickets (id, player_id, name, rating, since, last_seen, status, bot_after) VALUES (?, ?, ?, ?, ?, ?, 'waiting', ?)",
      ticket.id,
      ticket.pid,
      ticket.name,
      JSON.stringify({ rating, rd, vol } satisfies Rating),
      ticket.now,
      ticket.now,
      ticket.botAfterMs,
    );
  }

  ticket(ticketId: string): TicketRow | null {
    return this.#sql.exec<TicketRow>("SELECT * FROM tickets WHERE id = ?", ticketId).toArray()[0] ?? null;
  }

  waiting(): Pick<TicketRow, "id" | "player_id" | "rating" | "since" | "bot_after">[] {
    return this.#sql
      .exec<Pick<TicketRow, "id" | "player_id" | "rating" | "since" | "bot_after">>(
        "SELECT id, player_id, rating, since, bot_after FROM tickets WHERE status = 'waiting'",
      )
      .toArray();
  }

  seen(ticketId: string, now: number): void {
    this.#sql.exec("UPDATE tickets SET last_seen = ? WHERE id = ?", now, ticketId);
  }

  collected(ticketId: string, now: number): void {
    this.#sql.exec("UPDATE tickets SET collected_at = ? WHERE id = ?", now, ticketId);
  }

  cancel(ticketId: string, now: number): void {
    this.#sql.exec("UPDATE tickets SET status = 'cancelled', closed_at = ? WHERE id = ?", now, ticketId);
  }

  /** Expires waiting tickets whose owner has not polled since `idleSince`; their ids. */
  expireIdle(now: number, idleSince: number): string[] {
    return this.#sql
      .exec<{ id: string }>(
        "UPDATE tickets SET status = 'expired', closed_at = ? WHERE status = 'waiting' AND last_seen < ? RETURNING id",
        now,
        idleSince,
      )
      .toArray()
      .map((row) => row.id);
  }

  /** Claims tickets for a new group (one transaction), seated in order. */
  claim(matchId: string, ticketIds: readonly string[], now: number, collectBy: number, bot: BotKind | null): void {
    this.#storage.transactionSync(() => {
      ticketIds.forEach((ticketId, seat) => {
        this.#sql.exec(
          "UPDATE tickets SET status = 'matched', match_id = ?, seat = ? WHERE id = ?",
          matchId,
          seat,
          ticketId,
        );
      });
      this.#sql.exec(
        "INSERT INTO groups (match_id, created_at, collect_by, bot) VALUES (?, ?, ?, ?)",
        matchId,
        now,
        collectBy,
        bot,
      );
    });
  }

  group(matchId: string): GroupRow | null {
    return this.#sql.exec<GroupRow>("SELECT * FROM groups WHERE match_id = ?", matchId).toArray()[0] ?? null;
  }

  /** Groups whose match has neither started nor been called off. */
  openGroups(): GroupRow[] {
    return this.#sql.exec<GroupRow>("SELECT * FROM groups WHERE started = 0 AND cancelled = 0").toArray();
  }

  attempted(matchId: string): void {
    this.#sql.exec("UPDATE groups SET attempts = attempts + 1 WHERE match_id = ?", matchId);
  }

  created(matchId: string, collectBy: number): void {
    this.#sql.exec("UPDATE groups SET created = 1, collect_by = ? WHERE match_id = ?", collectBy, matchId);
  }

  members(matchId: string): TicketRow[] {
    return this.#sql.exec<TicketRow>("SELECT * FROM tickets WHERE match_id = ? ORDER BY seat", matchId).toArray();
  }

  uncollected(matchId: string): number {
    return this.#sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM tickets WHERE match_id = ? AND status = 'matched' AND collected_at IS NULL",
        matchId,
      )
      .one().n;
  }

  /** Puts a group's tickets back in the queue, keeping their place (`since`), and forgets the group. */
  release(matchId: string): void {
    this.#storage.transactionSync(() => {
      this.#sql.exec(
        "UPDATE tickets SET status = 'waiting', match_id = NULL, seat = NULL WHERE match_id = ? AND status = 'matched'",
        matchId,
      );
      this.#sql.exec("DELETE FROM groups WHERE match_id = ?", matchId);
    });
  }

  markStarted(matchId: string, now: number): void {
    this.#storage.transactionSync(() => {
      this.#sql.exec("UPDATE groups SET started = 1 WHERE match_id = ? AND cancelled = 0", matchId);
      this.#sql.exec(
        "UPDATE tickets SET started = 1, closed_at = ? WHERE match_id = ? AND status = 'matched' AND started = 0",
        now,
        matchId,
      );
    });
  }

  /** The no-shows' tickets expire, the others' are cancelled (they must queue again). */
  markCancelled(matchId: string, now: number): void {
    this.#storage.transactionSync(() => {
      this.#sql.exec("UPDATE groups SET cancelled = 1 WHERE match_id = ? AND started = 0", matchId);
      this.#sql.exec(
        `UPDATE tickets SET status = CASE WHEN collected_at IS NULL THEN 'expired' ELSE 'cancelled' END, closed_at = ?
         WHERE match_id = ? AND status = 'matched' AND started = 0`,
        now,
        matchId,
      );
    });
  }

  /** Drops tickets closed before `before`, and finished groups none of whose tickets remain. */
  prune(before: number): void {
    this.#sql.exec("DELETE FROM tickets WHERE closed_at < ?", before);
    this.#sql.exec(
      `DELETE FROM groups WHERE (started = 1 OR cancelled = 1)
         AND NOT EXISTS (SELECT 1 FROM tickets WHERE tickets.match_id = groups.match_id)`,
    );
  }

  /** True while anything waits or awaits collection. */
  busy(): boolean {
    return (
      this.#sql
        .exec<{ busy: number }>(
          `SELECT EXISTS (SELECT 1 FROM tickets WHERE status = 'waiting')
               OR EXISTS (SELECT 1 FROM groups WHERE started = 0 AND cancelled = 0) AS busy`,
        )
        .one().busy === 1
    );
  }

  /** When the oldest finished ticket was closed (null: none). */
  oldestClosed(): number | null {
    return this.#sql.exec<{ at: number | null }>("SELECT MIN(closed_at) AS at FROM tickets").one().at;
  }
}
