/**
 * TournamentList: the public tournaments, upcoming, live and finished, for the Tournaments page.
 * Each Tournament tells it of itself (when created, started, finished, and now and then as
 * players join); listing never touches a tournament. One object ("all"); see docs/tournaments.md
 * for sharding it by month when it grows.
 */
import { DurableObject } from "cloudflare:workers";
import type { TournamentStatus, TournamentSummary } from "../../shared/tournament.ts";
import { applySchema, type Schema } from "../storage.ts";

const MIGRATIONS = [
  `
  CREATE TABLE tournaments (
    tournament_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    finished_at INTEGER,
    summary TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX tournaments_status ON tournaments (status, starts_at);
  CREATE INDEX tournaments_finished ON tournaments (status, finished_at);
  `,
];

/** The TournamentList's schema: its one migration is the current schema. */
export const TOURNAMENT_LIST_SCHEMA: Schema = { migrations: MIGRATIONS, current: MIGRATIONS.join("\n") };

/** Where a page starts: the offset into the list of that status. */
export class TournamentList extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.transactionSync(() => applySchema(ctx.storage.sql, TOURNAMENT_LIST_SCHEMA));
  }

  /** Adds or refreshes a tournament (a later status never goes back: notices may arrive out of order). */
  async upsert(summary: TournamentSummary): Promise<void> {
    this.ctx.storage.sql.exec(
      `INSERT INTO tournaments (tournament_id, status, starts_at, finished_at, summary, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tournament_id) DO UPDATE SET status = excluded.status, starts_at = excluded.starts_at,
         finished_at = excluded.finished_at, summary = excluded.summary, updated_at = excluded.updated_at
       WHERE tournaments.status != 'finished' AND NOT (tournaments.status = 'live' AND excluded.status = 'upcoming')`,
      summary.tournamentId,
      summary.status,
      summary.startsAt,
      summary.finishedAt,
      JSON.stringify(summary),
      Date.now(),
    );
  }

  /** Upcoming soonest first; live and finished newest first. */
  async page(
    status: TournamentStatus,
    offset: number,
    limit: number,
  ): Promise<{ tournaments: TournamentSummary[]; next: number | null }> {
    const order =
      status === "upcoming"
        ? "starts_at ASC, tournament_id"
        : status === "live"
          ? "starts_at DESC, tournament_id"
          : "finished_at DESC, tournament_id";
    const rows = this.ctx.storage.sql
      .exec<{ summary: string }>(
        `SELECT summary FROM tournaments WHERE status = ? ORDER BY ${order} LIMIT ? OFFSET ?`,
        status,
        limit + 1,
        offset,
      )
      .toArray();
    // Summaries are written by Tournament objects through `upsert` only: trusted JSON.
    const tournaments = rows.slice(0, limit).map((row) => JSON.parse(row.summary) as TournamentSummary);
    return { tournaments, next: rows.length > limit ? offset + limit : null };
  }
}
