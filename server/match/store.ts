/**
 * The Match's SQLite: every statement but the timers' (timers.ts owns that table). Rows in,
 * typed values out. The schema is MATCH_SCHEMA (schema.ts), applied by ../storage.ts.
 */
import type { BotKind } from "../../shared/bots/kinds.ts";
import type { TimeControl } from "../../shared/clock.ts";
import { createEngine, type MatchState } from "../../shared/engine.ts";
import type { LoggedEvent, MatchEvent } from "../../shared/events.ts";
import type { MatchResult, Seat } from "../../shared/game.ts";
import { findGame } from "../../shared/games/index.ts";
import type { EventsPage, MatchSummary, SpectatorDelay } from "../../shared/protocol.ts";
import type { Rating } from "../ratings.ts";
import { applySchema, isBlank, migrate } from "../storage.ts";
import { MATCH_MIGRATIONS, MATCH_SCHEMA } from "./schema.ts";
import type { Archive, Archived, Loaded, MatchConfig, NewSeat, PlayerReport, SeatRow } from "./types.ts";

export { MATCH_MIGRATIONS };
export type { Archive, Archived, Loaded, MatchConfig, NewSeat, PlayerReport, SeatRow } from "./types.ts";

/**
 * The snapshot is rewritten once every this many events (and when the match ends): the log is the
 * truth and a wake replays the events after the snapshot; each skipped write is a row less.
 */
export const SNAPSHOT_EVERY = 16;

/** What a commit writes beside its events: from seq `from` to `seq`, the match `state` after them. */
export interface CommitWrites {
  readonly from: number;
  readonly seq: number;
  readonly state: MatchState;
  readonly deadline: number | null;
  readonly now: number;
  readonly started: boolean;
  readonly finished: boolean;
}

/** The match row as read: its config and what changes over its life. */
export interface StoredMatch {
  readonly config: MatchConfig;
  readonly seed: string;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly rematchId: string | null;
  readonly base: number;
  /** The last snapshot; null when it predates clocks (the whole log is replayed then). */
  readonly snapshot: { readonly seq: number; readonly state: MatchState } | null;
}

type MatchRow = {
  match_id: string;
  game_id: string;
  options: string;
  capacity: number;
  min_players: number;
  turn_ms: number;
  grace_ms: number;
  seed: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  creator_id: string | null;
  private: number;
  rated: number;
  reserved: number;
  rematch_id: string | null;
  time_control: string | null;
  spectator_delay: string | null;
  tournament_id: string | null;
  base: number;
};
type SeatSqlRow = {
  seat: number;
  player_id: string;
  name: string;
  rating: string | null;
  rematch: number;
  bot: string | null;
};
type EventRow = { seq: number; payload: string; at: number };

// Rows are written only by `append`, from events that passed the engine: trusted data.
function toLogged(row: EventRow): LoggedEvent {
  return { seq: row.seq, at: row.at, ...(JSON.parse(row.payload) as MatchEvent) };
}

function toSeat(row: SeatSqlRow): SeatRow {
  return {
    seat: row.seat,
    pid: row.player_id,
    name: row.name,
    rating: row.rating === null ? null : (JSON.parse(row.rating) as Rating),
    bot: row.bot === null ? null : (row.bot as BotKind),
    rematch: row.rematch === 1,
  };
}

