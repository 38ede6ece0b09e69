/**
 * Player: one anonymous player per Durable Object, addressed by player id. It holds the
 * profile, one Glicko-2 rating per game and the player's match history. Matches report each
 * finished match here (at least once, alone or in a batch); rating changes reach the game's Leaderboard through an
 * outbox drained by the alarm, so a leaderboard that is down delays the board, never a rating.
 */
import { DurableObject } from "cloudflare:workers";
import type { LeaderboardEntry, MatchReport, PlayerRef } from "./contracts.ts";
import { INITIAL_RATING, rated, type Rating } from "./ratings.ts";
import { counterMovedOn, type Challenge, type NewPasskey, type StoredPasskey } from "./passkeys.ts";
import { PLAYER_SCHEMA } from "./player-schema.ts";
import { applySchema, isBlank } from "./storage.ts";
import { MAX_PASSKEYS, type PasskeySummary } from "../shared/passkeys.ts";
import type { GameRating, MatchRecord, PlayerProfile } from "../shared/protocol.ts";
import { fail, ok, type Result } from "../shared/result.ts";

export type { GameRating, MatchRecord, PlayerProfile } from "../shared/protocol.ts";

/** Match records a profile lists, newest first. */
export const RECENT_MATCHES = 20;

/** Retry delays for leaderboard updates: doubling from this... */
export const RETRY_BASE_MS = 1_000;
/** ...up to this, for as long as the leaderboard keeps failing. */
export const RETRY_MAX_MS = 60 * 60 * 1000;

type ProfileRow = { pid: string; name: string; created_at: number };
type RatingRow = { game_id: string; rating: number; rd: number; vol: number; games: number };
type MatchRow = {
  match_id: string;
  game_id: string;
  finished_at: number;
  seat: number;
  outcome: MatchReport["outcome"];
  reason: string;
  rated: number;
  opponents: string;
  rating_before: string | null;
  rating_after: string | null;
};
type PasskeyRow = {
  credential_id: string;
  public_key: ArrayBuffer;
  counter: number;
  transports: string;
  backed_up: number;
  created_at: number;
  last_used_at: number | null;
};
/** A passkey as its owner lists it, with the transports registration options name. */
export type PasskeyRecord = PasskeySummary & { readonly transports: readonly string[] };

function passkeyRecord(row: PasskeyRow): PasskeyRecord {
  return {
    id: row.credential_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    backedUp: row.backed_up === 1,
    transports: JSON.parse(row.transports) as string[],
  };
}

type PendingRow = {
  game_id: string;
  seq: number;
  attempts: number;
  pid: string;
  name: string;
  rating: number;
  rd: number;
  games: number;
};

/** The delay before retry number `attempts` (1, 2, ...): exponential, capped, with jitter so many players don't retry in step. */
export function retryDelay(attempts: number, random = Math.random()): number {
  const full = Math.min(RETRY_BASE_MS * 2 ** Math.min(attempts - 1, 30), RETRY_MAX_MS);
  return Math.round(full / 2 + (full / 2) * random);
}

