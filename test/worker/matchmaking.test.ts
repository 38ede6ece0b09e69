import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { nanoid } from "nanoid";
import { beforeEach, describe, expect, it } from "vitest";
import { signToken } from "../../server/auth.ts";
import { INITIAL_RATING } from "../../server/ratings.ts";
import type { Matchmaker } from "../../server/matchmaker.ts";
import { MATCHMAKING_TIMES, queueName, queueOfTicket } from "../../server/matchmaking/queues.ts";
import type { TicketView } from "../../shared/protocol.ts";
import { TEST_TOKEN_SECRET } from "../secret.ts";
import { api, as, newPlayer, type TestPlayer, summary } from "./helpers.ts";

type ErrorBody = { error: { code: string; message: string } };

const TICKETS = "/api/matchmaking/tickets";

function enqueue(player: TestPlayer, body: Record<string, unknown> = { game: "tic-tac-toe" }) {
  return api<TicketView & ErrorBody>(TICKETS, { body, headers: as(player) });
}

function poll(player: TestPlayer, ticketId: string, waitSeconds = 0) {
  return api<TicketView & ErrorBody>(`${TICKETS}/${ticketId}?wait=${waitSeconds}`, { headers: as(player) });
}

function cancel(player: TestPlayer, ticketId: string) {
  return api<TicketView & ErrorBody>(`${TICKETS}/${ticketId}`, { method: "DELETE", headers: as(player) });
}

/** The queue object a ticket lives in (ticket ids name their queue). */
function queueOf(ticketId: string) {
  const name = queueOfTicket(ticketId);
  if (name === null) throw new Error(`not a ticket id: ${ticketId}`);
  return env.Matchmaker.getByName(name);
}

/** Runs SQL inside a queue: how the tests move its clock without sleeping. */
function inQueue<T>(ticketId: string, run: (sql: SqlStorage) => T): Promise<T> {
  return runInDurableObject(queueOf(ticketId), (_instance: Matchmaker, state) => run(state.storage.sql));
}

/** Every waiting ticket of the queue has waited `ms` longer, and its owner is still polling. */
function age(ticketId: string, ms: number): Promise<void> {
  return inQueue(ticketId, (sql) => {
    sql.exec("UPDATE open_tickets SET since = since - ?, last_seen = ? WHERE match_id IS NULL", ms, Date.now());
  });
}

/** Rewrites the rating a ticket queued with. */
function rateTicket(ticketId: string, rating: number): Promise<void> {
  return inQueue(ticketId, (sql) => {
    sql.exec(
      "UPDATE open_tickets SET rating = ? WHERE id = ?",
      JSON.stringify({ rating, rd: 350, vol: 0.06 }),
      ticketId,
    );
  });
}

/** Runs the queue's sweep now; it must have been scheduled. */
async function sweep(ticketId: string): Promise<void> {
  expect(await runDurableObjectAlarm(queueOf(ticketId))).toBe(true);
}

/**
 * A player with a signed token but no POST /api/players call. Tokens are all a queue needs,
 * and that route's per-address limit (30 a minute) is shared by every test in the run.
 */
async function mintedPlayer(name: string): Promise<TestPlayer> {
  const playerId = nanoid();
  return { playerId, name, token: await signToken(TEST_TOKEN_SECRET, { pid: playerId, name }) };
}

// Durable Object storage outlives each test here, and every test queues for the same game:
// start each from an empty queue.
beforeEach(async () => {
  const queue = env.Matchmaker.getByName(await queueName("tic-tac-toe", "{}"));
  await runInDurableObject(queue, (_instance: Matchmaker, state) => {
    state.storage.sql.exec("DELETE FROM open_tickets");
    state.storage.sql.exec("DELETE FROM closed_tickets");
    state.storage.sql.exec("DELETE FROM groups");
  });
});

