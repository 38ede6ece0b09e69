import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Match } from "../../server/match.ts";
import { HTTP_ERRORS, LIMITS, PROTOCOL_VERSION, type JoinResult, type LoggedEvent, type MatchSummary } from "../../shared/protocol.ts";
import { api, Client, createMatch, joinMatch, startedMatch } from "./helpers.ts";

type ErrorBody = { error: { code: string; message: string } };

describe("GET /api/games", () => {
  it("lists every game with its limits and default options", async () => {
    const response = await api<{ protocol: number; games: { id: string; minPlayers: number; defaultOptions: unknown; defaultTurnMs: number }[] }>("/api/games");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect(response.body.protocol).toBe(PROTOCOL_VERSION);
    expect(response.body.games.map((game) => game.id).sort()).toEqual(["connect-four", "tic-tac-toe"]);
    for (const game of response.body.games) expect(game).toMatchObject({ minPlayers: 2, defaultOptions: {}, defaultTurnMs: 30_000 });
  });
});

describe("POST /api/matches", () => {
  it("creates a waiting match with a fresh id and the game's default turn time", async () => {
    const first = await createMatch("connect-four");
    const second = await createMatch("connect-four");
    expect(first.matchId).toMatch(/^[A-Za-z0-9_-]{21}$/);
    expect(second.matchId).not.toBe(first.matchId);
    expect(first).toMatchObject({ gameId: "connect-four", status: "waiting", seats: [], capacity: 2, seq: 0, turnMs: 30_000, turn: null });
  });

  it("takes a per-move time limit within bounds", async () => {
    expect((await createMatch("tic-tac-toe", { turnMs: LIMITS.minTurnMs })).turnMs).toBe(LIMITS.minTurnMs);
    for (const turnMs of [LIMITS.minTurnMs - 1, LIMITS.maxTurnMs + 1, 1.5, "30000"]) {
      const refused = await api<ErrorBody>("/api/matches", { body: { game: "tic-tac-toe", turnMs } });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe("bad-request");
    }
  });

  it.each([
    { name: "an unknown game", body: { game: "chess" }, status: 400, code: "unknown-game" },
    { name: "a malformed game id", body: { game: "Chess!" }, status: 400, code: "bad-request" },
    { name: "an unknown option", body: { game: "tic-tac-toe", options: { size: 4 } }, status: 400, code: "bad-options" },
    { name: "an extra field", body: { game: "tic-tac-toe", colour: "red" }, status: 400, code: "bad-request" },
    { name: "a body that is not an object", body: [1, 2], status: 400, code: "bad-request" },
    { name: "invalid JSON", raw: "{game:", status: 400, code: "bad-request" },
    { name: "a body over the limit", raw: JSON.stringify({ game: "x".repeat(LIMITS.bodyBytes) }), status: 413, code: "too-large" },
  ])("refuses $name with $status $code", async ({ body, raw, status, code }) => {
    const response = await api<ErrorBody>("/api/matches", raw === undefined ? { body } : { raw, method: "POST" });
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(HTTP_ERRORS).toContain(response.body.error.code);
    expect(response.body.error.message.length).toBeGreaterThan(0);
  });
});