export class Player extends DurableObject<Env> {
  /** True once this instance has applied the migrations. */
  #migrated = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // An unknown id stays blank: asking about it must not create storage.
    if (!isBlank(ctx.storage.sql)) this.#migrate();
  }

  /** Applies the schema (once per instance); the first write to a blank object calls it. */
  #migrate(): void {
    if (this.#migrated) return;
    this.ctx.storage.transactionSync(() => applySchema(this.ctx.storage.sql, PLAYER_SCHEMA));
    this.#migrated = true;
  }

  #profile(): ProfileRow | null {
    if (!this.#migrated) return null;
    return this.ctx.storage.sql.exec<ProfileRow>("SELECT pid, name, created_at FROM profile").toArray()[0] ?? null;
  }

  #current(gameId: string): GameRating | null {
    if (!this.#migrated) return null;
    return this.ctx.storage.sql.exec<RatingRow>("SELECT * FROM ratings WHERE game_id = ?", gameId).toArray()[0] ?? null;
  }

  /** Creates the player; a repeat keeps the first name (the token carries it too). */
  async create(ref: PlayerRef): Promise<void> {
    const name = this.ctx.id.name;
    if (name !== undefined && name !== ref.pid) throw new Error(`player ${name} was asked to be created as ${ref.pid}`);
    this.#migrate();
    this.ctx.storage.sql.exec(
      "INSERT INTO profile (id, pid, name, created_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
      ref.pid,
      ref.name,
      Date.now(),
    );
    // Reports that arrived before the profile (they shouldn't) can reach the leaderboard now.
    await this.#arm();
  }

  /** The public profile; not-found for a player never created. */
  async profile(): Promise<Result<PlayerProfile, "not-found">> {
    const profile = this.#profile();
    if (!profile) return fail("not-found", "no such player");
    const sql = this.ctx.storage.sql;
    const ratings = Object.fromEntries(
      sql
        .exec<RatingRow>("SELECT * FROM ratings ORDER BY game_id")
        .toArray()
        .map((row): [string, GameRating] => [
          row.game_id,
          { rating: row.rating, rd: row.rd, vol: row.vol, games: row.games },
        ]),
    );
    const recent = sql
      .exec<MatchRow>("SELECT * FROM matches ORDER BY finished_at DESC, match_id DESC LIMIT ?", RECENT_MATCHES)
      .toArray()
      .map(
        (row): MatchRecord => ({
          matchId: row.match_id,
          gameId: row.game_id,
          finishedAt: row.finished_at,
          seat: row.seat,
          outcome: row.outcome,
          reason: row.reason,
          rated: row.rated === 1,
          // Stored as the report gave them (ratings and scores too); shown as who sat where.
          opponents: (JSON.parse(row.opponents) as MatchReport["opponents"]).map(({ pid, name, seat }) => ({
            playerId: pid,
            name,
            seat,
          })),
          ratingBefore: row.rating_before === null ? null : (JSON.parse(row.rating_before) as Rating),
          ratingAfter: row.rating_after === null ? null : (JSON.parse(row.rating_after) as Rating),
        }),
      );
    return ok({ playerId: profile.pid, name: profile.name, createdAt: profile.created_at, ratings, recent });
  }

  /** The player's rating in a game; everyone starts at INITIAL_RATING. */
  async rating(gameId: string): Promise<Rating> {
    return this.#stored(gameId);
  }

  /** Records one finished match: `recordMatches` with a batch of one. */
  async recordMatch(report: MatchReport): Promise<void> {
    await this.recordMatches([report]);
  }

  /**
   * Records finished matches in one transaction, in the given order, each once per matchId
   * (Matches deliver at least once; a report already recorded, or repeated in the batch, is
   * skipped). A rated match that was played out moves the rating, each from the rating the one
   * before it left, and queues the game's new standing for the leaderboard. Each game's rating row
   * (which holds its outbox entry) is written once per batch, however many of its matches it holds.
   */
  async recordMatches(reports: readonly MatchReport[]): Promise<void> {
    if (reports.length === 0) return;
    const sql = this.ctx.storage.sql;
    this.#migrate();
    const queued = this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      // The ratings this batch moved, by game: the next report of a game starts from here.
      const moved = new Map<string, { rating: Rating; games: number }>();
      const recorded = new Set<string>();
      for (const report of reports) {
        if (recorded.has(report.matchId)) continue;
        if (sql.exec("SELECT 1 FROM matches WHERE match_id = ?", report.matchId).toArray().length > 0) continue;
        recorded.add(report.matchId);
        const counts = report.rated && report.outcome !== "aborted";
        const before = moved.get(report.gameId)?.rating ?? this.#stored(report.gameId);
        const after = counts
          ? rated(
              before,
              report.opponents.map((o) => ({ opponent: o.rating, score: o.score })),
            )
          : null;
        sql.exec(
          `INSERT INTO matches (match_id, game_id, finished_at, seat, outcome, reason, rated, opponents, rating_before, rating_after, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          report.matchId,
          report.gameId,
          report.finishedAt,
          report.seat,
          report.outcome,
          report.reason,
          report.rated ? 1 : 0,
          JSON.stringify(report.opponents),
          after ? JSON.stringify(before) : null,
          after ? JSON.stringify(after) : null,
          now,
        );
        if (after) moved.set(report.gameId, { rating: after, games: (moved.get(report.gameId)?.games ?? 0) + 1 });
      }
      // One row per game holds the rating and its outbox entry: the alarm sends the standing as
      // it is when it runs, so several matches in a row become one update, and `seq` tells the
      // alarm whether the standing changed while its send was in flight.
      for (const [gameId, { rating, games }] of moved) {
        sql.exec(
          `INSERT INTO ratings (game_id, rating, rd, vol, games, updated_at, seq, attempts, due_at)
           VALUES (?, ?, ?, ?, ?, ?, 1, 0, ?)
           ON CONFLICT (game_id) DO UPDATE SET rating = excluded.rating, rd = excluded.rd, vol = excluded.vol,
             games = ratings.games + excluded.games, updated_at = excluded.updated_at,
             seq = ratings.seq + 1, due_at = excluded.due_at`,
          gameId,
          rating.rating,
          rating.rd,
          rating.vol,
          games,
          now,
          now,
        );
      }
      return moved.size > 0;
    });
    // No await since the transaction: the alarm is written in the same atomic batch as the rows.
    if (queued) await this.#arm();
  }

  /** The stored rating in a game, INITIAL_RATING before the first rated match. */
  #stored(gameId: string): Rating {
    const current = this.#current(gameId);
    return current ? { rating: current.rating, rd: current.rd, vol: current.vol } : INITIAL_RATING;
  }

  // ---- Passkeys (server/passkeys.ts verifies; these methods keep the rows).

  /** The player and their passkeys, or null for a player never created. */
  async passkeyAccount(): Promise<{ pid: string; name: string; passkeys: PasskeyRecord[] } | null> {
    const profile = this.#profile();
    if (!profile) return null;
    const passkeys = this.ctx.storage.sql
      .exec<PasskeyRow>("SELECT * FROM passkeys ORDER BY created_at, credential_id")
      .toArray()
      .map(passkeyRecord);
    return { pid: profile.pid, name: profile.name, passkeys };
  }

  /** The key of one of this player's passkeys, or null when it has none by that id. */
  async passkeyKey(credentialId: string): Promise<StoredPasskey | null> {
    if (!this.#migrated) return null;
    const row = this.ctx.storage.sql
      .exec<PasskeyRow>("SELECT * FROM passkeys WHERE credential_id = ?", credentialId)
      .toArray()[0];
    if (!row) return null;
    return {
      id: row.credential_id,
      publicKey: new Uint8Array(row.public_key),
      counter: row.counter,
      transports: JSON.parse(row.transports) as string[],
    };
  }

  /**
   * Stores a verified passkey, answering its registration challenge. The challenge is used up
   * whatever the outcome: a refused answer can't be sent again either.
   */
  async addPasskey(
    passkey: NewPasskey,
    challenge: Challenge,
    now: number,
  ): Promise<Result<PasskeySummary, "not-found" | "challenge-used" | "passkey-exists" | "too-many-passkeys">> {
    if (!this.#profile()) return fail("not-found", "no such player");
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      if (!this.#answer(challenge, now)) return fail("challenge-used", "this challenge has been answered already");
      if (sql.exec("SELECT 1 FROM passkeys WHERE credential_id = ?", passkey.id).toArray().length > 0) {
        return fail("passkey-exists", "this passkey is already on your account");
      }
      const count = sql.exec<{ n: number }>("SELECT count(*) AS n FROM passkeys").one().n;
      if (count >= MAX_PASSKEYS) {
        return fail("too-many-passkeys", `an account holds at most ${MAX_PASSKEYS} passkeys: remove one first`);
      }
      sql.exec(
        `INSERT INTO passkeys (credential_id, public_key, counter, transports, backed_up, created_at, last_used_at)
         VALUES (?, ?, ?, ?, ?, ?, NULL)`,
        passkey.id,
        passkey.publicKey,
        passkey.counter,
        JSON.stringify(passkey.transports),
        passkey.backedUp ? 1 : 0,
        now,
      );
      return ok({ id: passkey.id, createdAt: now, lastUsedAt: null, backedUp: passkey.backedUp });
    });
  }

  /**
   * Records a verified sign-in: answers the challenge once and moves the passkey's counter on,
   * in one transaction, so two copies of one answer racing each other sign in once.
   */
  async signInWithPasskey(
    use: { id: string; counter: number; backedUp: boolean },
    challenge: Challenge,
    now: number,
  ): Promise<Result<{ pid: string; name: string }, "unknown-passkey" | "challenge-used" | "passkey-refused">> {
    const profile = this.#profile();
    if (!profile) return fail("unknown-passkey", "no account holds this passkey");
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      if (!this.#answer(challenge, now)) return fail("challenge-used", "this challenge has been answered already");
      const row = sql
        .exec<{ counter: number }>("SELECT counter FROM passkeys WHERE credential_id = ?", use.id)
        .toArray()[0];
      if (!row) return fail("unknown-passkey", "no account holds this passkey");
      if (!counterMovedOn(row.counter, use.counter)) {
        return fail("passkey-refused", "the passkey's signature counter went backwards: it may have been copied");
      }
      sql.exec(
        "UPDATE passkeys SET counter = ?, backed_up = ?, last_used_at = ? WHERE credential_id = ?",
        use.counter,
        use.backedUp ? 1 : 0,
        now,
        use.id,
      );
      return ok({ pid: profile.pid, name: profile.name });
    });
  }

  /** Removes one of the player's passkeys; false when there was none by that id. */
  async removePasskey(credentialId: string): Promise<boolean> {
    if (!this.#migrated) return false;
    return this.ctx.storage.sql.exec("DELETE FROM passkeys WHERE credential_id = ?", credentialId).rowsWritten > 0;
  }

  /** Marks a challenge answered (forgetting expired ones); false if it was answered before. Inside a transaction. */
  #answer(challenge: Challenge, now: number): boolean {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM passkey_challenges WHERE expires_at <= ?", now);
    if (sql.exec("SELECT 1 FROM passkey_challenges WHERE challenge = ?", challenge.value).toArray().length > 0) {
      return false;
    }
    sql.exec(
      "INSERT INTO passkey_challenges (challenge, expires_at) VALUES (?, ?)",
      challenge.value,
      challenge.expiresAt,
    );
    return true;
  }

  /** Sends the due leaderboard updates; each failure is retried later with backoff. */
  override async alarm(): Promise<void> {
    if (!this.#migrated) return;
    const sql = this.ctx.storage.sql;
    for (const row of this.#pending(Date.now())) {
      const entry: LeaderboardEntry = {
        pid: row.pid,
        name: row.name,
        rating: row.rating,
        rd: row.rd,
        games: row.games,
      };
      try {
        await this.env.Leaderboard.getByName(row.game_id).upsert(entry);
        // Only the version sent: a match recorded meanwhile bumped seq and stays queued.
        sql.exec("UPDATE ratings SET due_at = NULL, attempts = 0 WHERE game_id = ? AND seq = ?", row.game_id, row.seq);
      } catch (error) {
        const attempts = row.attempts + 1;
        sql.exec(
          "UPDATE ratings SET attempts = ?, due_at = ? WHERE game_id = ? AND seq = ?",
          attempts,
          Date.now() + retryDelay(attempts),
          row.game_id,
          row.seq,
        );
        console.error(
          JSON.stringify({
            event: "leaderboard-update-failed",
            pid: row.pid,
            gameId: row.game_id,
            attempts,
            error: String(error),
          }),
        );
      }
    }
    await this.#arm();
  }

  /** Queued updates that can be sent (the profile gives the name), due by `at`. */
  #pending(at: number): PendingRow[] {
    return this.ctx.storage.sql
      .exec<PendingRow>(
        `SELECT r.game_id, r.seq, r.attempts, p.pid, p.name, r.rating, r.rd, r.games
         FROM ratings r CROSS JOIN profile p
         WHERE r.due_at <= ? ORDER BY r.due_at`,
        at,
      )
      .toArray();
  }

  /** Sets the alarm for the earliest sendable update, or clears it when none is queued. */
  async #arm(): Promise<void> {
    const next = this.ctx.storage.sql
      .exec<{ at: number | null }>("SELECT min(r.due_at) AS at FROM ratings r CROSS JOIN profile p")
      .one().at;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }
}