describe("quick match with a bot when nobody comes", () => {
  it("seats the game's strongest bot beside a ticket still alone after its botAfterMs; the match is not rated", async () => {
    const ada = await mintedPlayer("Ada");
    const ticket = (await enqueue(ada, { game: "tic-tac-toe", botAfterMs: 5_000 })).body;
    await age(ticket.ticketId, 4_000);
    await sweep(ticket.ticketId);
    expect((await poll(ada, ticket.ticketId)).body.status).toBe("waiting");
    await age(ticket.ticketId, 1_000);
    await sweep(ticket.ticketId);
    const matched = (await poll(ada, ticket.ticketId, 5)).body;
    expect(matched).toMatchObject({ status: "matched", seat: 0 });
    const match = await summary(matched.matchId!);
    // Collecting the ticket started it: Ada against the bot, unrated.
    expect(match).toMatchObject({ status: "playing", rated: false });
    expect(match.seats).toEqual([
      { seat: 0, name: "Ada", playerId: ada.playerId },
      { seat: 1, name: "Bot (random)", playerId: "bot-random-1", bot: "random" },
    ]);
  });

  it("never gives a bot to a ticket that did not ask, and pairs people before bots", async () => {
    const ada = await mintedPlayer("Ada");
    const brian = await mintedPlayer("Brian");
    const asked = (await enqueue(ada, { game: "tic-tac-toe", botAfterMs: 1_000 })).body;
    await rateTicket(asked.ticketId, 2_400);
    const plain = (await enqueue(brian)).body;
    // Too far apart to meet for a while: Ada gets her bot, Brian keeps waiting for a person.
    await age(plain.ticketId, 2_000);
    await sweep(plain.ticketId);
    expect((await poll(ada, asked.ticketId)).body.status).toBe("matched");
    expect((await poll(brian, plain.ticketId)).body.status).toBe("waiting");
  });

  it.each([0, 999, 300_001, 1.5, "5000"])("refuses botAfterMs %j with 400 bad-request", async (botAfterMs) => {
    const ada = await mintedPlayer("Ada");
    const refused = await enqueue(ada, { game: "tic-tac-toe", botAfterMs });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("bad-request");
  });
});

