/**
 * Leaderboard: every rated player of one game, best first. One object per game, named by the
 * game id. Players push their standing here after each rated match (from their outbox, at least
 * once); reading a page never touches a Player.
 */
import { DurableObject } from "cloudflare:workers";
import type { LeaderboardEntry } from "./contracts.ts";
import { applySchema, type Schema } from "./storage.ts";
import type { LeaderboardPage, RankedEntry } from "../shared/protocol.ts";

export type { LeaderboardPage, RankedEntry } from "../shared/protocol.ts";

const MIGRATIONS: readonly string[] = [
  // 1: the first schema.
  `
  CREATE TABLE entries (
    pid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    rating REAL NOT NULL,
    rd REAL NOT NULL,
    games INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX entries_best ON entries (rating DESC, pid);
  `,
  // 2: WITHOUT ROWID: an entry is its row and its place in entries_best, no second copy of the key.
  `
  CREATE TABLE board (
    pid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    rating REAL NOT NULL,
    rd REAL NOT NULL,
    games INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO board (pid, name, rating, rd, games, updated_at) SELECT pid, name, rating, rd, games, updated_at FROM entries;
  DROP TABLE entries;
  ALTER TABLE board RENAME TO entries;
  CREATE INDEX entries_best ON entries (rating DESC, pid);
  `,
];

/** The Leaderboard's schema: what the migrations above lead to, in one script. */
export const LEADERBOARD_SCHEMA: Schema = {
  migrations: MIGRATIONS,
  current: `
  CREATE TABLE entries (
    pid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    rating REAL NOT NULL,
    rd REAL NOT NULL,
    games INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX entries_best ON entries (rating DESC, pid);
  `,
};

/** The most entries one page may hold. */
export const MAX_PAGE = 100;

type EntryRow = { pid: string; name: string; rating: number; rd: number; games: number };

export class Leaderboard extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.transactionSync(() => applySchema(ctx.storage.sql, LEADERBOARD_SCHEMA));
  }

  /**
   * Adds or updates a player's standing. `games` only grows, so it orders updates: a late,
   * repeated or reordered delivery of an older standing changes nothing.
   */
  async upsert(entry: LeaderboardEntry): Promise<void> {
    this.ctx.storage.sql.exec(
      `INSERT INTO entries (pid, name, rating, rd, games, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (pid) DO UPDATE SET name = excluded.name, rating = excluded.rating, rd = excluded.rd,
         games = excluded.games, updated_at = excluded.updated_at
       WHERE excluded.games >= entries.games`,
      entry.pid,
      entry.name,
      entry.rating,
      entry.rd,
      entry.games,
      Date.now(),
    );
  }

  /**
   * A page of the board, best first. Offsets are fine at the sizes one object holds (SQLite
   * walks the index up to the offset); a page may shift if ratings change between requests.
   */
  async page(offset: number, limit: number): Promise<LeaderboardPage> {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`bad leaderboard offset ${offset}`);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE)
      throw new RangeError(`bad leaderboard limit ${limit}`);
    // One row past the page tells whether another page follows.
    const rows = this.ctx.storage.sql
      .exec<EntryRow>(
        "SELECT pid, name, rating, rd, games FROM entries ORDER BY rating DESC, pid LIMIT ? OFFSET ?",
        limit + 1,
        offset,
      )
      .toArray();
    const entries = rows.slice(0, limit).map(
      (row, index): RankedEntry => ({
        rank: offset + index + 1,
        playerId: row.pid,
        name: row.name,
        rating: row.rating,
        rd: row.rd,
        games: row.games,
      }),
    );
    const gameId = this.ctx.id.name;
    if (gameId === undefined) throw new Error("a leaderboard is addressed by game id (getByName)");
    return { gameId, entries, next: rows.length > limit ? offset + limit : null };
  }
}
