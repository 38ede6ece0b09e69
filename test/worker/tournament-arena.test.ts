/**
 * Worker tests of arena tournaments: pairing, scoring, pauses and withdrawals, and how their
 * games are rated and forfeited (fixtures in tournament-fixtures.ts).
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Match } from "../../server/match/match.ts";
import type { EntryView } from "../../shared/tournament.ts";
import { api, as, Client, type TestPlayer } from "./helpers.ts";
import {
  type GameRow,
  minted,
  create,
  join,
  fire,
  endArena,
  gameRows,
  running,
  summary,
  table,
  settle,
  ended,
  finish,
  between,
  expectNobodyPairedTwiceAtOnce,
  expectConsistentStandings,
  Feed,
  fourPlayers,
} from "./tournament-fixtures.ts";

describe("an arena", () => {
  it("runs with house bots from the first pairing to the final standings, pairing nobody twice at once", async () => {
    const creator = await minted("Organiser");
    const arena = await create(creator, { kind: "arena", durationMs: 600_000, bots: 6 });
    expect(arena).toMatchObject({ status: "upcoming", players: 6, kind: "arena" });
    const feed = await Feed.open(arena.tournamentId);
    await fire(arena.tournamentId, "start");
    let paired = 0;
    for (let pass = 0; pass < 4; pass++) {
      const games = await running(arena.tournamentId);
      // Six free players: three games a pass, or two when the last two just played each other (they
      // wait; the bots' results are random, so which it is varies).
      expect(games.length).toBeGreaterThanOrEqual(pass === 0 ? 3 : 2);
      paired += games.length;
      await Promise.all(games.map((game) => ended(game.match_id)));
      await fire(arena.tournamentId, "pair");
    }
    paired += (await running(arena.tournamentId)).length;
    await endArena(arena.tournamentId);
    // Games paired before the end finish, and count; then the arena is over.
    await Promise.all((await running(arena.tournamentId)).map((game) => ended(game.match_id)));
    const done = await summary(arena.tournamentId);
    expect(done.status).toBe("finished");
    const games = await gameRows(arena.tournamentId);
    expect(games.length).toBe(paired);
    expect(paired).toBeGreaterThanOrEqual(3 + 4 * 2);
    expect(games.every((game) => game.status === "finished" && game.score0 !== null)).toBe(true);
    expectNobodyPairedTwiceAtOnce(games);
    // No immediate repeats while others were free.
    for (const pid of new Set(games.flatMap((game) => [game.p0, game.p1]))) {
      const opponents = games
        .filter((game) => game.p0 === pid || game.p1 === pid)
        .map((game) => (game.p0 === pid ? game.p1 : game.p0));
      for (let index = 1; index < opponents.length; index++) expect(opponents[index]).not.toBe(opponents[index - 1]);
    }
    await expectConsistentStandings(arena.tournamentId);
    const rows = await table(arena.tournamentId);
    expect(rows.reduce((sum, row) => sum + row.games, 0)).toBe(2 * games.length);
    expect(done.podium).toEqual(
      rows.slice(0, 3).map((row) => ({ playerId: row.playerId, name: row.name, score: row.score })),
    );
    // Spectators of the feed saw it end.
    await feed.next("state", (frame) => frame.tournament.status === "finished");
    feed.close();
  }, 60_000);

  it("scores people's games to a hand-computed table: streaks double, immediate repeats avoided, seats balanced", async () => {
    const { a, b, c, d, players } = await fourPlayers();
    const arena = await create(a, { kind: "arena", durationMs: 600_000 });
    for (const player of [a, b, c, d]) expect((await join(arena.tournamentId, player)).status).toBe(200);
    const feed = await Feed.open(arena.tournamentId, a.token);
    await fire(arena.tournamentId, "start");
    const tid = arena.tournamentId;
    const seats = (games: GameRow[]) =>
      games
        .filter((game) => game.status !== "finished")
        .map((game) => [game.p0, game.p1])
        .sort();
    // Pass 1: everyone on 0, in join order: Ann v Bob, Cat v Dan.
    let games = await gameRows(tid);
    expect(seats(games)).toEqual(
      [
        [a.playerId, b.playerId],
        [c.playerId, d.playerId],
      ].sort(),
    );
    // Ann hears of her game on her feed.
    const paired = await feed.next("paired");
    expect(paired).toMatchObject({ seat: 0, opponent: { playerId: b.playerId, name: "Bob" }, round: null });
    await finish(between(games, a.playerId, b.playerId), { winner: a.playerId }, players);
    await finish(between(games, c.playerId, d.playerId), "draw", players);
    // Pass 2: Ann 2, Cat 1, Dan 1, Bob 0. Ann's closest is Cat (Bob she just played); Dan v Bob.
    await fire(tid, "pair");
    games = await gameRows(tid);
    expect(seats(games)).toEqual(
      [
        [a.playerId, c.playerId],
        [d.playerId, b.playerId],
      ].sort(),
    );
    await finish(between(games, a.playerId, c.playerId), { winner: a.playerId }, players);
    await finish(between(games, d.playerId, b.playerId), { winner: d.playerId }, players);
    // Pass 3: Ann 4 (two wins: on a streak), Dan 3, Cat 1, Bob 0. Ann v Dan and Cat v Bob;
    // seat 0 to whoever had it less: Dan (once, against Ann's twice), Bob (never, against Cat's once).
    await fire(tid, "pair");
    games = await gameRows(tid);
    expect(seats(games)).toEqual(
      [
        [d.playerId, a.playerId],
        [b.playerId, c.playerId],
      ].sort(),
    );
    await finish(between(games, a.playerId, d.playerId), { winner: a.playerId }, players);
    await finish(between(games, c.playerId, b.playerId), { winner: b.playerId }, players);
    await endArena(tid);
    expect((await summary(tid)).status).toBe("finished");
    const rows = await table(tid);
    expect(
      rows.map(({ rank, name, score, games, wins, draws, losses, streak, performance }) => ({
        rank,
        name,
        score,
        games,
        wins,
        draws,
        losses,
        streak,
        performance,
      })),
    ).toEqual([
      // 2 + 2 + 4 (the third win in a row counts double); 1500 + 400 × 3 / 3.
      { rank: 1, name: "Ann", score: 8, games: 3, wins: 3, draws: 0, losses: 0, streak: 3, performance: 1900 },
      { rank: 2, name: "Dan", score: 3, games: 3, wins: 1, draws: 1, losses: 1, streak: 0, performance: 1500 },
      { rank: 3, name: "Bob", score: 2, games: 3, wins: 1, draws: 0, losses: 2, streak: 1, performance: 1367 },
      { rank: 4, name: "Cat", score: 1, games: 3, wins: 0, draws: 1, losses: 2, streak: 0, performance: 1233 },
    ]);
    expectNobodyPairedTwiceAtOnce(await gameRows(tid));
    await expectConsistentStandings(tid);
    feed.close();
  }, 60_000);

  it("pairs nobody who paused, and a withdrawal mid-game loses that game", async () => {
    const [a, b, c] = [await minted("Ann"), await minted("Bob"), await minted("Cat")] as [
      TestPlayer,
      TestPlayer,
      TestPlayer,
    ];
    const arena = await create(a, { kind: "arena", durationMs: 600_000 });
    const tid = arena.tournamentId;
    for (const player of [a, b, c]) await join(tid, player);
    const paused = await api<EntryView>(`/api/tournaments/${tid}/pause`, { body: {}, headers: as(c) });
    expect(paused.body.state).toBe("paused");
    await fire(tid, "start");
    let games = await running(tid);
    expect(games.map((game) => [game.p0, game.p1])).toEqual([[a.playerId, b.playerId]]);
    // Bob leaves mid-game: he resigns it, and it scores as Ann's win.
    const left = await api<EntryView>(`/api/tournaments/${tid}/withdraw`, { body: {}, headers: as(b) });
    expect(left.body.state).toBe("withdrawn");
    await settle((games[0] as GameRow).match_id);
    expect((await gameRows(tid))[0]).toMatchObject({ status: "finished", score0: 1 });
    // Cat comes back; Bob is never paired again.
    await api(`/api/tournaments/${tid}/pause`, { body: { paused: false }, headers: as(c) });
    await fire(tid, "pair");
    games = await running(tid);
    expect(games.map((game) => [game.p0, game.p1].sort())).toEqual([[a.playerId, c.playerId].sort()]);
    const rows = await table(tid);
    expect(rows.find((row) => row.playerId === b.playerId)).toMatchObject({ state: "withdrawn", losses: 1, score: 0 });
  }, 60_000);
});

describe("a tournament's games", () => {
  it("rates a rated tournament's games through the Player objects, as after a quick match", async () => {
    const [a, b] = [await minted("Ann"), await minted("Bob")] as [TestPlayer, TestPlayer];
    const arena = await create(a, { kind: "arena", durationMs: 600_000, rated: true });
    for (const player of [a, b]) await join(arena.tournamentId, player);
    await fire(arena.tournamentId, "start");
    const [game] = (await running(arena.tournamentId)) as [GameRow];
    expect((await api<{ rated: boolean }>(`/api/matches/${game.match_id}`)).body.rated).toBe(true);
    // A move first: a match resigned before any move says nothing about strength and is not rated.
    const mover = await Client.connect(game.match_id, (game.p0 === a.playerId ? a : b).token);
    const seq = (await mover.next("snapshot")).state.seq;
    mover.send({ type: "move", id: "first", seq, move: { cell: 4 } });
    await mover.next("event", (frame) => frame.event.kind === "move");
    mover.close();
    await env.Match.getByName(game.match_id).resignPlayer(game.p1);
    await settle(game.match_id);
    const winner = await env.Player.getByName(game.p0).rating("tic-tac-toe");
    const loser = await env.Player.getByName(game.p1).rating("tic-tac-toe");
    expect(winner.rating).toBeGreaterThan(1500);
    expect(loser.rating).toBeLessThan(1500);
    expect((await table(arena.tournamentId))[0]).toMatchObject({ playerId: game.p0, score: 2 });
  });

  it("loses a game for a paired player who never turns up, by the grace period as in any match", async () => {
    const [a, b] = [await minted("Ann"), await minted("Bob")] as [TestPlayer, TestPlayer];
    const arena = await create(a, { kind: "arena", durationMs: 600_000, graceMs: 5_000 });
    for (const player of [a, b]) await join(arena.tournamentId, player);
    await fire(arena.tournamentId, "start");
    const [game] = (await running(arena.tournamentId)) as [GameRow];
    // Seat 1 turns up; seat 0 never does, and its grace period runs out.
    const present = await Client.connect(game.match_id, (game.p1 === a.playerId ? a : b).token);
    await present.next("snapshot");
    await runInDurableObject(env.Match.getByName(game.match_id), async (instance: Match, state) => {
      state.storage.sql.exec("UPDATE timers SET at = 0 WHERE kind = 'grace:0'");
      await instance.onAlarm();
    });
    await present.next("event", (frame) => frame.event.kind === "abandon");
    present.close();
    await settle(game.match_id);
    expect((await gameRows(arena.tournamentId))[0]).toMatchObject({ status: "finished", score0: 0 });
    expect((await table(arena.tournamentId)).map((row) => [row.playerId, row.score])).toEqual([
      [game.p1, 2],
      [game.p0, 0],
    ]);
  });
});
