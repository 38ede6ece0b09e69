/**
 * HTTP fuzzing: random and mutated bodies, path parameters and query strings on every route.
 * Every answer is JSON with a documented code and the status that code maps to; nothing is a
 * 500, and nothing a refused request sent changed a match.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { signToken } from "../../server/auth.ts";
import { STATUS } from "../../server/http.ts";
import { HTTP_ERRORS, type MatchSummary } from "../../shared/protocol.ts";
import { TEST_TOKEN_SECRET } from "../secret.ts";
import { api, as, Client, startedMatch, type TestPlayer } from "./helpers.ts";

type Answer = { status: number; body: unknown };

/** A refusal must be documented; a success must be one the route can give. */
function checkAnswer(answer: Answer): void {
  expect(answer.status).not.toBe(500);
  if (answer.status >= 400) {
    const error = (answer.body as { error?: { code?: string; message?: string } } | null)?.error;
    expect(HTTP_ERRORS).toContain(error?.code);
    expect(STATUS[error!.code as keyof typeof STATUS]).toBe(answer.status);
    expect(error?.message?.length).toBeGreaterThan(0);
  } else {
    expect([200, 201]).toContain(answer.status);
  }
}

/** Text that might land in a path segment or a query value. */
const segment = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/),
  fc.constantFrom("..", "%2e%2e", "%00", "inv_ABCDEF", "-1", "1e9", "NaN", "' OR 1=1 --", "<script>", "a".repeat(300)),
);

/** Bodies: random JSON, mutations of real ones, non-JSON. */
const body = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 60 }),
  fc
    .tuple(
      fc.constantFrom<Record<string, unknown>>(
        { game: "tic-tac-toe" },
        { name: "Ada" },
        { game: "connect-four", options: {} },
      ),
      fc.string({ maxLength: 8 }),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .map(([base, key, value]) => JSON.stringify({ ...base, [key || "game"]: value })),
);

