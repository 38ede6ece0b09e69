/**
 * Directory: the live public matches of one game, for the lobby. Matches tell it when they
 * start, now and then while they run, and when they end; listing never touches a match.
 * One object per game (see docs/scaling.md for sharding further).
 */
import { DurableObject } from "cloudflare:workers";
import type { LiveMatch } from "./contracts.ts";
import { applySchema, type Schema } from "./storage.ts";

const MIGRATIONS = [
  `
  CREATE TABLE live (
    match_id TEXT PRIMARY KEY,
    game_id TEXT NOT NULL,
    players TEXT NOT NULL,
    moves INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    rated INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX live_newest ON live (started_at DESC, match_id DESC);
  `,
  // 2: WITHOUT ROWID: an entry is its row and its place in live_newest, no second copy of the key.
  `
  CREATE TABLE listed (
    match_id TEXT PRIMARY KEY,
    game_id TEXT NOT NULL,
    players TEXT NOT NULL,
    moves INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    rated INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO listed (match_id, game_id, players, moves, started_at, rated, updated_at)
    SELECT match_id, game_id, players, moves, started_at, rated, updated_at FROM live;
  DROP TABLE live;
  ALTER TABLE listed RENAME TO live;
  CREATE INDEX live_newest ON live (started_at DESC, match_id DESC);
  `,
];

/** The Directory's schema: what the migrations above lead to, in one script. */
export const DIRECTORY_SCHEMA: Schema = {
  migrations: MIGRATIONS,
  current: `
  CREATE TABLE live (
    match_id TEXT PRIMARY KEY,
    game_id TEXT NOT NULL,
    players TEXT NOT NULL,
    moves INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    rated INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX live_newest ON live (started_at DESC, match_id DESC);
  `,
};

/** Entries not refreshed for this long are dropped: a match that ended but whose notice was lost. */
export const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

type Row = { match_id: string; game_id: string; players: string; moves: number; started_at: number; rated: number };

/** Where a page of the directory starts: strictly before this (startedAt, matchId). */
export interface DirectoryCursor {
  readonly startedAt: number;
  readonly matchId: string;
}

export class Directory extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.transactionSync(() => applySchema(ctx.storage.sql, DIRECTORY_SCHEMA));
  }

  /** Adds or refreshes a live match. */
  async upsert(entry: LiveMatch): Promise<void> {
    this.ctx.storage.sql.exec(
      `INSERT INTO live (match_id, game_id, players, moves, started_at, rated, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (match_id) DO UPDATE SET players = excluded.players, moves = excluded.moves, updated_at = excluded.updated_at`,
      entry.matchId,
      entry.gameId,
      JSON.stringify(entry.players),
      entry.moves,
      entry.startedAt,
      entry.rated ? 1 : 0,
      Date.now(),
    );
  }

  /** Removes a match that ended (or went private); a no-op for one not listed. */
  async remove(matchId: string): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM live WHERE match_id = ?", matchId);
  }

  /** Newest first, strictly after `cursor`. */
  async page(cursor: DirectoryCursor | null, limit: number): Promise<LiveMatch[]> {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM live WHERE updated_at < ?", Date.now() - STALE_AFTER_MS);
    const rows = cursor
      ? sql.exec<Row>(
          "SELECT * FROM live WHERE (started_at, match_id) < (?, ?) ORDER BY started_at DESC, match_id DESC LIMIT ?",
          cursor.startedAt,
          cursor.matchId,
          limit,
        )
      : sql.exec<Row>("SELECT * FROM live ORDER BY started_at DESC, match_id DESC LIMIT ?", limit);
    return rows.toArray().map((row) => ({
      matchId: row.match_id,
      gameId: row.game_id,
      players: JSON.parse(row.players) as LiveMatch["players"],
      moves: row.moves,
      startedAt: row.started_at,
      rated: row.rated === 1,
    }));
  }
}
