/**
 * A Matchmaker's SQLite: the queue row, its tickets (the open ones, then the finished ones kept
 * for their owners' polls) and groups (a group is a match being made from some open tickets).
 * Every statement of the Matchmaker is here; the object decides, this writes.
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
  // 3: a ticket is one row. Open tickets (waiting, or in a match being made) and finished ones
  // (kept an hour for their owners' polls) live apart, with no index but their keys: the sweep
  // scans only the few open tickets, and a ticket written no longer rewrites index entries. A
  // group lives while its match is being made and goes when the match starts or is called off.
  `
  CREATE TABLE open_tickets (
    id TEXT PRIMARY KEY,
    player_id TEXT NOT NULL,
    name TEXT NOT NULL,
    rating TEXT NOT NULL,
    since INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    bot_after INTEGER,
    match_id TEXT,
    seat INTEGER,
    collected_at INTEGER
  ) WITHOUT ROWID;
  INSERT INTO open_tickets (id, player_id, name, rating, since, last_seen, bot_after, match_id, seat, collected_at)
    SELECT id, player_id, name, rating, since, last_seen, bot_after, match_id, seat, collected_at FROM tickets
    WHERE closed_at IS NULL;
  CREATE TABLE closed_tickets (
    id TEXT PRIMARY KEY,
    player_id TEXT NOT NULL,
    since INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('matched', 'cancelled', 'expired')),
    match_id TEXT,
    seat INTEGER,
    closed_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO closed_tickets (id, player_id, since, status, match_id, seat, closed_at)
    SELECT id, player_id, since, status, match_id, seat, closed_at FROM tickets WHERE closed_at IS NOT NULL;
  CREATE TABLE forming (
    match_id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    collect_by INTEGER NOT NULL,
    created INTEGER NOT NULL DEFAULT 0,
    bot TEXT
  ) WITHOUT ROWID;
  INSERT INTO forming (match_id, created_at, collect_by, created, bot)
    SELECT match_id, created_at, collect_by, created, bot FROM groups WHERE started = 0 AND cancelled = 0;
  DROP TABLE tickets;
  DROP TABLE groups;
  ALTER TABLE forming RENAME TO groups;
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
  CREATE TABLE open_tickets (
    id TEXT PRIMARY KEY,
    player_id TEXT NOT NULL,
    name TEXT NOT NULL,
    rating TEXT NOT NULL,
    since INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    bot_after INTEGER,
    match_id TEXT,
    seat INTEGER,
    collected_at INTEGER
  ) WITHOUT ROWID;
  CREATE TABLE closed_tickets (
    id TEXT PRIMARY KEY,
    player_id TEXT NOT NULL,
    since INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('matched', 'cancelled', 'expired')),
    match_id TEXT,
    seat INTEGER,
    closed_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE groups (
    match_id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    collect_by INTEGER NOT NULL,
    created INTEGER NOT NULL DEFAULT 0,
    bot TEXT
  ) WITHOUT ROWID;
  `,
};

/** An open ticket: waiting (no match_id), or seated in a match being made. */
export type OpenTicketRow = {
  id: string;
  player_id: string;
  name: string;
  rating: string;
  since: number;
  last_seen: number;
  bot_after: number | null;
  match_id: string | null;
  seat: number | null;
  collected_at: number | null;
};

/** A ticket as its owner sees it: open (waiting or matched to a match being made), or finished. */
export type TicketRow =
  | (OpenTicketRow & { readonly open: true; readonly status: "waiting" | "matched" })
  | {
      readonly open: false;
      id: string;
      player_id: string;
      since: number;
      status: Exclude<TicketStatus, "waiting">;
      match_id: string | null;
      seat: number | null;
    };

/** A match being made from some tickets; deleted once it starts or is called off. */
export type GroupRow = {
  match_id: string;
  created_at: number;
  /** Until the match exists: when to give up creating it; then: when its players must have collected it. */
  collect_by: number;
  /** 1 once the Match object holds the match. */
  created: number;
  /** The bot kind that fills the seats beside a lone ticket that waited too long; null: people only. */
  bot: BotKind | null;
};

export type QueueRow = { name: string; game_id: string; options: string };

/** Ratings are written by the Matchmaker only (from the Player's answer), so the stored JSON is trusted. */
export function parseRating(text: string): Rating {
  return JSON.parse(text) as Rating;
}

/** Closes open tickets matching `where` as `status` (an SQL expression): one row moves from open to closed. */
function closing(status: string, where: string): [insert: string, remove: string] {
  return [
    `INSERT INTO closed_tickets (id, player_id, since, status, match_id, seat, closed_at)
     SELECT id, player_id, since, ${status}, match_id, seat, ? FROM open_tickets WHERE ${where}`,
    `DELETE FROM open_tickets WHERE ${where} RETURNING id`,
  ];
}