export class MatchStore {
  readonly #storage: DurableObjectStorage;
  /** The current game's place in the log: its event n is stored at seq base + n (earlier games are never scanned). */
  base = 0;
  /**
   * The current game's accepted move ids (`seat:id`) and their seqs: the retry check of every
   * move, read from the log once per wake instead of a statement per move. Dropped whenever a
   * transaction fails, so it never holds a move the log does not.
   */
  #moveIds: Map<string, number> | null = null;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  get #sql(): SqlStorage {
    return this.#storage.sql;
  }

  /** Runs `write` as one synchronous transaction. */
  transaction<T>(write: () => T): T {
    try {
      return this.#storage.transactionSync(write);
    } catch (error) {
      this.#moveIds = null;
      throw error;
    }
  }

  /** The match, migrated to the current schema; null for a blank object (an unknown id stays blank: reading must not create tables). */
  read(): StoredMatch | null {
    if (isBlank(this.#sql)) return null;
    this.transaction(() => migrate(this.#sql, MATCH_MIGRATIONS));
    const row = this.#sql.exec<MatchRow>("SELECT * FROM match").toArray()[0];
    if (!row) return null;
    // Matches made before time controls had a per-move limit in turn_ms.
    const timeControl: TimeControl =
      row.time_control === null ? { kind: "move", ms: row.turn_ms } : (JSON.parse(row.time_control) as TimeControl);
    const snapshot = this.#sql.exec<{ seq: number; state: string }>("SELECT seq, state FROM snapshot").one();
    const state = JSON.parse(snapshot.state) as MatchState;
    return {
      config: {
        matchId: row.match_id,
        gameId: row.game_id,
        options: JSON.parse(row.options),
        capacity: row.capacity,
        minPlayers: row.min_players,
        timeControl,
        spectatorDelay: row.spectator_delay === null ? null : (JSON.parse(row.spectator_delay) as SpectatorDelay),
        graceMs: row.grace_ms,
        createdAt: row.created_at,
        creatorId: row.creator_id,
        isPrivate: row.private === 1,
        rated: row.rated === 1,
        reserved: row.reserved === 1,
        tournamentId: row.tournament_id,
      },
      seed: row.seed,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      rematchId: row.rematch_id,
      base: row.base,
      // A snapshot from before clocks lacks them: the log (with its times) is the truth, replay it all.
      snapshot: "clock" in state ? { seq: snapshot.seq, state } : null,
    };
  }

  /**
   * The match as the cache holds it, or null for a blank object: its rows, and the state rebuilt
   * from the snapshot plus the log's tail after it (the snapshot is written every few events).
   */
  load(): Loaded | null {
    const stored = this.read();
    if (!stored) return null;
    const { config, seed, startedAt, finishedAt, rematchId, base } = stored;
    this.base = base;
    this.#moveIds = null;
    const game = findGame(config.gameId);
    if (!game) throw new Error(`match ${config.matchId} is of unknown game ${config.gameId}`);
    const engine = createEngine(game, config.options, seed, config.timeControl);
    let [state, seq] = stored.snapshot ? [stored.snapshot.state, stored.snapshot.seq] : [engine.initial(), 0];
    // The log's own moves were checked when they were logged: a wake-up trusts them (engine.restore).
    for (const event of this.eventsAfter(seq)) [state, seq] = [engine.restore(state, event, event.at), event.seq];
    return { config, engine, seed, state, seq, seats: this.seats(), startedAt, finishedAt, rematchId, base };
  }

  /** Writes a new match and its first snapshot into this blank object. */
  insert(config: MatchConfig, seed: string, turnMs: number, initial: MatchState): void {
    this.transaction(() => {
      applySchema(this.#sql, MATCH_SCHEMA);
      this.#sql.exec(
        `INSERT INTO match (id, match_id, game_id, options, capacity, min_players, turn_ms, grace_ms, seed, status,
           created_at, creator_id, private, rated, reserved, time_control, spectator_delay, tournament_id)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?, ?, ?, ?, ?, ?, ?)`,
        config.matchId,
        config.gameId,
        JSON.stringify(config.options),
        config.capacity,
        config.minPlayers,
        turnMs,
        config.graceMs,
        seed,
        config.createdAt,
        config.creatorId,
        config.isPrivate ? 1 : 0,
        config.rated ? 1 : 0,
        config.reserved ? 1 : 0,
        JSON.stringify(config.timeControl),
        config.spectatorDelay ? JSON.stringify(config.spectatorDelay) : null,
        config.tournamentId,
      );
      this.#sql.exec("INSERT INTO snapshot (id, seq, state) VALUES (1, 0, ?)", JSON.stringify(initial));
    });
  }

  /**
   * Starts the next game of the series in place (inside the transaction that seats its players):
   * the current game is archived as one row with its final `summary` (whose seq is its last) and
   * the reports its players have yet to hear, and the match row, snapshot and seats start afresh.
   */
  restart(next: { config: MatchConfig; seed: string; initial: MatchState }, archived: Archived): void {
    const { config, seed, initial } = next;
    this.#sql.exec(
      "INSERT INTO games (match_id, base, summary, reports) VALUES (?, ?, ?, ?)",
      archived.summary.matchId,
      this.base,
      JSON.stringify(archived.summary),
      archived.reports.length > 0 ? JSON.stringify(archived.reports) : null,
    );
    this.base += archived.summary.seq;
    this.#moveIds = new Map();
    this.#sql.exec(
      `UPDATE match SET match_id = ?, seed = ?, status = 'waiting', result = NULL, created_at = ?, started_at = NULL,
         finished_at = NULL, rematch_id = NULL, creator_id = ?, reserved = ?, rated = ?, private = ?, tournament_id = ?,
         base = ?`,
      config.matchId,
      seed,
      config.createdAt,
      config.creatorId,
      config.reserved ? 1 : 0,
      config.rated ? 1 : 0,
      config.isPrivate ? 1 : 0,
      config.tournamentId,
      this.base,
    );
    this.#sql.exec(
      "UPDATE snapshot SET seq = 0, state = ?, deadline = NULL, spectator_seq = NULL",
      JSON.stringify(initial),
    );
    this.#sql.exec("DELETE FROM seats");
  }

  /** An earlier game of this series: its summary and where its events lie; null when it is not one. */
  archived(matchId: string): Archive | null {
    const row = this.#sql
      .exec<{ summary: string; base: number }>("SELECT summary, base FROM games WHERE match_id = ?", matchId)
      .toArray()[0];
    return row ? { summary: JSON.parse(row.summary) as MatchSummary, base: row.base } : null;
  }

  /** Reports of archived games their players have yet to hear, oldest game first. */
  pendingReports(): { matchId: string; reports: PlayerReport[] }[] {
    return this.#sql
      .exec<{ match_id: string; reports: string }>(
        "SELECT match_id, reports FROM games WHERE reports IS NOT NULL ORDER BY base",
      )
      .toArray()
      .map((row) => ({ matchId: row.match_id, reports: JSON.parse(row.reports) as PlayerReport[] }));
  }

  /** The players heard of these archived games. */
  reported(matchIds: readonly string[]): void {
    for (const matchId of matchIds) this.#sql.exec("UPDATE games SET reports = NULL WHERE match_id = ?", matchId);
  }

  seats(): SeatRow[] {
    return this.#sql
      .exec<SeatSqlRow>("SELECT seat, player_id, name, rating, rematch, bot FROM seats ORDER BY seat")
      .toArray()
      .map(toSeat);
  }

  /** Seats `players` from seat `first` on. A bot always wants the rematch: people decide for the match. */
  addSeats(first: Seat, players: readonly NewSeat[], now: number): void {
    for (const [index, player] of players.entries())
      this.#sql.exec(
        "INSERT INTO seats (seat, player_id, name, joined_at, rating, bot, rematch) VALUES (?, ?, ?, ?, ?, ?, ?)",
        first + index,
        player.pid,
        player.name,
        now,
        player.rating ? JSON.stringify(player.rating) : null,
        player.bot ?? null,
        player.bot ? 1 : 0,
      );
  }

  /** The logged events after `after` (up to `until`, at most `limit` of them), oldest first. */
  eventsAfter(after: number, until = Number.MAX_SAFE_INTEGER, limit = -1, base = this.base): LoggedEvent[] {
    // SQLite reads a negative LIMIT as none.
    return this.#sql
      .exec<EventRow>(
        "SELECT seq - ? AS seq, payload, at FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
        base,
        base + after,
        base + Math.min(until, Number.MAX_SAFE_INTEGER - base),
        limit,
      )
      .toArray()
      .map(toLogged);
  }

  /**
   * A commit's writes (inside its transaction): the events, the snapshot when it ends the match or
   * crosses a multiple of SNAPSHOT_EVERY, and the match's status when it started or finished.
   */
  commit(events: readonly LoggedEvent[], after: CommitWrites): void {
    this.append(events);
    const due = Math.floor(after.seq / SNAPSHOT_EVERY) > Math.floor(after.from / SNAPSHOT_EVERY);
    if (after.finished || due) this.snapshot(after.seq, after.state, after.deadline);
    if (after.started) this.started(after.now);
    if (after.finished) this.finished(after.now, after.state.result);
  }

  /** A page of the log after `after` up to `until`; `next` is the `after` of the next page, if any. */
  page(matchId: string, after: number, until: number, limit: number, base = this.base): EventsPage {
    const events = this.eventsAfter(after, until, limit, base);
    const last = events.at(-1);
    return { matchId, events, next: last && last.seq < until ? last.seq : null };
  }

  /** Appends events to the log (a move keeps its client id for the dedupe lookup). */
  append(events: readonly LoggedEvent[]): void {
    for (const event of events) {
      const { seq, at, ...payload } = event;
      this.#sql.exec(
        "INSERT INTO events (seq, kind, seat, client_id, payload, at) VALUES (?, ?, ?, ?, ?, ?)",
        this.base + seq,
        event.kind,
        "seat" in event ? event.seat : null,
        event.kind === "move" ? event.id : null,
        JSON.stringify(payload),
        at,
      );
      if (event.kind === "move") this.#moveIds?.set(`${event.seat}:${event.id}`, seq);
    }
  }

  /**
   * The seq of the move `seat` sent with client id `clientId`, if it was accepted. No index (rows
   * read cost a thousandth of the index entry every move would write): this game's ids are read
   * once into memory.
   */
  moveSeq(seat: Seat, clientId: string): number | null {
    this.#moveIds ??= new Map(
      this.#sql
        .exec<{ seat: number; client_id: string; seq: number }>(
          "SELECT seat, client_id, seq - ? AS seq FROM events WHERE seq > ? AND client_id IS NOT NULL",
          this.base,
          this.base,
        )
        .toArray()
        .map((row) => [`${row.seat}:${row.client_id}`, row.seq]),
    );
    return this.#moveIds.get(`${seat}:${clientId}`) ?? null;
  }

  /**
   * True when a move `seat` made at `seq` is stale with the match at `current`: `seq` is not
   * `current`, unless every event after it is a move by another seat. In a phase where several
   * seats act at once (Battleship's placement) their moves do not make `seat`'s stale. Where one
   * seat moves at a time, this passes only a move sent before the seat's turn came (the SDK
   * never sends one); like every move, it is judged against the current state.
   */
  stale(seq: number, seat: Seat, current: number): boolean {
    if (seq === current) return false;
    if (seq < 0 || seq > current) return true;
    const { count } = this.#sql
      .exec<{ count: number }>(
        "SELECT count(*) AS count FROM events WHERE seq > ? AND (kind != 'move' OR seat = ?)",
        this.base + seq,
        seat,
      )
      .one();
    return count > 0;
  }

  snapshot(seq: number, state: MatchState, deadline: number | null): void {
    this.#sql.exec("UPDATE snapshot SET seq = ?, state = ?, deadline = ?", seq, JSON.stringify(state), deadline);
  }

  started(at: number): void {
    this.#sql.exec("UPDATE match SET status = 'playing', started_at = ?", at);
  }

  finished(at: number, result: MatchResult | null): void {
    this.#sql.exec("UPDATE match SET status = 'finished', finished_at = ?, result = ?", at, JSON.stringify(result));
  }

  /** `seat` asks for a rematch; `rematchId`, when given, is the id fixed for it (the last seat asked). */
  rematchOffered(seat: Seat, rematchId: string | null): void {
    this.#sql.exec("UPDATE seats SET rematch = 1 WHERE seat = ?", seat);
    if (rematchId !== null) this.#sql.exec("UPDATE match SET rematch_id = ?", rematchId);
  }

  /** The seq spectators of a delayed match were last shown (null: never recorded). */
  spectatorSeq(): number | null {
    return this.#sql.exec<{ seq: number | null }>("SELECT spectator_seq AS seq FROM snapshot").one().seq;
  }

  setSpectatorSeq(seq: number): void {
    this.#sql.exec("UPDATE snapshot SET spectator_seq = ?", seq);
  }

  /** The seq of the `n`th move (0-based; timeout moves count), or null when there are not that many. */
  nthMoveSeq(n: number): number | null {
    return (
      this.#sql
        .exec<{ seq: number }>(
          `SELECT seq - ? AS seq FROM events
           WHERE seq > ? AND (kind = 'move' OR (kind = 'timeout' AND json_extract(payload, '$.move') IS NOT NULL))
           ORDER BY seq LIMIT 1 OFFSET ?`,
          this.base,
          this.base,
          n,
        )
        .toArray()[0]?.seq ?? null
    );
  }

  /** The last seq logged at or before `cutoff`, or up to the start, whichever is later (0: none). */
  lastSeqBy(cutoff: number): number {
    return (
      this.#sql
        .exec<{ seq: number | null }>(
          `SELECT max(seq) - ? AS seq FROM events WHERE seq > ?
             AND (at <= ? OR seq <= (SELECT seq FROM events WHERE seq > ? AND kind = 'start'))`,
          this.base,
          this.base,
          cutoff,
          this.base,
        )
        .one().seq ?? 0
    );
  }

  /** When event `seq` was logged. */
  eventAt(seq: number): number {
    return this.#sql.exec<{ at: number }>("SELECT at FROM events WHERE seq = ?", this.base + seq).one().at;
  }
}