describe("quick match", () => {
  it("puts two players queueing for the same game in one match, on opposite seats, started once both collect", async () => {
    const ada = await newPlayer("Ada");
    const brian = await newPlayer("Brian");
    const first = await enqueue(ada);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ gameId: "tic-tac-toe", status: "waiting", window: 100 });
    expect(first.body.ticketId).toMatch(/^tic-tac-toe\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}$/);
    const second = await enqueue(brian);
    expect(second.status).toBe(201);
    expect(queueOfTicket(second.body.ticketId)).toBe(queueOfTicket(first.body.ticketId));

    const [forAda, forBrian] = await Promise.all([
      poll(ada, first.body.ticketId, 5),
      poll(brian, second.body.ticketId, 5),
    ]);
    expect(forAda.body).toMatchObject({ status: "matched", window: null });
    expect(forBrian.body).toMatchObject({ status: "matched", matchId: forAda.body.matchId });
    expect([forAda.body.seat, forBrian.body.seat].sort()).toEqual([0, 1]);

    const match = await summary(forAda.body.matchId!);
    expect(match).toMatchObject({ gameId: "tic-tac-toe", status: "playing", rated: true });
    expect(match.seats).toHaveLength(2);
    expect(match.seats.find((seat) => seat.seat === forAda.body.seat)?.name).toBe("Ada");
    expect(match.seats.find((seat) => seat.seat === forBrian.body.seat)?.name).toBe("Brian");
  });

  it("widens the rating window with waiting time: 1500 and 1800 meet only after about 20 seconds", async () => {
    const ada = await mintedPlayer("Ada");
    const brian = await mintedPlayer("Brian");
    const high = (await enqueue(ada)).body;
    await rateTicket(high.ticketId, 1800);
    const low = await enqueue(brian);
    expect(low.body.status).toBe("waiting");

    await age(high.ticketId, 10_000);
    await sweep(high.ticketId);
    const early = await poll(brian, low.body.ticketId);
    // ±100 + 10 a second for the ~10 s waited (a busy machine may add a second of real time).
    expect(early.body.status).toBe("waiting");
    expect(early.body.window).toBeGreaterThanOrEqual(200);
    expect(early.body.window).toBeLessThanOrEqual(215);

    await age(high.ticketId, 11_000);
    await sweep(high.ticketId);
    const [forAda, forBrian] = await Promise.all([poll(ada, high.ticketId), poll(brian, low.body.ticketId)]);
    expect(forAda.body.status).toBe("matched");
    expect(forBrian.body).toMatchObject({ status: "matched", matchId: forAda.body.matchId });
    expect(forBrian.body.seat).not.toBe(forAda.body.seat);
  });

  it("pairs anyone once the longest wait has passed, however far apart", async () => {
    const ada = await mintedPlayer("Ada");
    const brian = await mintedPlayer("Brian");
    const high = (await enqueue(ada)).body;
    await rateTicket(high.ticketId, 2900);
    const low = (await enqueue(brian)).body;
    await age(high.ticketId, 29_000);
    await sweep(high.ticketId);
    // 29 s and the few milliseconds a busy machine takes: the window has widened to about 390, far short of 1,400.
    const waiting = (await poll(brian, low.ticketId)).body;
    expect(waiting.status).toBe("waiting");
    expect(waiting.window).toBeGreaterThanOrEqual(390);
    expect(waiting.window).toBeLessThan(400);
    await age(high.ticketId, 1_000);
    await sweep(high.ticketId);
    expect((await poll(brian, low.ticketId)).body).toMatchObject({ status: "matched" });
  });

  it("lets a player cancel a ticket and take another, but never hold two, or touch someone else's", async () => {
    const ada = await newPlayer("Ada");
    const brian = await newPlayer("Brian");
    const first = (await enqueue(ada)).body;

    const duplicate = await enqueue(ada);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe("duplicate-ticket");

    for (const response of [await poll(brian, first.ticketId), await cancel(brian, first.ticketId)]) {
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe("not-found");
    }

    const cancelled = await cancel(ada, first.ticketId);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ ticketId: first.ticketId, status: "cancelled", window: null });
    expect((await poll(ada, first.ticketId)).body.status).toBe("cancelled");

    const again = await enqueue(ada);
    expect(again.status).toBe(201);
    expect(again.body.ticketId).not.toBe(first.ticketId);

    // Brian is paired with Ada's new ticket, not the cancelled one; a matched ticket can't be cancelled.
    const opponent = await enqueue(brian);
    expect(opponent.body.status).toBe("matched");
    const refused = await cancel(ada, again.body.ticketId);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("already-matched");
    expect((await poll(ada, again.body.ticketId)).body).toMatchObject({
      status: "matched",
      matchId: opponent.body.matchId,
    });
  });

  it("gives a player racing themselves exactly one ticket", async () => {
    const ada = await mintedPlayer("Ada");
    const attempts = await Promise.all(Array.from({ length: 5 }, () => enqueue(ada)));
    expect(attempts.map((attempt) => attempt.status).sort()).toEqual([201, 409, 409, 409, 409]);
  });

  it("cancels a match that a player never collects: the no-show's ticket expires, the other's is cancelled", async () => {
    const ada = await mintedPlayer("Ada");
    const brian = await mintedPlayer("Brian");
    const absent = (await enqueue(ada)).body;
    // Brian's answer hands him the match at once, which collects it; Ada never asks.
    const present = (await enqueue(brian)).body;
    expect(present.status).toBe("matched");
    expect((await summary(present.matchId!)).status).toBe("waiting");

    await inQueue(absent.ticketId, (sql) => sql.exec("UPDATE groups SET collect_by = ?", Date.now() - 1));
    await sweep(absent.ticketId);

    const match = await summary(present.matchId!);
    expect(match.status).toBe("finished");
    expect(match.result).toMatchObject({ kind: "aborted" });
    expect((await poll(brian, present.ticketId)).body).toMatchObject({ status: "cancelled", window: null });
    expect((await poll(ada, absent.ticketId)).body).toMatchObject({ status: "expired" });
    expect((await poll(ada, absent.ticketId)).body).not.toHaveProperty("matchId");
    // Both may queue again.
    expect((await enqueue(brian)).status).toBe(201);
  });

  it("expires a waiting ticket whose owner stopped polling for a minute", async () => {
    const ada = await mintedPlayer("Ada");
    const ticket = (await enqueue(ada)).body;
    const { idleMs, seenEveryMs } = MATCHMAKING_TIMES;
    // The stored time of the last poll may be up to seenEveryMs behind it: that long is not idle yet.
    await inQueue(ticket.ticketId, (sql) => sql.exec("UPDATE open_tickets SET last_seen = ?", Date.now() - idleMs));
    await sweep(ticket.ticketId);
    expect((await poll(ada, ticket.ticketId)).body.status).toBe("waiting");
    const stale = Date.now() - idleMs - seenEveryMs - 1_000;
    await inQueue(ticket.ticketId, (sql) => sql.exec("UPDATE open_tickets SET last_seen = ?", stale));
    await sweep(ticket.ticketId);
    expect((await poll(ada, ticket.ticketId)).body).toMatchObject({ status: "expired", window: null });
    expect((await enqueue(ada)).status).toBe(201);
  });

  it("pairs 20 players queueing at once into 10 matches, nobody in two", async () => {
    const crowd = await Promise.all(Array.from({ length: 20 }, (_, i) => mintedPlayer(`P${i}`)));
    const tickets = await Promise.all(crowd.map((player) => enqueue(player)));
    for (const ticket of tickets) expect(ticket.status).toBe(201);
    const results = await Promise.all(crowd.map((player, i) => poll(player, tickets[i]!.body.ticketId, 10)));

    const matches = new Map<string, { seat: number; name: string }[]>();
    results.forEach((result, i) => {
      expect(result.body.status).toBe("matched");
      const seats = matches.get(result.body.matchId!) ?? [];
      seats.push({ seat: result.body.seat!, name: crowd[i]!.name });
      matches.set(result.body.matchId!, seats);
    });
    expect(matches.size).toBe(10);
    for (const [matchId, seats] of matches) {
      expect(seats.map((seat) => seat.seat).sort()).toEqual([0, 1]);
      const match = await summary(matchId);
      expect(match.status).toBe("playing");
      const seated = match.seats.map(({ seat, name }) => ({ seat, name })).sort((a, b) => a.seat - b.seat);
      expect(seated).toEqual(seats.sort((a, b) => a.seat - b.seat));
    }
  });

  it("answers a long poll as soon as the match is made", async () => {
    const ada = await mintedPlayer("Ada");
    const brian = await mintedPlayer("Brian");
    const ticket = (await enqueue(ada)).body;
    // An old but not idle last_seen, so that the poll's arrival shows (a sweep would not expire it).
    const marker = Date.now() - 2 * MATCHMAKING_TIMES.seenEveryMs;
    await inQueue(ticket.ticketId, (sql) => sql.exec("UPDATE open_tickets SET last_seen = ?", marker));

    let answered = false;
    const longPoll = poll(ada, ticket.ticketId, 30).then((response) => {
      answered = true;
      return response;
    });
    // The poll refreshes last_seen when it arrives and then waits; watch storage for its arrival.
    const lastSeen = () =>
      inQueue(ticket.ticketId, (sql) => sql.exec<{ at: number }>("SELECT last_seen AS at FROM open_tickets").one().at);
    for (let tries = 0; (await lastSeen()) === marker; tries++) expect(tries).toBeLessThan(1_000);
    expect(answered).toBe(false);

    const opponent = (await enqueue(brian)).body;
    const response = await longPoll;
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: "matched", matchId: opponent.matchId });
    expect(response.body.seat).not.toBe(opponent.seat);
  });

  it("answers a long poll with the ticket still waiting once the wait runs out", async () => {
    const ada = await mintedPlayer("Ada");
    const ticket = (await enqueue(ada)).body;
    const response = await poll(ada, ticket.ticketId, 1);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe("waiting");
  });

  it("keeps a match made and collected when the sweep runs again (the alarm may be delivered twice)", async () => {
    const ada = await mintedPlayer("Ada");
    const brian = await mintedPlayer("Brian");
    const first = (await enqueue(ada)).body;
    const second = (await enqueue(brian)).body;
    const collected = (await poll(ada, first.ticketId)).body;
    expect((await summary(collected.matchId!)).status).toBe("playing");
    await runDurableObjectAlarm(queueOf(first.ticketId));
    await runDurableObjectAlarm(queueOf(first.ticketId));
    expect((await poll(ada, first.ticketId)).body).toMatchObject({ status: "matched", matchId: second.matchId });
    expect((await summary(collected.matchId!)).status).toBe("playing");
    // Both tickets finished in that one match, and no group is left to make another.
    const made = await inQueue(first.ticketId, (sql) => ({
      matches: sql.exec("SELECT DISTINCT match_id FROM closed_tickets").toArray(),
      groups: sql.exec("SELECT match_id FROM groups").toArray(),
    }));
    expect(made).toEqual({ matches: [{ match_id: second.matchId }], groups: [] });
  });
});

