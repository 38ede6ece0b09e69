/**
 * The Tournament object's schema and the rows read from it: the migrations, the config and
 * progress of a tournament, entrant and game rows, and the pure mapping from SQL rows to them
 * (the statements themselves are in store.ts).
 */
import type { TimeControl } from "../../shared/clock.ts";
import type {
  EntrantState,
  JsonValue,
  TournamentKind,
  TournamentStatus,
  TournamentSummary,
} from "../../shared/tournament.ts";
import type { GameScore, StandingEntrant, StandingGame } from "./scoring.ts";
import type { SeatHistory } from "./seats.ts";
import type { Schema } from "../storage.ts";

/** The Tournament object's migrations. Migration N is at index N - 1. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tournament (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    tournament_id TEXT NOT NULL,
    name TEXT NOT NULL,
    game_id TEXT NOT NULL,
    options TEXT NOT NULL,
    kind TEXT NOT NULL,
    time_control TEXT NOT NULL,
    grace_ms INTEGER,
    rated INTEGER NOT NULL,
    private INTEGER NOT NULL,
    code TEXT,
    creator_id TEXT NOT NULL,
    max_players INTEGER NOT NULL,
    starts_at INTEGER NOT NULL,
    duration_ms INTEGER,
    rounds INTEGER,
    round_ms INTEGER,
    created_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('upcoming', 'live', 'finished')),
    started_at INTEGER,
    ends_at INTEGER,
    finished_at INTEGER,
    round INTEGER NOT NULL DEFAULT 0,
    round_deadline INTEGER,
    podium TEXT
  );
  CREATE TABLE entrants (
    pid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    rating REAL NOT NULL,
    joined INTEGER NOT NULL,
    bot TEXT,
    state TEXT NOT NULL CHECK (state IN ('active', 'paused', 'withdrawn')),
    playing TEXT,
    free_since INTEGER NOT NULL,
    last_opponent TEXT,
    seat0 INTEGER NOT NULL DEFAULT 0,
    seat1 INTEGER NOT NULL DEFAULT 0,
    last_seat INTEGER,
    score REAL NOT NULL DEFAULT 0,
    streak INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX entrants_free ON entrants (state, playing);
  CREATE TABLE games (
    match_id TEXT PRIMARY KEY,
    round INTEGER,
    p0 TEXT NOT NULL,
    p1 TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('creating', 'playing', 'finished')),
    created_at INTEGER NOT NULL,
    ended_at INTEGER,
    score0 REAL,
    reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX games_status ON games (status, round);
  CREATE INDEX games_newest ON games (created_at DESC, match_id);
  CREATE TABLE byes (
    round INTEGER NOT NULL,
    pid TEXT NOT NULL,
    PRIMARY KEY (round, pid)
  );
  CREATE TABLE timers (
    kind TEXT PRIMARY KEY,
    at INTEGER NOT NULL
  );
  `,
];

/** The Tournament object's schema: its one migration is the current schema. */
export const TOURNAMENT_SCHEMA: Schema = { migrations: MIGRATIONS, current: MIGRATIONS.join("\n") };

/** Fixed at creation. */
export interface TournamentConfig {
  readonly tournamentId: string;
  readonly name: string;
  readonly gameId: string;
  readonly options: JsonValue;
  readonly kind: TournamentKind;
  readonly timeControl: TimeControl;
  readonly graceMs: number | null;
  readonly rated: boolean;
  readonly isPrivate: boolean;
  readonly code: string | null;
  readonly creatorId: string;
  readonly maxPlayers: number;
  readonly startsAt: number;
  readonly durationMs: number | null;
  readonly rounds: number | null;
  readonly roundMs: number | null;
  readonly createdAt: number;
}

/** Where the tournament is now. */
export interface TournamentProgress {
  readonly status: TournamentStatus;
  readonly startedAt: number | null;
  readonly endsAt: number | null;
  readonly finishedAt: number | null;
  readonly round: number;
  readonly roundDeadline: number | null;
  readonly podium: TournamentSummary["podium"];
}

