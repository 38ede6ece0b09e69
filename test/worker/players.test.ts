import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { verifyToken } from "../../server/auth.ts";
import type { MatchReport } from "../../server/contracts.ts";
import type { Leaderboard, LeaderboardPage } from "../../server/leaderboard.ts";
import { RETRY_BASE_MS, type Player, type PlayerProfile } from "../../server/player.ts";
import { INITIAL_RATING, rated, type Rating } from "../../server/ratings.ts";
import { HTTP_ERRORS } from "../../shared/protocol.ts";
import { TEST_TOKEN_SECRET } from "../secret.ts";
import { api } from "./helpers.ts";

type ErrorBody = { error: { code: string; message: string } };
type CreatedPlayer = { playerId: string; name: string; token: string };
type OutboxRow = { game_id: string; seq: number; attempts: number; due_at: number };

const GAME = "tic-tac-toe";
/** Far enough ahead that the platform never fires a held alarm while a test runs. */
const HOLD_MS = 60 * 60 * 1000;

/** A client address of its own, so the per-address creation limit never couples tests. */
function address(): string {
  return `test-${crypto.randomUUID()}`;
}

async function createPlayer(name: string): Promise<CreatedPlayer> {
  const created = await api<CreatedPlayer>("/api/players", {
    body: { name },
    headers: { "cf-connecting-ip": address() },
  });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

function player(pid: string) {
  return env.Player.getByName(pid);
}

async function profileOf(pid: string): Promise<PlayerProfile> {
  const response = await api<PlayerProfile>(`/api/players/${pid}`);
  expect(response.status).toBe(200);
  return response.body;
}

/** One side of a two-player match, as the Match knows it when the match ends. */
interface Side {
  readonly pid: string;
  readonly name: string;
  readonly seat: number;
  readonly rating: Rating;
}

/** What a Match reports to `me` after a match against `them`; `score` is mine. */
function reportFor(me: Side, them: Side, score: 0 | 0.5 | 1, extra: Partial<MatchReport> = {}): MatchReport {
  return {
    matchId: `m-${crypto.randomUUID()}`,
    gameId: GAME,
    finishedAt: Date.now(),
    rated: true,
    seat: me.seat,
    outcome: score === 1 ? "win" : score === 0 ? "loss" : "draw",
    reason: "line",
    opponents: [{ pid: them.pid, name: them.name, seat: them.seat, rating: them.rating, score }],
    ...extra,
  };
}

/**
 * Records a match inside the Player and pushes the alarm it set an hour out before the platform
 * can fire it, so the test decides when the outbox is sent. Returns the alarm time recordMatch set.
 */
async function recordHeld(pid: string, report: MatchReport): Promise<number | null> {
  return runInDurableObject(player(pid), async (instance: Player, state) => {
    await instance.recordMatch(report);
    const armed = await state.storage.getAlarm();
    if (armed !== null) await state.storage.setAlarm(Date.now() + HOLD_MS);
    return armed;
  });
}

/** Runs the Player's alarm now (as runDurableObjectAlarm does), then holds whatever alarm it left. */
async function runAlarmHeld(pid: string) {
  return runInDurableObject(player(pid), async (instance: Player, state) => {
    const started = Date.now();
    await state.storage.deleteAlarm();
    await instance.alarm();
    const after = {
      started,
      alarm: await state.storage.getAlarm(),
      outbox: state.storage.sql.exec<OutboxRow>("SELECT * FROM outbox").toArray(),
      now: Date.now(),
    };
    if (after.alarm !== null) await state.storage.setAlarm(Date.now() + HOLD_MS);
    return after;
  });
}

/**
 * Makes every leaderboard a Player calls refuse its updates (down) or reach the real objects
 * again. The Player reads `this.env` at each send, so the stand-in lasts while the object stays
 * in memory, which it does for the length of a test.
 */
async function boardDown(pid: string, down: boolean): Promise<void> {
  await runInDurableObject(player(pid), (instance: Player) => {
    const real: Env = realEnvs.get(instance) ?? Reflect.get(instance, "env");
    realEnvs.set(instance, real);
    const refusing = { getByName: () => ({ upsert: () => Promise.reject(new Error("board down")) }) };
    const value = down ? { ...real, Leaderboard: refusing } : real;
    Object.defineProperty(instance, "env", { value, configurable: true, writable: true });
  });
}
const realEnvs = new WeakMap<Player, Env>();

/** Time passes for a Player: its queued updates become due. */
async function makeDue(pid: string): Promise<void> {
  await runInDurableObject(player(pid), (_instance: Player, state) => {
    state.storage.sql.exec("UPDATE outbox SET due_at = ?", Date.now() - 1);
  });
}

async function outboxOf(pid: string) {
  return runInDurableObject(player(pid), async (_instance: Player, state) => ({
    alarm: await state.storage.getAlarm(),
    rows: state.storage.sql.exec<OutboxRow>("SELECT * FROM outbox").toArray(),
  }));
}

async function tablesOf(pid: string): Promise<string[]> {
  return runInDurableObject(player(pid), (_instance: Player, state) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master")
      .toArray()
      .map((row) => row.name),
  );
}

/** Empties a game's board: the board outlives single tests. */
async function clearBoard(gameId: string): Promise<void> {
  await runInDurableObject(env.Leaderboard.getByName(gameId), (_instance: Leaderboard, state) => {
    state.storage.sql.exec("DELETE FROM entries");
  });
}

async function board(query = ""): Promise<LeaderboardPage> {
  const response = await api<LeaderboardPage>(`/api/leaderboard/${GAME}${query}`);
  expect(response.status).toBe(200);
  return response.body;
}

describe("POST /api/players", () => {
  it("creates a player with a fresh id and a token that names the same id and name", async () => {
    const first = await createPlayer("  Zoë  ");
    const second = await createPlayer("Zoë");
    expect(first.playerId).toMatch(/^[A-Za-z0-9_-]{21}$/);
    expect(second.playerId).not.toBe(first.playerId);
    expect(first.name).toBe("Zoë");
    const claims = await verifyToken(TEST_TOKEN_SECRET, first.token);
    expect(claims.ok && claims.value).toMatchObject({ pid: first.playerId, name: "Zoë" });
  });

  it.each([
    { case: "an empty name", body: { name: "   " } },
    { case: "a name of 25 characters", body: { name: "x".repeat(25) } },
    { case: "a name with markup", body: { name: "<b>Ada</b>" } },
    { case: "a missing name", body: {} },
    { case: "an extra field", body: { name: "Ada", admin: true } },
    { case: "a name that is not a string", body: { name: 42 } },
    // Issue 14: names of combining marks alone, one of them invisible, were accepted.
    { case: "a name of one combining grapheme joiner", body: { name: "\u034f" } },
    { case: "a name of two combining accents", body: { name: "\u0301\u0301" } },
    { case: "a name of one combining enclosing circle", body: { name: "\u20dd" } },
    { case: "a name of a space and an accent", body: { name: " \u0301" } },
  ])("refuses $case with 400 bad-request", async ({ body }) => {
    const response = await api<ErrorBody>("/api/players", { body, headers: { "cf-connecting-ip": address() } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("bad-request");
    expect(response.body.error.message.length).toBeGreaterThan(0);
  });

  it("allows 30 creations a minute from one address and answers the 31st with 429 rate-limited", async () => {
    const crowded = address();
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      statuses.push(
        (await api("/api/players", { body: { name: `P${i}` }, headers: { "cf-connecting-ip": crowded } })).status,
      );
    }
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(201));
    const refused = await api<ErrorBody>("/api/players", {
      body: { name: "Late" },
      headers: { "cf-connecting-ip": crowded },
    });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate-limited");
    expect(HTTP_ERRORS).toContain(refused.body.error.code);
    // The limit is per address: another one is unaffected.
    expect(
      (await api("/api/players", { body: { name: "Other" }, headers: { "cf-connecting-ip": address() } })).status,
    ).toBe(201);
  });

  it("keeps the first name when the same player is created again", async () => {
    const created = await createPlayer("Ada");
    await player(created.playerId).create({ pid: created.playerId, name: "Mallory" });
    expect((await profileOf(created.playerId)).name).toBe("Ada");
  });
});

describe("GET /api/players/:id", () => {
  it("shows a fresh player with no ratings and no matches", async () => {
    const created = await createPlayer("Ada");
    const profile = await profileOf(created.playerId);
    expect(profile).toEqual({
      playerId: created.playerId,
      name: "Ada",
      createdAt: expect.any(Number),
      ratings: {},
      recent: [],
    });
  });

  it("answers 404 not-found for an id never created, and leaves that object without storage", async () => {
    const pid = "never-created-0001";
    const response = await api<ErrorBody>(`/api/players/${pid}`);
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("not-found");
    expect(await player(pid).rating(GAME)).toEqual(INITIAL_RATING);
    expect(await tablesOf(pid)).toEqual([]);
  });

  it.each(["short", "has%20space", "x".repeat(33), "dots.dots.dots"])(
    "answers 400 bad-request for the malformed id %s",
    async (id) => {
      const response = await api<ErrorBody>(`/api/players/${id}`);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("bad-request");
    },
  );
});

describe("Player.recordMatch", () => {
  async function twoPlayers() {
    const [a, b] = await Promise.all([createPlayer("Ada"), createPlayer("Brian")]);
    const ada: Side = { pid: a.playerId, name: "Ada", seat: 0, rating: INITIAL_RATING };
    const brian: Side = { pid: b.playerId, name: "Brian", seat: 1, rating: INITIAL_RATING };
    return { ada, brian };
  }

  it("rates a win and the matching loss exactly as Glicko-2 does, and records both sides", async () => {
    const { ada, brian } = await twoPlayers();
    const won = reportFor(ada, brian, 1);
    await recordHeld(ada.pid, won);
    await recordHeld(brian.pid, reportFor(brian, ada, 0, { matchId: won.matchId, finishedAt: won.finishedAt }));

    const winner = rated(INITIAL_RATING, [{ opponent: INITIAL_RATING, score: 1 }]);
    const loser = rated(INITIAL_RATING, [{ opponent: INITIAL_RATING, score: 0 }]);
    expect(winner.rating).toBeGreaterThan(INITIAL_RATING.rating);
    expect(await player(ada.pid).rating(GAME)).toEqual(winner);
    expect(await player(brian.pid).rating(GAME)).toEqual(loser);

    const profile = await profileOf(ada.pid);
    expect(profile.ratings).toEqual({ [GAME]: { ...winner, games: 1 } });
    expect(profile.recent).toEqual([
      {
        matchId: won.matchId,
        gameId: GAME,
        finishedAt: won.finishedAt,
        seat: 0,
        outcome: "win",
        reason: "line",
        rated: true,
        // Who sat where, without the ratings and scores the report carried; the key is playerId
        // as everywhere else (http-api.md once said pid: issue 14).
        opponents: [{ playerId: brian.pid, name: "Brian", seat: 1 }],
        ratingBefore: INITIAL_RATING,
        ratingAfter: winner,
      },
    ]);
    expect((await profileOf(brian.pid)).recent[0]).toMatchObject({ outcome: "loss", seat: 1, ratingAfter: loser });
  });

  it("rates the next match from the rating the last one left", async () => {
    const { ada, brian } = await twoPlayers();
    await recordHeld(ada.pid, reportFor(ada, brian, 1));
    const afterOne = rated(INITIAL_RATING, [{ opponent: INITIAL_RATING, score: 1 }]);
    await recordHeld(ada.pid, reportFor(ada, brian, 0.5));
    const afterTwo = rated(afterOne, [{ opponent: INITIAL_RATING, score: 0.5 }]);
    expect((await profileOf(ada.pid)).ratings[GAME]).toEqual({ ...afterTwo, games: 2 });
  });

  it("changes nothing when the same report is delivered twice", async () => {
    const { ada, brian } = await twoPlayers();
    const report = reportFor(ada, brian, 1);
    await recordHeld(ada.pid, report);
    const once = await profileOf(ada.pid);
    const queued = await outboxOf(ada.pid);
    await recordHeld(ada.pid, report);
    const twice = await profileOf(ada.pid);
    expect(twice).toEqual(once);
    expect(twice.ratings[GAME]?.games).toBe(1);
    expect(twice.recent).toHaveLength(1);
    expect((await outboxOf(ada.pid)).rows).toEqual(queued.rows);
  });

  it.each([
    { case: "an unrated match", extra: { rated: false } },
    { case: "an aborted rated match", extra: { outcome: "aborted", reason: "abandoned" } as const },
  ])("records $case without touching ratings or the leaderboard", async ({ extra }) => {
    const { ada, brian } = await twoPlayers();
    const report = reportFor(ada, brian, 1, extra);
    // Over RPC, as a Match calls it; nothing is queued, so no alarm can race the test.
    await player(ada.pid).recordMatch(report);
    const profile = await profileOf(ada.pid);
    expect(profile.ratings).toEqual({});
    expect(profile.recent).toHaveLength(1);
    expect(profile.recent[0]).toMatchObject({
      matchId: report.matchId,
      rated: report.rated,
      outcome: report.outcome,
      ratingBefore: null,
      ratingAfter: null,
    });
    expect(await player(ada.pid).rating(GAME)).toEqual(INITIAL_RATING);
    expect(await outboxOf(ada.pid)).toEqual({ alarm: null, rows: [] });
  });

  it("lists the 20 newest matches, newest first", async () => {
    const { ada, brian } = await twoPlayers();
    const reports = Array.from({ length: 22 }, (_, i) =>
      reportFor(ada, brian, 1, { rated: false, finishedAt: 1_000_000 + i }),
    );
    for (const report of reports) await player(ada.pid).recordMatch(report);
    const recent = (await profileOf(ada.pid)).recent;
    expect(recent.map((record) => record.matchId)).toEqual(
      reports
        .slice(2)
        .reverse()
        .map((report) => report.matchId),
    );
  });
});

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
      const rows = state.storage.sql.exec<OutboxRow>("SELECT * FROM outbox").toArray();
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
