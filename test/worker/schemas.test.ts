/**
 * Each object's schema in one step (`Schema.current`, what a blank database gets) against its
 * migrations applied in order, and against an older database brought up to date: the same
 * tables (columns in order, with type, NOT NULL, default and primary key; WITHOUT ROWID; CHECK
 * constraints), the same indexes (the automatic ones included: columns, order, uniqueness,
 * partial, SQL) and the same schema version.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DIRECTORY_SCHEMA } from "../../server/directory.ts";
import { LEADERBOARD_SCHEMA } from "../../server/leaderboard.ts";
import { MATCHMAKER_SCHEMA } from "../../server/matchmaking/tickets.ts";
import type { Player } from "../../server/player.ts";
import { PLAYER_SCHEMA } from "../../server/player-schema.ts";
import { MATCH_SCHEMA } from "../../server/match/schema.ts";
import { applySchema, migrate, type Schema } from "../../server/storage.ts";
import { TOURNAMENT_LIST_SCHEMA } from "../../server/tournament/list.ts";
import { TOURNAMENT_SCHEMA } from "../../server/tournament/schema.ts";

/** Every object with a one-step schema: a new one is one more line. */
const SCHEMAS: readonly (readonly [string, Schema])[] = [
  ["Match", MATCH_SCHEMA],
  ["Player", PLAYER_SCHEMA],
  ["Matchmaker", MATCHMAKER_SCHEMA],
  ["Directory", DIRECTORY_SCHEMA],
  ["Leaderboard", LEADERBOARD_SCHEMA],
  ["Tournament", TOURNAMENT_SCHEMA],
  ["TournamentList", TOURNAMENT_LIST_SCHEMA],
];

type Column = { name: string; type: string; notnull: number; dflt_value: string | null; pk: number };
type IndexEntry = { name: string; unique: number; origin: string; partial: number };
type IndexColumn = { name: string | null; desc: number; coll: string; key: number };

/** SQL with its whitespace collapsed, and none just inside parentheses. */
function normal(text: string): string {
  return text.replace(/\s+/g, " ").replace(/\( /g, "(").replace(/ \)/g, ")").trim();
}

/** The CHECK constraints of a CREATE TABLE, each with its balanced parentheses. */
function checks(createTable: string): string[] {
  const found: string[] = [];
  for (const match of createTable.matchAll(/\bCHECK\s*\(/gi)) {
    let depth = 0;
    for (let at = match.index + match[0].length - 1; at < createTable.length; at++) {
      if (createTable[at] === "(") depth++;
      else if (createTable[at] === ")" && --depth === 0) {
        found.push(normal(createTable.slice(match.index, at + 1)));
        break;
      }
    }
  }
  return found.sort();
}

/** Everything about a database's schema that its code could tell apart. */
function shape(sql: SqlStorage) {
  const tables = sql
    .exec<{ name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name",
    )
    .toArray();
  const flags = new Map(
    sql
      .exec<{ name: string; wr: number; strict: number }>("PRAGMA table_list")
      .toArray()
      .map((row) => [row.name, { withoutRowid: row.wr, strict: row.strict }]),
  );
  const indexSql = new Map(
    sql
      .exec<{ name: string; sql: string | null }>("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
      .toArray()
      .map((row) => [row.name, row.sql === null ? null : normal(row.sql)]),
  );
  return tables.map((table) => ({
    table: table.name,
    ...flags.get(table.name),
    columns: sql
      .exec<Column>(`PRAGMA table_info(${table.name})`)
      .toArray()
      .map(({ name, type, notnull, dflt_value, pk }) => ({ name, type: type.toUpperCase(), notnull, dflt_value, pk })),
    checks: checks(table.sql),
    indexes: sql
      .exec<IndexEntry>(`PRAGMA index_list(${table.name})`)
      .toArray()
      .map(({ name, unique, origin, partial }) => ({
        name,
        unique,
        origin,
        partial,
        sql: indexSql.get(name) ?? null,
        columns: sql
          .exec<IndexColumn>(`PRAGMA index_xinfo(${name})`)
          .toArray()
          .filter((column) => column.key === 1)
          .map(({ name: column, desc, coll }) => ({ column, desc, coll })),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
  }));
}

function version(sql: SqlStorage): number {
  return sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version;
}

/** Runs `build` on a blank SQLite database (a Player never created touches no storage) and describes the result. */
function built(build: (sql: SqlStorage) => void) {
  return runInDurableObject(env.Player.getByName(`schema-${crypto.randomUUID()}`), (_instance: Player, state) => {
    const sql = state.storage.sql;
    expect(sql.exec("SELECT count(*) AS n FROM sqlite_master").one().n).toBe(0);
    state.storage.transactionSync(() => build(sql));
    return { shape: shape(sql), version: version(sql) };
  });
}

describe.each(SCHEMAS)("the %s schema", (_name, schema) => {
  it("is the same in one step as its migrations applied in order", async () => {
    const [stepped, oneStep] = await Promise.all([
      built((sql) => migrate(sql, schema.migrations)),
      built((sql) => expect(applySchema(sql, schema)).toBe(schema.migrations.length)),
    ]);
    expect(oneStep.shape.length).toBeGreaterThan(1);
    expect(oneStep).toEqual(stepped);
    expect(oneStep.version).toBe(schema.migrations.length);
  });

  it.each(Array.from({ length: schema.migrations.length - 1 }, (_, i) => i + 1))(
    "brings a database at version %i up to the same schema with the migrations it lacks",
    async (from) => {
      const [upgraded, oneStep] = await Promise.all([
        built((sql) => {
          migrate(sql, schema.migrations.slice(0, from));
          expect(version(sql)).toBe(from);
          applySchema(sql, schema);
        }),
        built((sql) => applySchema(sql, schema)),
      ]);
      expect(upgraded).toEqual(oneStep);
    },
  );
});