const CANCEL = closing("'cancelled'", "id = ? AND match_id IS NULL");
const EXPIRE = closing("'expired'", "match_id IS NULL AND last_seen < ?");
const START = closing("'matched'", "match_id = ?");
/** A match called off: who had collected it may queue again (cancelled); a no-show's ticket expires. */
const CALL_OFF = closing("CASE WHEN collected_at IS NULL THEN 'expired' ELSE 'cancelled' END", "match_id = ?");

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

  /**
   * The player's open ticket here, if any. A scan of the open tickets (a few): the caller checks
   * and inserts with no await between, which is what keeps one open ticket per player.
   */
  openTicketOf(pid: string): string | null {
    return (
      this.#sql.exec<{ id: string }>("SELECT id FROM open_tickets WHERE player_id = ?", pid).toArray()[0]?.id ?? null
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
      "INSERT INTO open_tickets (id, player_id, name, rating, since, last_seen, bot_after) VALUES (?, ?, ?, ?, ?, ?, ?)",
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
    const open = this.#sql.exec<OpenTicketRow>("SELECT * FROM open_tickets WHERE id = ?", ticketId).toArray()[0];
    if (open) return { ...open, open: true, status: open.match_id === null ? "waiting" : "matched" };
    const closed = this.#sql
      .exec<Omit<Extract<TicketRow, { open: false }>, "open">>(
        "SELECT id, player_id, since, status, match_id, seat FROM closed_tickets WHERE id = ?",
        ticketId,
      )
      .toArray()[0];
    return closed ? { ...closed, open: false } : null;
  }

  waiting(): Pick<OpenTicketRow, "id" | "player_id" | "rating" | "since" | "bot_after">[] {
    return this.#sql
      .exec<Pick<OpenTicketRow, "id" | "player_id" | "rating" | "since" | "bot_after">>(
        "SELECT id, player_id, rating, since, bot_after FROM open_tickets WHERE match_id IS NULL",
      )
      .toArray();
  }

  /**
   * Its owner has just polled a waiting ticket. Written only when the stored time is at least
   * `staleMs` old (a long poll held open counts every second): the stored time may be up to that
   * much behind, which `expireIdle`'s caller allows for.
   */
  seen(ticketId: string, now: number, staleMs: number): void {
    this.#sql.exec(
      "UPDATE open_tickets SET last_seen = ? WHERE id = ? AND match_id IS NULL AND last_seen <= ?",
      now,
      ticketId,
      now - staleMs,
    );
  }

  collected(ticketId: string, now: number): void {
    this.#sql.exec("UPDATE open_tickets SET collected_at = ? WHERE id = ?", now, ticketId);
  }

  /** Cancels a waiting ticket. */
  cancel(ticketId: string, now: number): void {
    this.#close(CANCEL, now, ticketId);
  }

  /** Expires waiting tickets whose owner has not polled since `idleSince`; their ids. */
  expireIdle(now: number, idleSince: number): string[] {
    return this.#close(EXPIRE, now, idleSince);
  }

  /** Claims tickets for a new group (one transaction), seated in order. */
  claim(matchId: string, ticketIds: readonly string[], now: number, collectBy: number, bot: BotKind | null): void {
    this.#storage.transactionSync(() => {
      ticketIds.forEach((ticketId, seat) => {
        this.#sql.exec("UPDATE open_tickets SET match_id = ?, seat = ? WHERE id = ?", matchId, seat, ticketId);
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

  /** Every match being made (started and called-off ones are gone). */
  groups(): GroupRow[] {
    return this.#sql.exec<GroupRow>("SELECT * FROM groups").toArray();
  }

  created(matchId: string, collectBy: number): void {
    this.#sql.exec("UPDATE groups SET created = 1, collect_by = ? WHERE match_id = ?", collectBy, matchId);
  }

  /** The open tickets seated in a match being made, by seat. */
  members(matchId: string): OpenTicketRow[] {
    return this.#sql
      .exec<OpenTicketRow>("SELECT * FROM open_tickets WHERE match_id = ? ORDER BY seat", matchId)
      .toArray();
  }

  uncollected(matchId: string): number {
    return this.#sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM open_tickets WHERE match_id = ? AND collected_at IS NULL",
        matchId,
      )
      .one().n;
  }

  /** Puts a group's tickets back in the queue, keeping their place (`since`), and forgets the group. */
  release(matchId: string): void {
    this.#storage.transactionSync(() => {
      this.#sql.exec(
        "UPDATE open_tickets SET match_id = NULL, seat = NULL, collected_at = NULL WHERE match_id = ?",
        matchId,
      );
      this.#sql.exec("DELETE FROM groups WHERE match_id = ?", matchId);
    });
  }

  /** The match started: its tickets are finished (matched), its group is done; their ids. */
  markStarted(matchId: string, now: number): string[] {
    return this.#endGroup(START, matchId, now);
  }

  /** The match was called off: the no-shows' tickets expire, the others' are cancelled; their ids. */
  markCancelled(matchId: string, now: number): string[] {
    return this.#endGroup(CALL_OFF, matchId, now);
  }

  #endGroup(close: readonly [string, string], matchId: string, now: number): string[] {
    return this.#storage.transactionSync(() => {
      this.#sql.exec("DELETE FROM groups WHERE match_id = ?", matchId);
      return this.#close(close, now, matchId);
    });
  }

  /** Moves the open tickets `close` selects (with `arg`) to the closed ones, closed at `now`; their ids. */
  #close([insert, remove]: readonly [string, string], now: number, arg: string | number): string[] {
    return this.#storage.transactionSync(() => {
      this.#sql.exec(insert, now, arg);
      return this.#sql
        .exec<{ id: string }>(remove, arg)
        .toArray()
        .map((row) => row.id);
    });
  }

  /** Drops tickets closed before `before`. */
  prune(before: number): void {
    this.#sql.exec("DELETE FROM closed_tickets WHERE closed_at < ?", before);
  }

  /** True while anything waits or awaits collection. */
  busy(): boolean {
    return (
      this.#sql
        .exec<{ busy: number }>("SELECT EXISTS (SELECT 1 FROM open_tickets) OR EXISTS (SELECT 1 FROM groups) AS busy")
        .one().busy === 1
    );
  }

  /** When the oldest finished ticket was closed (null: none). */
  oldestClosed(): number | null {
    return this.#sql.exec<{ at: number | null }>("SELECT MIN(closed_at) AS at FROM closed_tickets").one().at;
  }
}
