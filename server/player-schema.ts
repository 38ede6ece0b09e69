/**
 * The Player object's SQLite schema (its statements are in player.ts): the migrations, and the
 * schema they lead to, which a new player gets in one step.
 */
import type { Schema } from "./storage.ts";

/** Migration N is at index N - 1. */
const MIGRATIONS: readonly string[] = [
  // 1: the first schema.
  `
  CREATE TABLE profile (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pid TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE ratings (
    game_id TEXT PRIMARY KEY,
    rating REAL NOT NULL,
    rd REAL NOT NULL,
    vol REAL NOT NULL,
    games INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE matches (
    match_id TEXT PRIMARY KEY,
    game_id TEXT NOT NULL,
    finished_at INTEGER NOT NULL,
    seat INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    rated INTEGER NOT NULL,
    opponents TEXT NOT NULL,
    rating_before TEXT,
    rating_after TEXT,
    recorded_at INTEGER NOT NULL
  );
  CREATE INDEX matches_newest ON matches (finished_at DESC, match_id DESC);
  CREATE TABLE outbox (
    game_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    due_at INTEGER NOT NULL
  );
  `,
  // 2: passkeys that sign in to this player, and the challenges already answered (kept until
  // they expire, so each is answered once; see server/passkeys.ts).
  `
  CREATE TABLE passkeys (
    credential_id TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    counter INTEGER NOT NULL,
    transports TEXT NOT NULL,
    backed_up INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
  );
  CREATE TABLE passkey_challenges (
    challenge TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX passkey_challenges_expiry ON passkey_challenges (expires_at);
  `,
  // 3: fewer rows written per player and per match. Tables keyed by text are WITHOUT ROWID (no
  // second copy of the key in an index), the few challenges answered in the last minutes need
  // no index to expire, and the leaderboard outbox lives in the ratings row whose standing it
  // sends: recording a rated match writes that one row. `seq` counts the
  // changes to the standing (the alarm sends it and clears `due_at` only if it did not change
  // meanwhile), `due_at` is when to send it (null: the board has it), `attempts` the failed sends.
  `
  CREATE TABLE standings (
    game_id TEXT PRIMARY KEY,
    rating REAL NOT NULL,
    rd REAL NOT NULL,
    vol REAL NOT NULL,
    games INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at INTEGER
  ) WITHOUT ROWID;
  INSERT INTO standings (game_id, rating, rd, vol, games, updated_at, seq, attempts, due_at)
    SELECT r.game_id, r.rating, r.rd, r.vol, r.games, r.updated_at, coalesce(o.seq, 0), coalesce(o.attempts, 0), o.due_at
    FROM ratings r LEFT JOIN outbox o USING (game_id);
  DROP TABLE ratings;
  DROP TABLE outbox;
  ALTER TABLE standings RENAME TO ratings;
  CREATE TABLE history (
    match_id TEXT PRIMARY KEY,
    game_id TEXT NOT NULL,
    finished_at INTEGER NOT NULL,
    seat INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    rated INTEGER NOT NULL,
    opponents TEXT NOT NULL,
    rating_before TEXT,
    rating_after TEXT,
    recorded_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO history (match_id, game_id, finished_at, seat, outcome, reason, rated, opponents, rating_before, rating_after, recorded_at)
    SELECT match_id, game_id, finished_at, seat, outcome, reason, rated, opponents, rating_before, rating_after, recorded_at
    FROM matches;
  DROP TABLE matches;
  ALTER TABLE history RENAME TO matches;
  CREATE INDEX matches_newest ON matches (finished_at DESC, match_id DESC);
  CREATE TABLE keys (
    credential_id TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    counter INTEGER NOT NULL,
    transports TEXT NOT NULL,
    backed_up INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
  ) WITHOUT ROWID;
  INSERT INTO keys (credential_id, public_key, counter, transports, backed_up, created_at, last_used_at)
    SELECT credential_id, public_key, counter, transports, backed_up, created_at, last_used_at FROM passkeys;
  DROP TABLE passkeys;
  ALTER TABLE keys RENAME TO passkeys;
  CREATE TABLE answered (
    challenge TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO answered (challenge, expires_at) SELECT challenge, expires_at FROM passkey_challenges;
  DROP TABLE passkey_challenges;
  ALTER TABLE answered RENAME TO passkey_challenges;
  `,
];

/** The Player's schema: what the migrations above lead to, in one script. */
export const PLAYER_SCHEMA: Schema = {
  migrations: MIGRATIONS,
  current: `
  CREATE TABLE profile (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pid TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE ratings (
    game_id TEXT PRIMARY KEY,
    rating REAL NOT NULL,
    rd REAL NOT NULL,
    vol REAL NOT NULL,
    games INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at INTEGER
  ) WITHOUT ROWID;
  CREATE TABLE matches (
    match_id TEXT PRIMARY KEY,
    game_id TEXT NOT NULL,
    finished_at INTEGER NOT NULL,
    seat INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    rated INTEGER NOT NULL,
    opponents TEXT NOT NULL,
    rating_before TEXT,
    rating_after TEXT,
    recorded_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX matches_newest ON matches (finished_at DESC, match_id DESC);
  CREATE TABLE passkeys (
    credential_id TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    counter INTEGER NOT NULL,
    transports TEXT NOT NULL,
    backed_up INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
  ) WITHOUT ROWID;
  CREATE TABLE passkey_challenges (
    challenge TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
};