describe("HTTP fuzzing", () => {
  it("answers random bodies, path parameters and queries on every route with a documented error and never a 500", {
    timeout: 120_000,
  }, async () => {
    const table = await startedMatch("connect-four");
    const player: TestPlayer = table.players[0];
    const before = (await api<MatchSummary>(`/api/matches/${table.matchId}`)).body;
    const runs = 60;
    const cases: [string, (input: { text: string; raw: string; auth: boolean }) => Promise<Answer>][] = [
      [
        "POST /api/players",
        ({ raw }) =>
          api("/api/players", { method: "POST", raw, headers: { "cf-connecting-ip": `fuzz-${Math.random()}` } }),
      ],
      [
        "POST /api/matches",
        ({ raw, auth }) => api("/api/matches", { method: "POST", raw, headers: auth ? as(player) : {} }),
      ],
      [
        "GET /api/matches?…",
        ({ text }) =>
          api(
            `/api/matches?status=${encodeURIComponent(text)}&game=${encodeURIComponent(text)}&limit=${encodeURIComponent(text)}&cursor=${encodeURIComponent(text)}`,
          ),
      ],
      ["GET /api/matches/:id", ({ text }) => api(`/api/matches/${encodeURIComponent(text)}`)],
      [
        "POST /api/matches/:id/join",
        ({ text, raw, auth }) =>
          api(`/api/matches/${encodeURIComponent(text)}/join`, {
            method: "POST",
            raw,
            headers: auth ? as(player) : {},
          }),
      ],
      [
        "POST /api/matches/:id/start",
        ({ text, auth }) =>
          api(`/api/matches/${encodeURIComponent(text)}/start`, { method: "POST", headers: auth ? as(player) : {} }),
      ],
      [
        "GET /api/matches/:id/events",
        ({ text }) =>
          api(
            `/api/matches/${table.matchId}/events?after=${encodeURIComponent(text)}&limit=${encodeURIComponent(text)}`,
          ),
      ],
      [
        "POST /api/invites/:code/join",
        ({ text, auth }) =>
          api(`/api/invites/${encodeURIComponent(text)}/join`, { method: "POST", headers: auth ? as(player) : {} }),
      ],
      ["GET /api/players/:id", ({ text }) => api(`/api/players/${encodeURIComponent(text)}`)],
      [
        "GET /api/leaderboard/:game",
        ({ text }) =>
          api(
            `/api/leaderboard/${encodeURIComponent(text)}?offset=${encodeURIComponent(text)}&limit=${encodeURIComponent(text)}`,
          ),
      ],
      [
        "POST /api/matchmaking/tickets",
        ({ raw, auth }) => api("/api/matchmaking/tickets", { method: "POST", raw, headers: auth ? as(player) : {} }),
      ],
      [
        "GET /api/matchmaking/tickets/:id",
        ({ text, auth }) =>
          api(`/api/matchmaking/tickets/${encodeURIComponent(text)}?wait=${encodeURIComponent(text)}`, {
            headers: auth ? as(player) : {},
          }),
      ],
      [
        "DELETE /api/matchmaking/tickets/:id",
        ({ text, auth }) =>
          api(`/api/matchmaking/tickets/${encodeURIComponent(text)}`, {
            method: "DELETE",
            headers: auth ? as(player) : {},
          }),
      ],
      [
        "POST /api/passkeys/register/options",
        ({ raw, auth }) =>
          api("/api/passkeys/register/options", { method: "POST", raw, headers: auth ? as(player) : {} }),
      ],
      [
        "POST /api/passkeys/register/verify",
        ({ raw, auth }) =>
          api("/api/passkeys/register/verify", { method: "POST", raw, headers: auth ? as(player) : {} }),
      ],
      [
        "POST /api/passkeys/login/options",
        ({ raw }) =>
          api("/api/passkeys/login/options", {
            method: "POST",
            raw,
            headers: { "cf-connecting-ip": `fuzz-${Math.random()}` },
          }),
      ],
      ["POST /api/passkeys/login/verify", ({ raw }) => api("/api/passkeys/login/verify", { method: "POST", raw })],
      [
        "DELETE /api/passkeys/:id",
        ({ text, auth }) =>
          api(`/api/passkeys/${encodeURIComponent(text)}`, { method: "DELETE", headers: auth ? as(player) : {} }),
      ],
    ];
    for (const [name, call] of cases) {
      const inputs = fc.sample(fc.record({ text: segment, raw: body, auth: fc.boolean() }), {
        numRuns: runs,
        seed: name.length,
      });
      for (const input of inputs) {
        const answer = await call(input);
        try {
          checkAnswer(answer);
        } catch (error) {
          throw new Error(
            `${name} with ${JSON.stringify(input).slice(0, 200)} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}: ${String(error)}`,
          );
        }
      }
    }
    // The started match the fuzz aimed at (join, start, events) is as it was.
    const after = (await api<MatchSummary>(`/api/matches/${table.matchId}`)).body;
    expect({ ...after, turn: null }).toEqual({ ...before, turn: null });
  });

  it("refuses an expired token with 401 on HTTP and on the WebSocket", async () => {
    const table = await startedMatch("tic-tac-toe");
    const longAgo = Date.now() - 400 * 24 * 60 * 60 * 1000;
    const expired = await signToken(TEST_TOKEN_SECRET, { pid: table.players[0].playerId, name: "Ada" }, longAgo);
    const http = await api<{ error: { code: string; message: string } }>("/api/matches", {
      body: { game: "tic-tac-toe" },
      headers: { authorization: `Bearer ${expired}` },
    });
    expect(http.status).toBe(401);
    expect(http.body.error).toMatchObject({ code: "unauthorized", message: "the token has expired" });
    await expect(Client.connect(table.matchId, expired)).rejects.toMatchObject({ status: 401 });
  });
});
