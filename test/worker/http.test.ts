import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Match } from "../../server/match/match.ts";
import {
  HTTP_ERRORS,
  LIMITS,
  PROTOCOL_VERSION,
  type JoinResult,
  type LoggedEvent,
  type MatchSummary,
} from "../../shared/protocol.ts";
import { api, as, Client, createMatch, joinMatch, newPlayer, startedMatch } from "./helpers.ts";

type ErrorBody = { error: { code: string; message: string } };

describe("GET /api/games", () => {
  it("lists every game with its limits and default options", async () => {
    const response = await api<{
      protocol: number;
      games: { id: string; minPlayers: number; defaultOptions: unknown; defaultTimeControl: unknown }[];
    }>("/api/games");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect(response.body.protocol).toBe(PROTOCOL_VERSION);
    expect(response.body.games.map((game) => game.id).sort()).toEqual([
      "battleship",
      "chess",
      "connect-four",
      "crazy-eights",
      "tic-tac-toe",
    ]);
    for (const game of response.body.games) {
      expect(game).toMatchObject({ minPlayers: 2, defaultOptions: {} });
      // One default clock: chess is played on a Fischer clock; the others have a per-move limit.
      expect(game.defaultTimeControl).toEqual(
        game.id === "chess" ? { kind: "fischer", baseMs: 300_000, incrementMs: 3_000 } : { kind: "move", ms: 30_000 },
      );
      expect(game).not.toHaveProperty("defaultTurnMs");
    }
  });
});

