/**
 * Every SQL statement of the Tournament object. The tables are the truth; the object keeps no
 * state in fields that is not rebuilt from them.
 *
 * `entrants.playing` is the one guard against pairing anyone twice at once: a pairing pass
 * picks only rows where it is null and sets it in the same transaction as the game's row.
 */
import type { EntrantState, TournamentGame, TournamentSummary } from "../../shared/tournament.ts";
import { applySchema } from "../storage.ts";
import {
  TOURNAMENT_SCHEMA,
  toEntrant,
  toLoaded,
  toGame,
  type ConfigRow,
  type Entrant,
  type EntrantRow,
  type GameRow,
  type GameSqlRow,
  type TournamentConfig,
  type TournamentProgress,
} from "./schema.ts";
import type { GameScore } from "./scoring.ts";

export type { Entrant, GameRow, TournamentConfig, TournamentProgress } from "./schema.ts";

/** The Tournament's tables, one method per statement or small group of statements. */
export class TournamentStore {
  constructor(
    readonly sql: SqlStorage,
    readonly storage: DurableObjectStorage,
  ) {}

  /** Applies the schema; true when the object already holds a tournament. */
  migrate(): void {
    this.storage.transactionSync(() => applySchema(this.sql, TOURNAMENT_SCHEMA));
  }

  /** Runs `write` as one transaction. */
  atomically<T>(write: () => T): T {
    return this.storage.transactionSync(write);
  }

  insert(config: TournamentConfig): void {
    this.sql.exec(
      `INSERT INTO tournament (id, tournament_id, name, game_id, options, kind, time_control, grace_ms, rated, private,
         code, creator_id, max_players, starts_at, duration_ms, rounds, round_ms, created_at, status, ends_at)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'upcoming', ?)`,
      config.tournamentId,
      config.name,
      config.gameId,
      JSON.stringify(config.options),
      config.kind,
      JSON.stringify(config.timeControl),
      config.graceMs,
      config.rated ? 1 : 0,
      config.isPrivate ? 1 : 0,
      config.code,
      config.creatorId,
      config.maxPlayers,
      config.startsAt,
      config.durationMs,
      config.rounds,
      config.roundMs,
      config.createdAt,
      config.durationMs === null ? null : config.startsAt + config.durationMs,
    );
  }

  /** The tournament, or null for a blank object. Rows are written by this module only: trusted JSON. */
  load(): { config: TournamentConfig; progress: TournamentProgress } | null {
    const row = this.sql.exec<ConfigRow>("SELECT * FROM tournament").toArray()[0];
    if (!row) return null;
    return toLoaded(row);
  }

  setLive(now: number, endsAt: number | null): void {
    this.sql.exec("UPDATE tournament SET status = 'live', started_at = ?, ends_at = ?", now, endsAt);
  }

  setRound(round: number, deadline: number | null): void {
    this.sql.exec("UPDATE tournament SET round = ?, round_deadline = ?", round, deadline);
  }

  setFinished(now: number, podium: TournamentSummary["podium"]): void {
    this.sql.exec(
      "UPDATE tournament SET status = 'finished', finished_at = ?, round_deadline = NULL, podium = ?",
      now,
      JSON.stringify(podium),
    );
  }

  // Entrants

  entrant(pid: string): Entrant | null {
    const row = this.sql.exec<EntrantRow>("SELECT * FROM entrants WHERE pid = ?", pid).toArray()[0];
    return row ? toEntrant(row) : null;
  }

  entrants(): Entrant[] {
    return this.sql.exec<EntrantRow>("SELECT * FROM entrants ORDER BY joined").toArray().map(toEntrant);
  }

  /** Entrants who could be paired now: active and not in a game. */
  free(): Entrant[] {
    return this.sql
      .exec<EntrantRow>("SELECT * FROM entrants WHERE state = 'active' AND playing IS NULL ORDER BY joined")
      .toArray()
      .map(toEntrant);
  }

