/**
 * Worker tests of the tournament routes and feed: the list, refusals, unknown ids, paging, and
 * the feed's frames (fixtures in tournament-fixtures.ts).
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { nanoid } from "nanoid";
import { describe, expect, it } from "vitest";
import type { Tournament } from "../../server/tournament/tournament.ts";
import type { StandingsPage, TournamentGamesPage, TournamentListPage } from "../../shared/tournament.ts";
import { api, as, type TestPlayer } from "./helpers.ts";
import {
  type ErrorBody,
  minted,
  create,
  join,
  stub,
  fire,
  endArena,
  gameRows,
  running,
  summary,
  settle,
  ended,
  Feed,
} from "./tournament-fixtures.ts";

describe("tournament routes", () => {
  it("lists upcoming, live and finished public tournaments, paged; private ones never", async () => {
    const creator = await minted("Lister");
    const made = [
      await create(creator, { kind: "arena", durationMs: 60_000, startsInMs: 10_000_000 }),
      await create(creator, { kind: "arena", durationMs: 60_000, startsInMs: 10_000_001 }),
      await create(creator, { kind: "arena", durationMs: 60_000, startsInMs: 10_000_002, private: true }),
    ];
    for (const tournament of made)
      await runInDurableObject(stub(tournament.tournamentId), (instance: Tournament) => instance.alarm());
    const first = await api<TournamentListPage>("/api/tournaments?status=upcoming&limit=1");
    expect(first.status).toBe(200);
    expect(first.body.tournaments).toHaveLength(1);
    expect(first.body.next).toBe("1");
    const all: string[] = [];
    for (let cursor: string | null = "0"; cursor !== null; ) {
      const page: { body: TournamentListPage } = await api<TournamentListPage>(
        `/api/tournaments?status=upcoming&limit=50&cursor=${cursor}`,
      );
      all.push(...page.body.tournaments.map((row) => row.tournamentId));
      cursor = page.body.next;
    }
    expect(all).toContain(made[0]?.tournamentId);
    expect(all).toContain(made[1]?.tournamentId);
    expect(all).not.toContain(made[2]?.tournamentId);
    await fire(made[0]!.tournamentId, "start");
    await fire(made[0]!.tournamentId, "list");
    const live = await api<TournamentListPage>("/api/tournaments?status=live");
    expect(live.body.tournaments.map((row) => row.tournamentId)).toContain(made[0]?.tournamentId);
    await endArena(made[0]!.tournamentId);
    await fire(made[0]!.tournamentId, "list");
    const finished = await api<TournamentListPage>("/api/tournaments?status=finished");
    expect(finished.body.tournaments.map((row) => row.tournamentId)).toContain(made[0]?.tournamentId);
    expect((await api<ErrorBody>("/api/tournaments?status=soon")).body.error.code).toBe("bad-request");
  });

  it.each([
    { name: "a body that is not JSON", raw: "{", code: "bad-request", status: 400 },
    {
      name: "an unknown field",
      body: { kind: "arena", durationMs: 60_000, colour: "red" },
      code: "bad-request",
      status: 400,
    },
    { name: "an arena without a duration", body: { kind: "arena" }, code: "bad-request", status: 400 },
    {
      name: "a Swiss tournament with a duration",
      body: { kind: "swiss", rounds: 3, durationMs: 60_000 },
      code: "bad-request",
      status: 400,
    },
    { name: "zero rounds", body: { kind: "swiss", rounds: 0 }, code: "bad-request", status: 400 },
    {
      name: "a start in the past",
      body: { kind: "arena", durationMs: 60_000, startsAt: 1_000 },
      code: "bad-request",
      status: 400,
    },
    {
      name: "an unknown game",
      body: { kind: "arena", durationMs: 60_000, game: "go" },
      code: "unknown-game",
      status: 400,
    },
    {
      name: "a bad time control",
      body: { kind: "arena", durationMs: 60_000, timeControl: { kind: "fischer", baseMs: 1 } },
      code: "bad-request",
      status: 400,
    },
  ])("refuses to create with $name ($status $code), creating nothing", async ({ body, raw, code, status }) => {
    const creator = await minted("Bad");
    const before = (await api<TournamentListPage>("/api/tournaments?status=upcoming&limit=200")).body.tournaments
      .length;
    const refused = await api<ErrorBody>("/api/tournaments", {
      ...(raw === undefined ? { body: { name: "Bad", game: "tic-tac-toe", ...body } } : { raw, method: "POST" }),
      headers: as(creator),
    });
    expect(refused.status).toBe(status);
    expect(refused.body.error.code).toBe(code);
    expect((await api<TournamentListPage>("/api/tournaments?status=upcoming&limit=200")).body.tournaments.length).toBe(
      before,
    );
  });

  it("refuses joining twice, a full tournament, a wrong code, and joining after the end", async () => {
    const [a, b, c] = [await minted("Ann"), await minted("Bob"), await minted("Cat")] as [
      TestPlayer,
      TestPlayer,
      TestPlayer,
    ];
    const small = await create(a, { kind: "arena", durationMs: 60_000, maxPlayers: 2 });
    const tid = small.tournamentId;
    expect((await join(tid, a)).status).toBe(200);
    const twice = await join(tid, a);
    expect([twice.status, twice.body.error.code]).toEqual([409, "already-joined"]);
    expect((await join(tid, b)).status).toBe(200);
    const full = await join(tid, c);
    expect([full.status, full.body.error.code]).toEqual([409, "tournament-full"]);
    expect((await summary(tid)).players).toBe(2);
    const secret = await create(a, { kind: "swiss", rounds: 2, private: true });
    expect(secret.code).toMatch(/^[2-9A-Z]{6}$/);
    const wrong = await join(secret.tournamentId, b, { code: "AAAAAA" });
    expect([wrong.status, wrong.body.error.code]).toEqual([403, "wrong-code"]);
    expect((await join(secret.tournamentId, b, { code: secret.code?.toLowerCase() })).status).toBe(200);
    await fire(tid, "start");
    await endArena(tid);
    await Promise.all((await running(tid)).map((game) => env.Match.getByName(game.match_id).resignPlayer(game.p0)));
    for (const game of await gameRows(tid)) await settle(game.match_id);
    const late = await join(tid, c);
    expect([late.status, late.body.error.code]).toEqual([409, "tournament-over"]);
    const out = await api<ErrorBody>(`/api/tournaments/${tid}/withdraw`, { body: {}, headers: as(c) });
    expect([out.status, out.body.error.code]).toEqual([409, "not-entered"]);
  }, 60_000);

  it("runs without its creator when the creator withdraws before the start", async () => {
    const [a, b, c] = [await minted("Ann"), await minted("Bob"), await minted("Cat")] as [
      TestPlayer,
      TestPlayer,
      TestPlayer,
    ];
    const arena = await create(a, { kind: "arena", durationMs: 60_000 });
    const tid = arena.tournamentId;
    for (const player of [a, b, c]) await join(tid, player);
    expect((await api(`/api/tournaments/${tid}/withdraw`, { body: {}, headers: as(a) })).status).toBe(200);
    expect((await summary(tid)).players).toBe(2);
    await fire(tid, "start");
    expect((await running(tid)).map((game) => [game.p0, game.p1])).toEqual([[b.playerId, c.playerId]]);
  });

  it("answers unknown tournaments with 404 and bad ids with 400, and pages games and standings", async () => {
    expect((await api<ErrorBody>(`/api/tournaments/${nanoid()}`)).body.error.code).toBe("not-found");
    expect((await api<ErrorBody>("/api/tournaments/x!")).status).toBe(400);
    const creator = await minted("Pager");
    const arena = await create(creator, { kind: "arena", durationMs: 60_000, bots: 4 });
    await fire(arena.tournamentId, "start");
    const page = await api<TournamentGamesPage>(`/api/tournaments/${arena.tournamentId}/games?limit=1`);
    expect(page.body.games).toHaveLength(1);
    expect(page.body.next).toBe(1);
    const standingsPage = await api<StandingsPage>(`/api/tournaments/${arena.tournamentId}/standings?offset=2&limit=5`);
    expect(standingsPage.body).toMatchObject({ total: 4, next: null });
    expect(standingsPage.body.rows.map((row) => row.rank)).toEqual([3, 4]);
    expect((await api<ErrorBody>(`/api/tournaments/${arena.tournamentId}/standings?limit=0`)).body.error.code).toBe(
      "bad-request",
    );
    // The bots' games run on their matches' alarms: let them end inside the test.
    await Promise.all((await running(arena.tournamentId)).map((game) => ended(game.match_id)));
  });

  it("answers the feed's bad frames with an error and a spectator's ping with a pong", async () => {
    const creator = await minted("Feed");
    const arena = await create(creator, { kind: "arena", durationMs: 60_000 });
    const feed = await Feed.open(arena.tournamentId);
    expect(await feed.next("welcome")).toMatchObject({ playerId: null });
    expect((await feed.next("state")).tournament.tournamentId).toBe(arena.tournamentId);
    feed.socket.send("nonsense");
    expect((await feed.next("error")).code).toBe("bad-message");
    feed.socket.send(JSON.stringify({ type: "ping", t: 7 }));
    expect(await feed.next("pong")).toMatchObject({ t: 7 });
    feed.close();
  });
});