/** An entrant row. */
export interface Entrant extends StandingEntrant {
  readonly bot: string | null;
  readonly freeSince: number;
  readonly lastOpponent: string | null;
  readonly seats: SeatHistory;
  readonly score: number;
  readonly streak: number;
}

/** A game row. */
export interface GameRow extends StandingGame {
  readonly round: number | null;
  readonly status: "creating" | "playing" | "finished";
  readonly createdAt: number;
  readonly reason: string | null;
  readonly attempts: number;
}

export type ConfigRow = {
  tournament_id: string;
  name: string;
  game_id: string;
  options: string;
  kind: TournamentKind;
  time_control: string;
  grace_ms: number | null;
  rated: number;
  private: number;
  code: string | null;
  creator_id: string;
  max_players: number;
  starts_at: number;
  duration_ms: number | null;
  rounds: number | null;
  round_ms: number | null;
  created_at: number;
  status: TournamentStatus;
  started_at: number | null;
  ends_at: number | null;
  finished_at: number | null;
  round: number;
  round_deadline: number | null;
  podium: string | null;
};
export type EntrantRow = {
  pid: string;
  name: string;
  rating: number;
  joined: number;
  bot: string | null;
  state: EntrantState;
  playing: string | null;
  free_since: number;
  last_opponent: string | null;
  seat0: number;
  seat1: number;
  last_seat: number | null;
  score: number;
  streak: number;
};
export type GameSqlRow = {
  match_id: string;
  round: number | null;
  p0: string;
  p1: string;
  status: GameRow["status"];
  created_at: number;
  ended_at: number | null;
  score0: number | null;
  reason: string | null;
  attempts: number;
};

export function toEntrant(row: EntrantRow): Entrant {
  return {
    pid: row.pid,
    name: row.name,
    rating: row.rating,
    order: row.joined,
    bot: row.bot,
    state: row.state,
    playing: row.playing,
    freeSince: row.free_since,
    lastOpponent: row.last_opponent,
    seats: { seat0: row.seat0, seat1: row.seat1, last: row.last_seat === 0 ? 0 : row.last_seat === 1 ? 1 : null },
    score: row.score,
    streak: row.streak,
  };
}

export function toGame(row: GameSqlRow): GameRow {
  return {
    matchId: row.match_id,
    round: row.round,
    p0: row.p0,
    p1: row.p1,
    status: row.status,
    createdAt: row.created_at,
    endedAt: row.ended_at,
    score0: row.score0 === null ? null : (row.score0 as GameScore),
    reason: row.reason,
    attempts: row.attempts,
  };
}

/** A tournament row as the object reads it. Rows are written by store.ts only: trusted JSON. */
export function toLoaded(row: ConfigRow): { config: TournamentConfig; progress: TournamentProgress } {
  return {
    config: {
      tournamentId: row.tournament_id,
      name: row.name,
      gameId: row.game_id,
      options: JSON.parse(row.options) as JsonValue,
      kind: row.kind,
      timeControl: JSON.parse(row.time_control) as TimeControl,
      graceMs: row.grace_ms,
      rated: row.rated === 1,
      isPrivate: row.private === 1,
      code: row.code,
      creatorId: row.creator_id,
      maxPlayers: row.max_players,
      startsAt: row.starts_at,
      durationMs: row.duration_ms,
      rounds: row.rounds,
      roundMs: row.round_ms,
      createdAt: row.created_at,
    },
    progress: {
      status: row.status,
      startedAt: row.started_at,
      endsAt: row.ends_at,
      finishedAt: row.finished_at,
      round: row.round,
      roundDeadline: row.round_deadline,
      podium: row.podium === null ? [] : (JSON.parse(row.podium) as TournamentSummary["podium"]),
    },
  };
}
