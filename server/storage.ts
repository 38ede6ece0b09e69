/**
 * SQLite migrations of the Durable Objects: numbered and applied in order, each once, inside
 * one transaction with the bump of `schema_version`; never edit a shipped migration, append a
 * new one. Each object keeps its own list beside its SQL (the Match's is in match/store.ts).
 */

/** True when this object has never been given a schema (a Match or Player that holds nothing). */
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
