/**
 * The leaderboard: ranking and paging, late standings, and updates sent by players, retried
 * with backoff when the board is down. One file, since every test here shares the same board.
 */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { LeaderboardPage } from "../../server/leaderboard.ts";
import { RETRY_BASE_MS, type Player } from "../../server/player.ts";
import { INITIAL_RATING } from "../../server/ratings.ts";
import { api } from "./helpers.ts";
import {
  board,
  boardDown,
  clearBoard,
  createPlayer,
  type ErrorBody,
  GAME,
  HOLD_MS,
  makeDue,
  outboxOf,
  OUTBOX,
  type OutboxRow,
  player,
  profileOf,
  recordHeld,
  reportFor,
  runAlarmHeld,
  type Side,
} from "./players-helpers.ts";

describe("GET /api/leaderboard/:game", () => {
  const standings = [
    { pid: "board-pid-e", name: "Eve", rating: 1400, rd: 80, games: 9 },
    { pid: "board-pid-b", name: "Bo", rating: 1650, rd: 90, games: 4 },
    { pid: "board-pid-a", name: "Al", rating: 1700, rd: 60, games: 12 },
    { pid: "board-pid-d", name: "Di", rating: 1600, rd: 70, games: 3 },
    { pid: "board-pid-c", name: "Cy", rating: 1600, rd: 75, games: 5 },
  ];

  it("ranks players by rating, best first, a page at a time", async () => {
    await clearBoard(GAME);
    const stub = env.Leaderboard.getByName(GAME);
    for (const entry of standings) await stub.upsert(entry);
    const first = await board("?limit=2");
    expect(first).toEqual({
      gameId: GAME,
      entries: [
        { rank: 1, playerId: "board-pid-a", name: "Al", rating: 1700, rd: 60, games: 12 },
        { rank: 2, playerId: "board-pid-b", name: "Bo", rating: 1650, rd: 90, games: 4 },
      ],
      next: 2,
    });
    const second = await board(`?offset=${first.next}&limit=2`);
    // Equal ratings keep a stable order (by player id).
    expect(second.entries.map((entry) => [entry.rank, entry.playerId])).toEqual([
      [3, "board-pid-c"],
      [4, "board-pid-d"],
    ]);
    expect(second.next).toBe(4);
    const last = await board(`?offset=${second.next}&limit=2`);
    expect(last.entries.map((entry) => [entry.rank, entry.name])).toEqual([[5, "Eve"]]);
    expect(last.next).toBeNull();
    expect((await board()).entries.map((entry) => entry.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(await board("?offset=50")).toEqual({ gameId: GAME, entries: [], next: null });
  });

  it("keeps a player's newer standing when an older one arrives late", async () => {
    await clearBoard(GAME);
    const stub = env.Leaderboard.getByName(GAME);
    await stub.upsert({ pid: "late-pid-01", name: "Al", rating: 1620, rd: 200, games: 2 });
    await stub.upsert({ pid: "late-pid-01", name: "Al", rating: 1660, rd: 290, games: 1 });
    expect((await board()).entries).toEqual([
      { rank: 1, playerId: "late-pid-01", name: "Al", rating: 1620, rd: 200, games: 2 },
    ]);
  });

  it.each([
    { case: "a negative offset", query: "?offset=-1" },
    { case: "an offset that is not a number", query: "?offset=abc" },
    { case: "a limit of 0", query: "?limit=0" },
    { case: "a limit over 100", query: "?limit=101" },
    { case: "a fractional limit", query: "?limit=1.5" },
  ])("refuses $case with 400 bad-request", async ({ query }) => {
    const response = await api<ErrorBody>(`/api/leaderboard/${GAME}${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("bad-request");
  });

  it.each(["go", "Tic-Tac-Toe", "__proto__"])("answers 404 not-found for the unknown game %s", async (game) => {
    const response = await api<ErrorBody>(`/api/leaderboard/${game}`);
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("not-found");
  });
});

describe("leaderboard updates from players", () => {
  it("lists a player's new rating once the player's alarm has run, and not before", async () => {
    await clearBoard(GAME);
    const [a, b] = await Promise.all([createPlayer("Ada"), createPlayer("Brian")]);
    const ada: Side = { pid: a.playerId, name: "Ada", seat: 0, rating: INITIAL_RATING };
    const brian: Side = { pid: b.playerId, name: "Brian", seat: 1, rating: INITIAL_RATING };
    const won = reportFor(ada, brian, 1);
    const armed = await recordHeld(ada.pid, won);
    await recordHeld(brian.pid, reportFor(brian, ada, 0, { matchId: won.matchId }));
    // The update is due at once, but sending it is the alarm's job.
    expect(armed).not.toBeNull();
    expect(armed).toBeLessThanOrEqual(Date.now());
    expect((await board()).entries).toEqual([]);

    expect(await runDurableObjectAlarm(player(ada.pid))).toBe(true);
    const adaRating = (await profileOf(ada.pid)).ratings[GAME];
    expect((await board()).entries).toEqual([
      { rank: 1, playerId: ada.pid, name: "Ada", rating: adaRating?.rating, rd: adaRating?.rd, games: 1 },
    ]);

    expect(await runDurableObjectAlarm(player(brian.pid))).toBe(true);
    expect((await board()).entries.map((entry) => [entry.rank, entry.playerId])).toEqual([
      [1, ada.pid],
      [2, brian.pid],
    ]);
    // Sent: nothing left queued, and no alarm left to run.
    expect(await outboxOf(ada.pid)).toEqual({ alarm: null, rows: [] });
    expect(await runDurableObjectAlarm(player(ada.pid))).toBe(false);
  });

  it("retries a failed update with backoff until the leaderboard takes it", async () => {
    const gameId = "retry-test";
    const stub = env.Leaderboard.getByName(gameId);
    const created = await createPlayer("Ada");
    const ada: Side = { pid: created.playerId, name: "Ada", seat: 0, rating: INITIAL_RATING };
    const opponent: Side = { pid: "someone-else-01", name: "Brian", seat: 1, rating: INITIAL_RATING };
    await recordHeld(ada.pid, reportFor(ada, opponent, 1, { gameId }));
    // The board refuses every write until it is back. The failure is made on the Player's side
    // of the call: a Leaderboard that throws out of its RPC method is reported by the Workers
    // test runtime as an uncaught exception even though the Player catches it
    // (cloudflare/workers-sdk#14736), which would print a false alarm from a passing test.
    await boardDown(ada.pid, true);

    const failed = await runAlarmHeld(ada.pid);
    expect(failed.outbox).toEqual([{ game_id: gameId, seq: 1, attempts: 1, due_at: expect.any(Number) }]);
    const due = failed.outbox[0]!.due_at;
    expect(due - failed.started).toBeGreaterThanOrEqual(RETRY_BASE_MS / 2);
    expect(due - failed.now).toBeLessThanOrEqual(RETRY_BASE_MS);
    expect(failed.alarm).toBe(due);

    // Before the retry is due, the alarm sends nothing and re-arms for the same time.
    const early = await runAlarmHeld(ada.pid);
    expect(early.outbox).toEqual(failed.outbox);
    expect(early.alarm).toBe(due);

    // Due again and still failing: the next wait is longer.
    await makeDue(ada.pid);
    const again = await runAlarmHeld(ada.pid);
    expect(again.outbox[0]?.attempts).toBe(2);
    expect(again.outbox[0]!.due_at - again.started).toBeGreaterThanOrEqual(RETRY_BASE_MS);

    await boardDown(ada.pid, false);
    await makeDue(ada.pid);
    expect(await runDurableObjectAlarm(player(ada.pid))).toBe(true);
    expect(await outboxOf(ada.pid)).toEqual({ alarm: null, rows: [] });
    const page: LeaderboardPage = await stub.page(0, 10);
    expect(page.entries).toMatchObject([{ rank: 1, playerId: ada.pid, games: 1 }]);
  });

  it("keeps a match recorded while an update is in flight queued for the next send", async () => {
    await clearBoard(GAME);
    const created = await createPlayer("Ada");
    const ada: Side = { pid: created.playerId, name: "Ada", seat: 0, rating: INITIAL_RATING };
    const opponent: Side = { pid: "someone-else-02", name: "Brian", seat: 1, rating: INITIAL_RATING };
    await recordHeld(ada.pid, reportFor(ada, opponent, 1));
    const left = await runInDurableObject(player(ada.pid), async (instance: Player, state) => {
      await state.storage.deleteAlarm();
      // The alarm reads the outbox and starts its send; the second match lands before the send returns.
      const sending = instance.alarm();
      await instance.recordMatch(reportFor(ada, opponent, 1));
      await state.storage.setAlarm(Date.now() + HOLD_MS);
      await sending;
      const rows = state.storage.sql.exec<OutboxRow>(OUTBOX).toArray();
      await state.storage.setAlarm(Date.now() + HOLD_MS);
      return rows;
    });
    expect(left).toMatchObject([{ game_id: GAME, seq: 2, attempts: 0 }]);
    expect((await board()).entries).toMatchObject([{ playerId: ada.pid, games: 1 }]);
    expect(await runDurableObjectAlarm(player(ada.pid))).toBe(true);
    const standing = (await profileOf(ada.pid)).ratings[GAME];
    expect((await board()).entries).toEqual([
      { rank: 1, playerId: ada.pid, name: "Ada", rating: standing?.rating, rd: standing?.rd, games: 2 },
    ]);
  });
});