describe("POST /api/matches", () => {
  it("creates a waiting match with a fresh id, the game's defaults, and its creator in seat 0", async () => {
    const ada = await newPlayer("Ada");
    const first = await createMatch("connect-four", ada);
    const second = await createMatch("connect-four", ada);
    expect(first.matchId).toMatch(/^[A-Za-z0-9_-]{21}$/);
    expect(second.matchId).not.toBe(first.matchId);
    expect(first).toMatchObject({
      gameId: "connect-four",
      status: "waiting",
      seats: [{ seat: 0, name: "Ada", playerId: ada.playerId }],
      capacity: 2,
      seq: 1,
      turnMs: 30_000,
      graceMs: LIMITS.defaultGraceMs,
      private: false,
      rated: false,
      inviteCode: null,
      creatorId: ada.playerId,
      turn: null,
    });
  });

  it("takes a per-move time limit and a grace period within bounds", async () => {
    const ada = await newPlayer("Ada");
    expect(
      await createMatch("tic-tac-toe", ada, { turnMs: LIMITS.minTurnMs, graceMs: LIMITS.minGraceMs }),
    ).toMatchObject({
      turnMs: LIMITS.minTurnMs,
      graceMs: LIMITS.minGraceMs,
    });
    for (const extra of [
      { turnMs: LIMITS.minTurnMs - 1 },
      { turnMs: LIMITS.maxTurnMs + 1 },
      { turnMs: 1.5 },
      { turnMs: "30000" },
      { graceMs: LIMITS.minGraceMs - 1 },
      { graceMs: LIMITS.maxGraceMs + 1 },
    ]) {
      const refused = await api<ErrorBody>("/api/matches", {
        body: { game: "tic-tac-toe", ...extra },
        headers: as(ada),
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe("bad-request");
    }
  });

  it.each([
    { name: "an unknown game", body: { game: "go" }, status: 400, code: "unknown-game" },
    { name: "a malformed game id", body: { game: "Chess!" }, status: 400, code: "bad-request" },
    {
      name: "an unknown option",
      body: { game: "tic-tac-toe", options: { size: 4 } },
      status: 400,
      code: "bad-options",
    },
    { name: "an extra field", body: { game: "tic-tac-toe", colour: "red" }, status: 400, code: "bad-request" },
    { name: "a body that is not an object", body: [1, 2], status: 400, code: "bad-request" },
    { name: "invalid JSON", raw: "{game:", status: 400, code: "bad-request" },
    {
      name: "a body over the limit",
      raw: JSON.stringify({ game: "x".repeat(LIMITS.bodyBytes) }),
      status: 413,
      code: "too-large",
    },
  ])("refuses $name with $status $code", async ({ body, raw, status, code }) => {
    const ada = await newPlayer("Ada");
    const response = await api<ErrorBody>(
      "/api/matches",
      raw === undefined ? { body, headers: as(ada) } : { raw, method: "POST", headers: as(ada) },
    );
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(HTTP_ERRORS).toContain(response.body.error.code);
    expect(response.body.error.message.length).toBeGreaterThan(0);
  });

  // Issue 14: which of the documented messages each kind of bad header gets (http-api.md §2).
  const ASK_FOR_TOKEN = "send the player token as Authorization: Bearer <token> (POST /api/players gives one)";
  const NOT_VALID = "the token is not valid";
  it.each([
    { why: "no token", header: undefined, message: ASK_FOR_TOKEN },
    { why: "another scheme", header: "Token abc", message: ASK_FOR_TOKEN },
    { why: "a bare token without the scheme", header: "abc.def", message: ASK_FOR_TOKEN },
    { why: "a forged token", header: "Bearer abc.def", message: NOT_VALID },
    // Header values lose trailing spaces on the way in: this one arrives as "Bearer".
    { why: "nothing after the scheme", header: "Bearer ", message: ASK_FOR_TOKEN },
    { why: "a token with base64 padding", header: "Bearer abc=.def=", message: NOT_VALID },
    { why: "a token with a space inside", header: "Bearer abc. def", message: NOT_VALID },
    { why: "two spaces after the scheme", header: "Bearer  abc.def", message: NOT_VALID },
    { why: "a token over 1024 characters", header: `Bearer ${"a".repeat(600)}.${"b".repeat(600)}`, message: NOT_VALID },
  ])("refuses a request with $why with 401 and the documented message", async ({ header, message }) => {
    const headers: Record<string, string> = header === undefined ? {} : { authorization: header };
    const response = await api<ErrorBody>("/api/matches", { body: { game: "tic-tac-toe" }, headers });
    expect(response.status).toBe(401);
    expect(response.body.error).toEqual({ code: "unauthorized", message });
  });

  it("refuses a genuine token padded or spaced with 401 the token is not valid", async () => {
    const ada = await newPlayer("Ada");
    for (const header of [`Bearer ${ada.token}=`, `Bearer ${ada.token.replace(".", ". ")}`]) {
      const response = await api<ErrorBody>("/api/matches", {
        body: { game: "tic-tac-toe" },
        headers: { authorization: header },
      });
      expect(response.status).toBe(401);
      expect(response.body.error.message).toBe(NOT_VALID);
    }
  });

  // Issue 14: the options schema dropped these keys silently and the match was created.
  it.each(["__proto__", "constructor", "prototype"])(
    "refuses options holding the key %s with 400 bad-request",
    async (key) => {
      const ada = await newPlayer("Ada");
      const response = await api<ErrorBody>("/api/matches", {
        raw: `{"game":"tic-tac-toe","options":{"${key}":{"size":4}}}`,
        method: "POST",
        headers: as(ada),
      });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("bad-request");
      expect(response.body.error.message).toContain(key);
    },
  );
});

describe("the creation limit", () => {
  it("counts a player's matches and tickets apart: 30 matches a minute, then 429, and tickets still go", async () => {
    const ada = await newPlayer("Ada");
    // The budget is spent before the body is read, so empty bodies (400) use it up cheaply.
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++)
      statuses.push((await api("/api/matches", { raw: "", method: "POST", headers: as(ada) })).status);
    expect(statuses).toEqual(Array(30).fill(400));
    const refused = await api<ErrorBody>("/api/matches", { body: { game: "tic-tac-toe" }, headers: as(ada) });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate-limited");
    const ticket = await api("/api/matchmaking/tickets", { body: { game: "connect-four" }, headers: as(ada) });
    expect(ticket.status).toBe(201);
  });
});

describe("POST /api/matches/:id/join", () => {
  it("seats players in order, starts the match when full, and refuses a third with 409", async () => {
    const [zoe, lei, cleo] = [await newPlayer("  Zoe\u0308  "), await newPlayer("李雷"), await newPlayer("Cleo")];
    const match = await createMatch("tic-tac-toe", zoe);
    expect(match.seats).toEqual([{ seat: 0, name: "Zoë", playerId: zoe.playerId }]);
    expect(await joinMatch(match.matchId, lei)).toEqual({ matchId: match.matchId, seat: 1 });
    const summary = (await api<MatchSummary>(`/api/matches/${match.matchId}`)).body;
    expect(summary).toMatchObject({ status: "playing", seq: 3, turn: { seats: [0] } });
    expect(summary.startedAt).toBeTypeOf("number");
    const third = await api<ErrorBody>(`/api/matches/${match.matchId}/join`, { method: "POST", headers: as(cleo) });
    expect(third.status).toBe(409);
    expect(third.body.error.code).toBe("match-full");
  });

  it("refuses a player who joins twice with 409 already-joined", async () => {
    const ada = await newPlayer("Ada");
    const match = await createMatch("tic-tac-toe", ada);
    const again = await api<ErrorBody>(`/api/matches/${match.matchId}/join`, { method: "POST", headers: as(ada) });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("already-joined");
    expect((await api<MatchSummary>(`/api/matches/${match.matchId}`)).body.seats).toHaveLength(1);
  });

  it("gives exactly one player the last seat when many race for it", async () => {
    const match = await createMatch("connect-four", await newPlayer("Host"));
    const racers = await Promise.all(Array.from({ length: 8 }, (_, i) => newPlayer(`P${i}`)));
    const attempts = await Promise.all(
      racers.map((racer) =>
        api<JoinResult | ErrorBody>(`/api/matches/${match.matchId}/join`, { method: "POST", headers: as(racer) }),
      ),
    );
    expect(
      attempts.filter((attempt) => attempt.status === 200).map((attempt) => (attempt.body as JoinResult).seat),
    ).toEqual([1]);
    expect(attempts.filter((attempt) => attempt.status === 409)).toHaveLength(7);
    const log = await api<{ events: LoggedEvent[] }>(`/api/matches/${match.matchId}/events`);
    expect(log.body.events.map((event) => event.kind)).toEqual(["join", "join", "start"]);
  });

  // Issue 14: join never read its body, so a 1 MB one was answered 200.
  it("refuses a body over the limit with 413 and any body but {} with 400, taking no seat", async () => {
    const [ada, brian] = [await newPlayer("Ada"), await newPlayer("Brian")];
    const match = await createMatch("tic-tac-toe", ada);
    const path = `/api/matches/${match.matchId}/join`;
    const huge = await api<ErrorBody>(path, { raw: JSON.stringify({ pad: "x".repeat(1 << 20) }), headers: as(brian) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("too-large");
    const extra = await api<ErrorBody>(path, { raw: '{"seat":0}', method: "POST", headers: as(brian) });
    expect(extra.status).toBe(400);
    expect(extra.body.error.code).toBe("bad-request");
    expect((await api<MatchSummary>(`/api/matches/${match.matchId}`)).body.seats).toHaveLength(1);
    const joined = await api<JoinResult>(path, { raw: "{}", method: "POST", headers: as(brian) });
    expect(joined.status).toBe(200);
    expect(joined.body.seat).toBe(1);
  });

  it("answers 404 for an unknown match without creating it", async () => {
    const response = await api<ErrorBody>("/api/matches/NoSuchMatch0000/join", {
      method: "POST",
      headers: as(await newPlayer("Ada")),
    });
    expect(response.status).toBe(404);
    expect((await api("/api/matches/NoSuchMatch0000")).status).toBe(404);
    const tables = await runInDurableObject(env.Match.getByName("NoSuchMatch0000"), (_instance: Match, state) =>
      state.storage.sql
        .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'")
        .toArray(),
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
    const second = await api<{ events: LoggedEvent[]; next: number | null }>(
      `/api/matches/${matchId}/events?after=3&limit=3`,
    );
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
    const match = await createMatch("tic-tac-toe", await newPlayer("Ada"));
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
