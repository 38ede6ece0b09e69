/**
 * The Matchmaker's migration 3 (a ticket as one row, open and finished tickets apart) keeps
 * every ticket as its owner sees it and every match still being made.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { MATCHMAKER_SCHEMA } from "../../server/matchmaking/tickets.ts";
import type { Player } from "../../server/player.ts";
import { applySchema, migrate } from "../../server/storage.ts";

const RATING = JSON.stringify({ rating: 1500, rd: 350, vol: 0.06 });

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
