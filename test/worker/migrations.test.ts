/**
 * Migrations that move data keep it: the Matchmaker's 3 (a ticket as one row, open and finished
 * tickets apart) keeps every ticket as its owner sees it and every match still being made; the
 * Player's 3 (WITHOUT ROWID tables, the leaderboard outbox in the ratings row) keeps the profile,
 * ratings, history, passkeys and what was queued for the leaderboard; the Leaderboard's and the
 * Directory's 2 (WITHOUT ROWID) keep every row.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DIRECTORY_SCHEMA } from "../../server/directory.ts";
import { LEADERBOARD_SCHEMA } from "../../server/leaderboard.ts";
import { MATCHMAKER_SCHEMA } from "../../server/matchmaking/tickets.ts";
import type { Player } from "../../server/player.ts";
import { PLAYER_SCHEMA } from "../../server/player-schema.ts";
import { applySchema, migrate, type Schema } from "../../server/storage.ts";

const RATING = JSON.stringify({ rating: 1500, rd: 350, vol: 0.06 });

describe("the Matchmaker's migration 3", () => {
  it("moves open tickets, finished tickets and the groups still forming to the new tables", async () => {
    // A blank database: a Player never created touches no storage.
    const rows = await runInDurableObject(env.Player.getByName(`mm-${crypto.randomUUID()}`), (_i: Player, state) => {
      const sql = state.storage.sql;
      return state.storage.transactionSync(() => {
        migrate(sql, MATCHMAKER_SCHEMA.migrations.slice(0, 2));
        const ticket = (
          id: string,
          status: string,
          extra: { match?: string; seat?: number; collected?: number; started?: number; closed?: number } = {},
        ) =>
          sql.exec(
            `INSERT INTO tickets (id, player_id, name, rating, since, last_seen, status, match_id, seat, collected_at, started, closed_at, bot_after)
           VALUES (?, ?, ?, ?, 100, 200, ?, ?, ?, ?, ?, ?, ?)`,
            id,
            `p-${id}`,
            `Name ${id}`,
            RATING,
            status,
            extra.match ?? null,
            extra.seat ?? null,
            extra.collected ?? null,
            extra.started ?? 0,
            extra.closed ?? null,
            id === "waiting" ? 5_000 : null,
          );
        ticket("waiting", "waiting");
        ticket("seat0", "matched", { match: "forming", seat: 0, collected: 300 });
        ticket("seat1", "matched", { match: "forming", seat: 1 });
        ticket("played", "matched", { match: "started", seat: 1, collected: 300, started: 1, closed: 400 });
        ticket("cancelled", "cancelled", { closed: 500 });
        ticket("expired", "expired", { match: "called-off", seat: 0, closed: 600 });
        sql.exec(
          `INSERT INTO groups (match_id, created_at, collect_by, created, attempts, started, cancelled, bot) VALUES
           ('forming', 250, 9000, 1, 1, 0, 0, NULL), ('started', 250, 9000, 1, 1, 1, 0, NULL),
           ('called-off', 250, 9000, 1, 2, 0, 1, 'random')`,
        );
        expect(applySchema(sql, MATCHMAKER_SCHEMA)).toBe(MATCHMAKER_SCHEMA.migrations.length);
        return {
          open: sql.exec("SELECT * FROM open_tickets ORDER BY id").toArray(),
          closed: sql.exec("SELECT * FROM closed_tickets ORDER BY id").toArray(),
          groups: sql.exec("SELECT * FROM groups").toArray(),
          old: sql.exec("SELECT name FROM sqlite_master WHERE name IN ('tickets', 'forming')").toArray(),
        };
      });
    });
    const open = (id: string, extra: Record<string, unknown>) => ({
      id,
      player_id: `p-${id}`,
      name: `Name ${id}`,
      rating: RATING,
      since: 100,
      last_seen: 200,
      bot_after: null,
      match_id: null,
      seat: null,
      collected_at: null,
      ...extra,
    });
    const closed = (id: string, status: string, closedAt: number, extra: Record<string, unknown> = {}) => ({
      id,
      player_id: `p-${id}`,
      since: 100,
      status,
      match_id: null,
      seat: null,
      closed_at: closedAt,
      ...extra,
    });
    expect(rows).toEqual({
      open: [
        open("seat0", { match_id: "forming", seat: 0, collected_at: 300 }),
        open("seat1", { match_id: "forming", seat: 1 }),
        open("waiting", { bot_after: 5_000 }),
      ],
      closed: [
        closed("cancelled", "cancelled", 500),
        closed("expired", "expired", 600, { match_id: "called-off", seat: 0 }),
        closed("played", "matched", 400, { match_id: "started", seat: 1 }),
      ],
      groups: [{ match_id: "forming", created_at: 250, collect_by: 9000, created: 1, bot: null }],
      old: [],
    });
  });
});

describe("the Player's migration 3", () => {
  it("keeps the profile, ratings, history, passkeys and queued standing of a player made before it", async () => {
    const pid = `migrated-${crypto.randomUUID().slice(0, 8)}`;
    const game = "migration-test";
    const due = Date.now() + 60 * 60 * 1000;
    const seen = await runInDurableObject(env.Player.getByName(pid), async (instance: Player, state) => {
      const sql = state.storage.sql;
      state.storage.transactionSync(() => {
        migrate(sql, PLAYER_SCHEMA.migrations.slice(0, 2));
        sql.exec("INSERT INTO profile (id, pid, name, created_at) VALUES (1, ?, 'Ada', 10)", pid);
        sql.exec(
          `INSERT INTO ratings (game_id, rating, rd, vol, games, updated_at) VALUES
             (?, 1600, 200, 0.06, 3, 20), ('tic-tac-toe', 1400, 300, 0.06, 1, 30)`,
          game,
        );
        sql.exec("INSERT INTO outbox (game_id, seq, attempts, due_at) VALUES (?, 3, 2, ?)", game, due);
        for (const [matchId, finishedAt] of [
          ["m1", 40],
          ["m2", 50],
        ] as const) {
          sql.exec(
            `INSERT INTO matches (match_id, game_id, finished_at, seat, outcome, reason, rated, opponents, rating_before, rating_after, recorded_at)
             VALUES (?, ?, ?, 0, 'win', 'line', 0, '[{"pid":"b","name":"Brian","seat":1}]', NULL, NULL, 60)`,
            matchId,
            game,
            finishedAt,
          );
        }
        sql.exec(
          `INSERT INTO passkeys (credential_id, public_key, counter, transports, backed_up, created_at, last_used_at)
           VALUES ('key-1', ?, 7, '["internal"]', 1, 70, NULL)`,
          new Uint8Array([1, 2, 3]),
        );
        sql.exec("INSERT INTO passkey_challenges (challenge, expires_at) VALUES ('c-1', ?)", due);
      });
      // The object was blank when it started: its first write brings the old schema up to date.
      await instance.create({ pid, name: "Ada" });
      return {
        version: sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version,
        profile: await instance.profile(),
        ratings: sql.exec("SELECT game_id, seq, attempts, due_at FROM ratings ORDER BY game_id").toArray(),
        passkeys: await instance.passkeyAccount(),
        key: await instance.passkeyKey("key-1"),
        challenges: sql.exec("SELECT * FROM passkey_challenges").toArray(),
        alarm: await state.storage.getAlarm(),
      };
    });
    expect(seen.version).toBe(PLAYER_SCHEMA.migrations.length);
    expect(seen.profile).toMatchObject({
      ok: true,
      value: {
        playerId: pid,
        name: "Ada",
        createdAt: 10,
        ratings: {
          [game]: { rating: 1600, rd: 200, vol: 0.06, games: 3 },
          "tic-tac-toe": { rating: 1400, rd: 300, vol: 0.06, games: 1 },
        },
      },
    });
    expect(seen.profile.ok && seen.profile.value.recent.map((record) => record.matchId)).toEqual(["m2", "m1"]);
    expect(seen.ratings).toEqual([
      { game_id: game, seq: 3, attempts: 2, due_at: due },
      { game_id: "tic-tac-toe", seq: 0, attempts: 0, due_at: null },
    ]);
    expect(seen.alarm).toBe(due);
    expect(seen.passkeys?.passkeys).toMatchObject([{ id: "key-1", createdAt: 70, backedUp: true }]);
    expect(seen.key).toMatchObject({ id: "key-1", counter: 7, publicKey: new Uint8Array([1, 2, 3]) });
    expect(seen.challenges).toEqual([{ challenge: "c-1", expires_at: due }]);
  });
});

describe.each([
  {
    name: "Leaderboard",
    schema: LEADERBOARD_SCHEMA,
    table: "entries",
    rows: `INSERT INTO entries (pid, name, rating, rd, games, updated_at) VALUES
      ('a', 'Ada', 1600.5, 80, 12, 1), ('b', 'Brian', 1400, 200, 3, 2)`,
  },
  {
    name: "Directory",
    schema: DIRECTORY_SCHEMA,
    table: "live",
    rows: `INSERT INTO live (match_id, game_id, players, moves, started_at, rated, updated_at) VALUES
      ('m1', 'chess', '[]', 4, 10, 1, 11), ('m2', 'connect-four', '[{"name":"Ada"}]', 0, 20, 0, 21)`,
  },
] satisfies { name: string; schema: Schema; table: string; rows: string }[])(
  "the $name's migration 2",
  ({ schema, table, rows }) => {
    it("keeps every row", async () => {
      const { before, after } = await runInDurableObject(
        env.Player.getByName(`rows-${crypto.randomUUID()}`),
        (_i: Player, state) => {
          const sql = state.storage.sql;
          return state.storage.transactionSync(() => {
            migrate(sql, schema.migrations.slice(0, 1));
            sql.exec(rows);
            const read = () => sql.exec(`SELECT * FROM ${table} ORDER BY 1`).toArray();
            const before = read();
            applySchema(sql, schema);
            return { before, after: read() };
          });
        },
      );
      expect(before).toHaveLength(2);
      expect(after).toEqual(before);
    });
  },
);