  /** Entrants still in it (not withdrawn). */
  count(state?: EntrantState): number {
    return state === undefined
      ? this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM entrants WHERE state != 'withdrawn'").one().n
      : this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM entrants WHERE state = ?", state).one().n;
  }

  addEntrant(entrant: { pid: string; name: string; rating: number; bot: string | null }, now: number): void {
    this.sql.exec(
      `INSERT INTO entrants (pid, name, rating, joined, bot, state, free_since)
       VALUES (?, ?, ?, (SELECT COALESCE(MAX(joined), 0) + 1 FROM entrants), ?, 'active', ?)`,
      entrant.pid,
      entrant.name,
      entrant.rating,
      entrant.bot,
      now,
    );
  }

  removeEntrant(pid: string): void {
    this.sql.exec("DELETE FROM entrants WHERE pid = ?", pid);
  }

  setState(pid: string, state: EntrantState, now: number): void {
    this.sql.exec("UPDATE entrants SET state = ?, free_since = ? WHERE pid = ?", state, now, pid);
  }

  /** Marks both players busy in `matchId` (seat 0 first) and records the seats they take. */
  seat(matchId: string, p0: string, p1: string): void {
    this.sql.exec(
      "UPDATE entrants SET playing = ?, seat0 = seat0 + 1, last_seat = 0, last_opponent = ? WHERE pid = ? AND playing IS NULL",
      matchId,
      p1,
      p0,
    );
    this.sql.exec(
      "UPDATE entrants SET playing = ?, seat1 = seat1 + 1, last_seat = 1, last_opponent = ? WHERE pid = ? AND playing IS NULL",
      matchId,
      p0,
      p1,
    );
  }

  /** Frees a player from `matchId` with their new tally. */
  release(pid: string, matchId: string, now: number, tally: { score: number; streak: number } | null): void {
    if (tally) {
      this.sql.exec(
        "UPDATE entrants SET playing = NULL, free_since = ?, score = ?, streak = ? WHERE pid = ? AND playing = ?",
        now,
        tally.score,
        tally.streak,
        pid,
        matchId,
      );
    } else {
      this.sql.exec(
        "UPDATE entrants SET playing = NULL, free_since = ? WHERE pid = ? AND playing = ?",
        now,
        pid,
        matchId,
      );
    }
  }

  /** Undoes a pairing whose match could not be created. */
  unseat(matchId: string): void {
    const game = this.game(matchId);
    if (!game) return;
    this.sql.exec(
      "UPDATE entrants SET playing = NULL, seat0 = seat0 - 1, last_seat = NULL WHERE pid = ? AND playing = ?",
      game.p0,
      matchId,
    );
    this.sql.exec(
      "UPDATE entrants SET playing = NULL, seat1 = seat1 - 1, last_seat = NULL WHERE pid = ? AND playing = ?",
      game.p1,
      matchId,
    );
    this.sql.exec("DELETE FROM games WHERE match_id = ?", matchId);
  }

  setScore(pid: string, tally: { score: number; streak: number }): void {
    this.sql.exec("UPDATE entrants SET score = ?, streak = ? WHERE pid = ?", tally.score, tally.streak, pid);
  }

  // Games

  game(matchId: string): GameRow | null {
    const row = this.sql.exec<GameSqlRow>("SELECT * FROM games WHERE match_id = ?", matchId).toArray()[0];
    return row ? toGame(row) : null;
  }

  games(): GameRow[] {
    return this.sql.exec<GameSqlRow>("SELECT * FROM games").toArray().map(toGame);
  }

  /** Games whose match is still to be created (a creation that failed, or one cut short by a crash). */
  creating(): GameRow[] {
    return this.sql.exec<GameSqlRow>("SELECT * FROM games WHERE status = 'creating'").toArray().map(toGame);
  }

  /** Games not finished (creating or playing). */
  running(round?: number): number {
    return round === undefined
      ? this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM games WHERE status != 'finished'").one().n
      : this.sql
          .exec<{ n: number }>("SELECT COUNT(*) AS n FROM games WHERE status != 'finished' AND round = ?", round)
          .one().n;
  }

