/**
 * SQLite schemas of the Durable Objects. Migrations are numbered and applied in order, each
 * once, inside one transaction with the bump of `schema_version`; never edit a shipped
 * migration, append a new one.
 */

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
  // 4: a tournament's game tells its Tournament object how it ended.
  `
  ALTER TABLE match ADD COLUMN tournament_id TEXT;
  `,
];

/** True when this object has never been given a schema (it holds no match). */
export function isBlank(sql: SqlStorage): boolean {
  return (
    sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").toArray().length === 0
  );
}

/** Applies the migrations this database lacks; returns the schema version. Call inside `transactionSync`. */
export function migrate(sql: SqlStorage, migrations: readonly string[]): number {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0];
  const current = row?.version ?? 0;
  if (row === undefined) sql.exec("INSERT INTO schema_version (version) VALUES (0)");
  for (let version = current + 1; version <= migrations.length; version++) {
    sql.exec(migrations[version - 1] as string);
  }
  if (current < migrations.length) sql.exec("UPDATE schema_version SET version = ?", migrations.length);
  return migrations.length;
}
