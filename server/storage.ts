/**
 * SQLite schemas of the Durable Objects. Each object keeps its own beside its SQL (the Match's is
 * in match/store.ts) as a `Schema`: numbered migrations, applied in order, each once, inside one
 * transaction with the bump of `schema_version` (never edit a shipped migration, append a new
 * one), and the schema they lead to as one script, which a blank database gets in one step
 * instead of replaying every migration (test/worker/schemas.test.ts checks that both agree).
 */

/** An object's schema: how a database of any version reaches it, and what a blank one gets. */
export interface Schema {
  /** Migration N at index N - 1. */
  readonly migrations: readonly string[];
  /**
   * What the migrations lead to, as one script: the tables with their final columns (in the
   * order the migrations leave them), the final indexes. Statements separated by `;`, none with
   * parameters; spaces and newlines only between them.
   */
  readonly current: string;
}

/** True when this object has never been given a schema (a Match or Player that holds nothing). */
export function isBlank(sql: SqlStorage): boolean {
  return (
    sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").toArray().length === 0
  );
}

/**
 * Brings the database to the current schema; returns its version. A blank database gets
 * `schema.current` and the version in one script; an older one, the migrations it lacks. Call
 * inside `transactionSync`.
 */
export function applySchema(sql: SqlStorage, schema: Schema): number {
  if (!isBlank(sql)) return upgrade(sql, schema.migrations);
  const version = schema.migrations.length;
  // One call: the schema, then the version (a literal: only the last statement may take parameters).
  sql.exec(
    `${schema.current.trim().replace(/;$/, "")};
    CREATE TABLE schema_version (version INTEGER NOT NULL);
    INSERT INTO schema_version (version) VALUES (${version})`,
  );
  return version;
}

/** Applies the migrations this database lacks, from the first on a blank one; returns the schema version. Call inside `transactionSync`. */
export function migrate(sql: SqlStorage, migrations: readonly string[]): number {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  return upgrade(sql, migrations);
}

/** The migrations after the stored version, given a `schema_version` table. */
function upgrade(sql: SqlStorage, migrations: readonly string[]): number {
  const row = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0];
  const current = row?.version ?? 0;
  if (row === undefined) sql.exec("INSERT INTO schema_version (version) VALUES (0)");
  for (let version = current + 1; version <= migrations.length; version++) {
    sql.exec(migrations[version - 1] as string);
  }
  if (current < migrations.length) sql.exec("UPDATE schema_version SET version = ?", migrations.length);
  return migrations.length;
}