  addGame(matchId: string, round: number | null, p0: string, p1: string, now: number): void {
    this.sql.exec(
      "INSERT INTO games (match_id, round, p0, p1, status, created_at) VALUES (?, ?, ?, ?, 'creating', ?)",
      matchId,
      round,
      p0,
      p1,
      now,
    );
  }

  attempted(matchId: string): void {
    this.sql.exec("UPDATE games SET attempts = attempts + 1 WHERE match_id = ?", matchId);
  }

  created(matchId: string): void {
    this.sql.exec("UPDATE games SET status = 'playing' WHERE match_id = ? AND status = 'creating'", matchId);
  }

  finishGame(matchId: string, score0: GameScore | null, reason: string, endedAt: number): void {
    this.sql.exec(
      "UPDATE games SET status = 'finished', score0 = ?, reason = ?, ended_at = ? WHERE match_id = ?",
      score0,
      reason,
      endedAt,
      matchId,
    );
  }

  /** A page of games, newest first, with the players' names. */
  gamesPage(offset: number, limit: number, status?: "playing"): TournamentGame[] {
    const where = status === undefined ? "" : "WHERE g.status != 'finished'";
    return this.sql
      .exec<GameSqlRow & { n0: string; n1: string }>(
        `SELECT g.*, e0.name AS n0, e1.name AS n1 FROM games g
           JOIN entrants e0 ON e0.pid = g.p0 JOIN entrants e1 ON e1.pid = g.p1
         ${where} ORDER BY g.created_at DESC, g.match_id LIMIT ? OFFSET ?`,
        limit,
        offset,
      )
      .toArray()
      .map((row) => ({
        matchId: row.match_id,
        round: row.round,
        players: [
          { playerId: row.p0, name: row.n0 },
          { playerId: row.p1, name: row.n1 },
        ],
        status: row.status === "finished" ? "finished" : "playing",
        score: row.score0,
        reason: row.reason,
        startedAt: row.created_at,
        endedAt: row.ended_at,
      }));
  }

  gameCount(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM games").one().n;
  }

  // Byes (Swiss)

  addBye(round: number, pid: string): void {
    this.sql.exec("INSERT OR IGNORE INTO byes (round, pid) VALUES (?, ?)", round, pid);
  }

  /** Every bye, one pid per bye. */
  byes(): string[] {
    return this.sql
      .exec<{ pid: string }>("SELECT pid FROM byes ORDER BY round")
      .toArray()
      .map((row) => row.pid);
  }

  // Timers: one alarm drives them all, set to the earliest.

  arm(kind: string, at: number): void {
    this.sql.exec(
      "INSERT INTO timers (kind, at) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET at = excluded.at",
      kind,
      at,
    );
  }

  /** Arms `kind` at `at` unless it is armed sooner already. */
  armBy(kind: string, at: number): void {
    this.sql.exec(
      "INSERT INTO timers (kind, at) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET at = MIN(at, excluded.at)",
      kind,
      at,
    );
  }

  disarm(kind: string): void {
    this.sql.exec("DELETE FROM timers WHERE kind = ?", kind);
  }

  due(now: number): { kind: string; at: number }[] {
    return this.sql
      .exec<{ kind: string; at: number }>("SELECT kind, at FROM timers WHERE at <= ? ORDER BY at", now)
      .toArray();
  }

  /** True while `kind` is armed at `at` (not taken or moved since it was read). */
  isDue(kind: string, at: number): boolean {
    return this.sql.exec("SELECT 1 FROM timers WHERE kind = ? AND at = ?", kind, at).toArray().length > 0;
  }

  /** Removes a timer that fired, unless it was re-armed meanwhile. */
  fired(kind: string, at: number): void {
    this.sql.exec("DELETE FROM timers WHERE kind = ? AND at = ?", kind, at);
  }

  nextTimer(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT MIN(at) AS at FROM timers").one().at;
  }
}
