/**
 * The Match object's SQLite schema (../storage.ts): its migrations, numbered and applied in order
 * to an older database, and the schema they lead to, which a new match gets in one step. Never
 * edit a shipped migration; append one, and fold it into MATCH_SCHEMA.current
 * (test/worker/schemas.test.ts checks that the two agree).
 */
import type { Schema } from "../storage.ts";

/** The Match object's schema. Migration N is at index N - 1. */
export const MATCH_MIGRATIONS: readonly string[] = [
  // 1: the first schema.
  `
  CREATE TABLE match (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    match_id TEXT NOT NULL,
    game_id TEXT NOT NULL,
    options TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    turn_ms INTEGER NOT NULL,
    seed TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER
  );
  CREATE TABLE seats (
    seat INTEGER PRIMARY KEY,
    player_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    joined_at INTEGER NOT NULL
  );
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    seat INTEGER,
    client_id TEXT,
    payload TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX events_client_id ON events (seat, client_id) WHERE client_id IS NOT NULL;
  CREATE TABLE snapshot (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    state TEXT NOT NULL,
    deadline INTEGER
  );
  CREATE TABLE timers (
    kind TEXT PRIMARY KEY,
    at INTEGER NOT NULL,
    seq INTEGER NOT NULL
  );
  `,
  // 2: players own seats through their token; private, rated and reserved matches; rematch;
  // the disconnect grace period.
  `
  ALTER TABLE match ADD COLUMN min_players INTEGER NOT NULL DEFAULT 2;
  ALTER TABLE match ADD COLUMN grace_ms INTEGER NOT NULL DEFAULT 60000;
  ALTER TABLE match ADD COLUMN creator_id TEXT;
  ALTER TABLE match ADD COLUMN private INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE match ADD COLUMN rated INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE match ADD COLUMN reserved INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE match ADD COLUMN rematch_id TEXT;
  ALTER TABLE seats ADD COLUMN rating TEXT;
  ALTER TABLE seats ADD COLUMN rematch INTEGER NOT NULL DEFAULT 0;
  `,
  // 3: time controls (null: per move, turn_ms), spectator delay, seats held by server-side bots.
  `
  ALTER TABLE match ADD COLUMN time_control TEXT;
  ALTER TABLE match ADD COLUMN spectator_delay TEXT;
  ALTER TABLE seats ADD COLUMN bot TEXT;
  ALTER TABLE snapshot ADD COLUMN spectator_seq INTEGER;
  `,
  // 4: one row written per move. The retry check scans the seat's moves instead of keeping an
  // index entry per move (rows read cost a thousandth of rows written), and the turn deadline
  // is derived from the match state instead of being a timer row (timers.ts).
  `
  DROP INDEX IF EXISTS events_client_id;
  DELETE FROM timers WHERE kind = 'turn';
  `,
  // 5: a tournament's game tells its Tournament object how it ended.
  `
  ALTER TABLE match ADD COLUMN tournament_id TEXT;
  `,
  // 6: a series: a rematch is the next game in the same object. The current game's events are
  // stored at seq base + n (its own seqs start at 1 again); each finished game of the series is
  // archived as one row of games (its summary, whose seq is its last, where its events lie,
  // and the reports its players have yet to hear).
  `
  ALTER TABLE match ADD COLUMN base INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE games (
    match_id TEXT PRIMARY KEY,
    base INTEGER NOT NULL,
    summary TEXT NOT NULL,
    reports TEXT
  );
  `,
];

/** The Match's schema: the migrations above, and where they lead as one script. */
export const MATCH_SCHEMA: Schema = {
  migrations: MATCH_MIGRATIONS,
  current: `
  CREATE TABLE match (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    match_id TEXT NOT NULL,
    game_id TEXT NOT NULL,
    options TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    turn_ms INTEGER NOT NULL,
    seed TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    min_players INTEGER NOT NULL DEFAULT 2,
    grace_ms INTEGER NOT NULL DEFAULT 60000,
    creator_id TEXT,
    private INTEGER NOT NULL DEFAULT 0,
    rated INTEGER NOT NULL DEFAULT 0,
    reserved INTEGER NOT NULL DEFAULT 0,
    rematch_id TEXT,
    time_control TEXT,
    spectator_delay TEXT,
    tournament_id TEXT,
    base INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE seats (
    seat INTEGER PRIMARY KEY,
    player_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    rating TEXT,
    rematch INTEGER NOT NULL DEFAULT 0,
    bot TEXT
  );
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    seat INTEGER,
    client_id TEXT,
    payload TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE TABLE snapshot (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    state TEXT NOT NULL,
    deadline INTEGER,
    spectator_seq INTEGER
  );
  CREATE TABLE timers (
    kind TEXT PRIMARY KEY,
    at INTEGER NOT NULL,
    seq INTEGER NOT NULL
  );
  CREATE TABLE games (
    match_id TEXT PRIMARY KEY,
    base INTEGER NOT NULL,
    summary TEXT NOT NULL,
    reports TEXT
  )
  `,
};