describe("quick match across a restart", () => {
  it("takes a match that a creation cut short already made as its own, once, when the sweep retries it", async () => {
    const ada = await mintedPlayer("Ada");
    const brian = await mintedPlayer("Brian");
    const first = (await enqueue(ada)).body;
    await rateTicket(first.ticketId, 2_900);
    const second = (await enqueue(brian)).body;
    // The queue formed the group and its creation reached the Match, but the queue went down
    // before it heard back: the group is stored, the match exists, nobody was told.
    const matchId = `restart${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await inQueue(first.ticketId, (sql) => {
      sql.exec("UPDATE open_tickets SET match_id = ?, seat = 0 WHERE id = ?", matchId, first.ticketId);
      sql.exec("UPDATE open_tickets SET match_id = ?, seat = 1 WHERE id = ?", matchId, second.ticketId);
      sql.exec(
        "INSERT INTO groups (match_id, created_at, collect_by) VALUES (?, ?, ?)",
        matchId,
        Date.now(),
        Date.now() + 5_000,
      );
    });
    const players = [ada, brian].map((player) => ({ pid: player.playerId, name: player.name, rating: INITIAL_RATING }));
    const landed = await env.Match.getByName(matchId).createReserved({
      gameId: "tic-tac-toe",
      optionsJson: "{}",
      players,
      rated: true,
      startNow: false,
      source: "matchmaking",
    });
    expect(landed.ok).toBe(true);
    expect((await poll(ada, first.ticketId)).body.status).toBe("waiting");

    await sweep(first.ticketId);
    const [forAda, forBrian] = [(await poll(ada, first.ticketId)).body, (await poll(brian, second.ticketId)).body];
    expect(forAda).toMatchObject({ status: "matched", matchId, seat: 0 });
    expect(forBrian).toMatchObject({ status: "matched", matchId, seat: 1 });
    expect((await summary(matchId)).status).toBe("playing");
  });
});

describe("ticket routes refuse bad input", () => {
  it.each([
    { name: "a wait over 30 s", path: (id: string) => `${TICKETS}/${id}?wait=31`, status: 400, code: "bad-request" },
    { name: "a negative wait", path: (id: string) => `${TICKETS}/${id}?wait=-1`, status: 400, code: "bad-request" },
    { name: "a fractional wait", path: (id: string) => `${TICKETS}/${id}?wait=1.5`, status: 400, code: "bad-request" },
    { name: "a malformed ticket id", path: () => `${TICKETS}/not-a-ticket`, status: 400, code: "bad-request" },
    {
      name: "a well-formed unknown ticket",
      path: (id: string) => `${TICKETS}/${id.slice(0, -16)}${"x".repeat(16)}`,
      status: 404,
      code: "not-found",
    },
  ])("refuses $name with $status $code", async ({ path, status, code }) => {
    const ada = await mintedPlayer("Ada");
    const ticket = (await enqueue(ada)).body;
    const response = await api<ErrorBody>(path(ticket.ticketId), { headers: as(ada) });
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
  });

  it("refuses every ticket route without a player token with 401", async () => {
    const ada = await mintedPlayer("Ada");
    const ticket = (await enqueue(ada)).body;
    const responses = [
      await api<ErrorBody>(TICKETS, { body: { game: "tic-tac-toe" } }),
      await api<ErrorBody>(`${TICKETS}/${ticket.ticketId}`),
      await api<ErrorBody>(`${TICKETS}/${ticket.ticketId}`, { method: "DELETE" }),
      await api<ErrorBody>(`${TICKETS}/${ticket.ticketId}`, { headers: { authorization: "Bearer forged.token" } }),
    ];
    for (const response of responses) {
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe("unauthorized");
    }
  });

  it.each([
    { name: "an unknown game", body: { game: "go" }, code: "unknown-game" },
    { name: "an unknown option", body: { game: "tic-tac-toe", options: { size: 4 } }, code: "bad-options" },
    { name: "an extra field", body: { game: "tic-tac-toe", rated: false }, code: "bad-request" },
    { name: "options that are not an object", body: { game: "tic-tac-toe", options: "fast" }, code: "bad-request" },
    { name: "options that are an array", body: { game: "tic-tac-toe", options: [] }, code: "bad-request" },
  ])("refuses a ticket for $name with 400 $code", async ({ body, code }) => {
    const ada = await mintedPlayer("Ada");
    const response = await enqueue(ada, body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe(code);
  });

  // Issue 14: the options schema dropped these keys silently and the ticket was taken.
  it.each(["__proto__", "constructor", "prototype"])(
    "refuses a ticket whose options hold the key %s with 400 bad-request, and takes none",
    async (key) => {
      const ada = await mintedPlayer("Ada");
      const response = await api<ErrorBody>(TICKETS, {
        raw: `{"game":"tic-tac-toe","options":{"${key}":{"size":4}}}`,
        method: "POST",
        headers: as(ada),
      });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("bad-request");
      expect(response.body.error.message).toContain(key);
      // No ticket was taken: the same player may queue now without a duplicate-ticket.
      expect((await enqueue(ada)).status).toBe(201);
    },
  );

  it("cancels with an empty body or {}, and refuses any other body", async () => {
    const ada = await mintedPlayer("Ada");
    const ticket = (await enqueue(ada)).body;
    const path = `${TICKETS}/${ticket.ticketId}`;
    const refused = await api<ErrorBody>(path, { method: "DELETE", raw: '{"force":true}', headers: as(ada) });
    expect(refused.status).toBe(400);
    expect((await poll(ada, ticket.ticketId)).body.status).toBe("waiting");
    const cancelled = await api<TicketView>(path, { method: "DELETE", raw: "{}", headers: as(ada) });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
  });
});
