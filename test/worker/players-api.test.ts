/**
 * Players over HTTP: creating one (names, rate limit, repeats) and reading a profile.
 */
import { describe, expect, it } from "vitest";
import { verifyToken } from "../../server/auth.ts";
import { INITIAL_RATING } from "../../server/ratings.ts";
import { HTTP_ERRORS } from "../../shared/protocol.ts";
import { TEST_TOKEN_SECRET } from "../secret.ts";
import { api } from "./helpers.ts";
import { address, createPlayer, type ErrorBody, GAME, player, profileOf, tablesOf } from "./players-helpers.ts";

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