describe("POST /api/matches/:id/join", () => {
  it("seats players in order, starts the match when full, and refuses a third with 409", async () => {
    const match = await createMatch("tic-tac-toe");
    const first = await joinMatch(match.matchId, "  Zoë  ");
    expect(first).toMatchObject({ matchId: match.matchId, seat: 0 });
    expect(first.token.split(".")).toHaveLength(2);
    expect((await api<MatchSummary>(`/api/matches/${match.matchId}`)).body).toMatchObject({ status: "waiting", seats: [{ seat: 0, name: "Zoë" }] });
    const second = await joinMatch(match.matchId, "李雷");
    expect(second.seat).toBe(1);
    expect(second.playerId).not.toBe(first.playerId);
    const summary = (await api<MatchSummary>(`/api/matches/${match.matchId}`)).body;
    expect(summary).toMatchObject({ status: "playing", seq: 3, turn: { seats: [0] } });
    expect(summary.startedAt).toBeTypeOf("number");
    const third = await api<ErrorBody>(`/api/matches/${match.matchId}/join`, { body: { name: "Cleo" } });
    expect(third.status).toBe(409);
    expect(third.body.error.code).toBe("match-full");
  });

  it("gives exactly one seat each to many players racing for two", async () => {
    const match = await createMatch("connect-four");
    const attempts = await Promise.all(
      Array.from({ length: 8 }, (_, i) => api<JoinResult | ErrorBody>(`/api/matches/${match.matchId}/join`, { body: { name: `P${i}` } })),
    );
    const seated = attempts.filter((attempt) => attempt.status === 200).map((attempt) => (attempt.body as JoinResult).seat);
    expect(seated.sort()).toEqual([0, 1]);
    expect(attempts.filter((attempt) => attempt.status === 409)).toHaveLength(6);
    const log = await api<{ events: LoggedEvent[] }>(`/api/matches/${match.matchId}/events`);
    expect(log.body.events.map((event) => event.kind)).toEqual(["join", "join", "start"]);
  });

  it.each([
    { name: "", why: "empty" },
    { name: "   ", why: "only spaces" },
    { name: "x".repeat(25), why: "too long" },
    { name: "<script>", why: "markup" },
    { name: 42, why: "not a string" },
  ])("refuses a display name that is $why with 400", async ({ name }) => {
    const match = await createMatch("tic-tac-toe");
    const response = await api<ErrorBody>(`/api/matches/${match.matchId}/join`, { body: { name } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("bad-request");
    expect((await api<MatchSummary>(`/api/matches/${match.matchId}`)).body.seats).toEqual([]);
  });

  it("answers 404 for an unknown match without creating it", async () => {
    const response = await api<ErrorBody>("/api/matches/NoSuchMatch0000/join", { body: { name: "Ada" } });
    expect(response.status).toBe(404);
    expect((await api("/api/matches/NoSuchMatch0000")).status).toBe(404);
    const tables = await runInDurableObject(env.Match.getByName("NoSuchMatch0000"), (_instance: Match, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'").toArray(),
    );
    expect(tables).toEqual([]);
  });
});

describe("GET /api/matches/:id and its events", () => {
  it("pages through the public log", async () => {
    const { matchId, tokens } = await startedMatch("connect-four");
    const player = await Client.connect(matchId, tokens[0]);
    const other = await Client.connect(matchId, tokens[1]);
    let seq = (await player.next("snapshot")).state.seq;
    for (let ply = 0; ply < 4; ply++) {
      const mover = ply % 2 === 0 ? player : other;
      mover.send({ type: "move", id: `p${ply}`, seq, move: { column: ply } });
      seq = (await mover.next("event", (frame) => frame.event.seq === seq + 1)).event.seq;
    }
    const first = await api<{ events: LoggedEvent[]; next: number | null }>(`/api/matches/${matchId}/events?limit=3`);
    expect(first.body.events.map((event) => event.seq)).toEqual([1, 2, 3]);
    expect(first.body.next).toBe(3);
    const second = await api<{ events: LoggedEvent[]; next: number | null }>(`/api/matches/${matchId}/events?after=3&limit=3`);
    expect(second.body.events.map((event) => event.seq)).toEqual([4, 5, 6]);
    const last = await api<{ events: LoggedEvent[]; next: number | null }>(`/api/matches/${matchId}/events?after=6`);
    expect(last.body.events.map((event) => event.seq)).toEqual([7]);
    expect(last.body.next).toBeNull();
    expect(last.body.events[0]).toMatchObject({ kind: "move", seat: 1, move: { column: 3 }, id: "p3" });
  });

  it.each([
    { query: "?after=-1", why: "a negative after" },
    { query: "?limit=0", why: "a zero limit" },
    { query: `?limit=${LIMITS.eventsPage + 1}`, why: "a limit over the page size" },
    { query: "?after=abc", why: "a non-numeric after" },
  ])("refuses $why with 400", async ({ query }) => {
    const match = await createMatch("tic-tac-toe");
    const response = await api<ErrorBody>(`/api/matches/${match.matchId}/events${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("bad-request");
  });

  it("refuses malformed ids with 400, unknown routes with 404 and wrong methods with 405", async () => {
    expect((await api<ErrorBody>("/api/matches/bad!id")).body.error.code).toBe("bad-request");
    expect((await api<ErrorBody>("/api/nothing-here")).status).toBe(404);
    const wrongMethod = await api<ErrorBody>("/api/games", { method: "DELETE" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET");
  });
});
