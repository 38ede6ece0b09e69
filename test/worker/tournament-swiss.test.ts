/**
 * Worker tests of Swiss tournaments: rounds, deadlines, byes and tie-breaks (fixtures in
 * tournament-fixtures.ts).
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Tournament } from "../../server/tournament/tournament.ts";
import { api, as, type TestPlayer } from "./helpers.ts";
import {
  type GameRow,
  minted,
  create,
  join,
  stub,
  fire,
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
  fourPlayers,
} from "./tournament-fixtures.ts";

/** A three-round Swiss that Ann creates and Ann, Bob, Cat and Dan join, not started yet. */
async function swissOfFour() {
  const four = await fourPlayers();
  const swiss = await create(four.a, { kind: "swiss", rounds: 3 });
  for (const player of [four.a, four.b, four.c, four.d]) await join(swiss.tournamentId, player);
  return { ...four, tid: swiss.tournamentId };
}

describe("a Swiss tournament", () => {
  it("pairs the next round at the deadline; a game still running then counts for its own round", async () => {
    const { a, b, c, d, players, tid } = await swissOfFour();
    await fire(tid, "start");
    const first = await gameRows(tid);
    await finish(between(first, a.playerId, c.playerId), { winner: a.playerId }, players);
    // Bob v Dan is still being played when round 1's deadline comes.
    await runInDurableObject(stub(tid), (_instance: Tournament, state) => {
      state.storage.sql.exec("UPDATE tournament SET round_deadline = ?", Date.now() - 1);
    });
    await fire(tid, "deadline");
    expect((await summary(tid)).round).toBe(2);
    // Only Ann and Cat are free: they meet again (no repeat-free pairing exists for two).
    const second = (await running(tid)).filter((game) => game.round === 2);
    expect(second.map((game) => [game.p0, game.p1].sort())).toEqual([[a.playerId, c.playerId].sort()]);
    await finish(between(first, b.playerId, d.playerId), { winner: b.playerId }, players);
    const late = (await gameRows(tid)).find((game) => game.p0 === b.playerId || game.p1 === b.playerId);
    expect(late).toMatchObject({ round: 1, status: "finished" });
    expect((await table(tid)).find((row) => row.playerId === b.playerId)).toMatchObject({ score: 1, games: 1 });
  });

  it("runs an odd field of house bots through its rounds: one bye a round, no repeats, final standings", async () => {
    const creator = await minted("Organiser");
    const swiss = await create(creator, { kind: "swiss", rounds: 3, bots: 5 });
    const tid = swiss.tournamentId;
    await fire(tid, "start");
    for (let round = 1; round <= 3; round++) {
      const games = await running(tid);
      expect(games.every((game) => game.round === round)).toBe(true);
      expect(games).toHaveLength(2);
      await Promise.all(games.map((game) => ended(game.match_id)));
      if (round < 3) await fire(tid, "pair");
    }
    const done = await summary(tid);
    expect(done).toMatchObject({ status: "finished", round: 3 });
    const games = await gameRows(tid);
    expect(games).toHaveLength(6);
    const pairs = games.map((game) => [game.p0, game.p1].sort().join());
    expect(new Set(pairs).size).toBe(pairs.length);
    const byes = await runInDurableObject(stub(tid), (_instance: Tournament, state) =>
      state.storage.sql.exec<{ round: number; pid: string }>("SELECT round, pid FROM byes ORDER BY round").toArray(),
    );
    expect(byes.map((bye) => bye.round)).toEqual([1, 2, 3]);
    expect(new Set(byes.map((bye) => bye.pid)).size).toBe(3);
    expectNobodyPairedTwiceAtOnce(games);
    await expectConsistentStandings(tid);
  }, 60_000);

  it("pairs and scores people's rounds to a hand-computed table with Buchholz and Sonneborn–Berger", async () => {
    const { a, b, c, d, players, tid } = await swissOfFour();
    const pairs = async () =>
      (await running(tid)).map((game) => [players.get(game.p0)?.name, players.get(game.p1)?.name]).sort();
    await fire(tid, "start");
    // Round 1, all equal: top half v bottom half.
    expect(await pairs()).toEqual([
      ["Ann", "Cat"],
      ["Bob", "Dan"],
    ]);
    let games = await gameRows(tid);
    await finish(between(games, a.playerId, c.playerId), { winner: a.playerId }, players);
    await finish(between(games, b.playerId, d.playerId), "draw", players);
    await fire(tid, "pair");
    // Round 2: Ann 1; Bob and Dan ½; Cat 0. Ann meets Bob (the best below her); Dan, with seat 1 before, v Cat.
    expect(await pairs()).toEqual([
      ["Ann", "Bob"],
      ["Dan", "Cat"],
    ]);
    games = await gameRows(tid);
    await finish(between(games, a.playerId, b.playerId), { winner: b.playerId }, players);
    await finish(between(games, d.playerId, c.playerId), { winner: d.playerId }, players);
    await fire(tid, "pair");
    // Round 3: Bob and Dan 1½ have met, so Bob meets Cat and Dan meets Ann; seats to those who had seat 1 more.
    expect(await pairs()).toEqual([
      ["Cat", "Bob"],
      ["Dan", "Ann"],
    ]);
    games = await gameRows(tid);
    await finish(between(games, b.playerId, c.playerId), { winner: b.playerId }, players);
    await finish(between(games, a.playerId, d.playerId), "draw", players);
    // The last round's last game ends the tournament.
    const done = await summary(tid);
    expect(done.status).toBe("finished");
    expect(done.podium.map((row) => row.name)).toEqual(["Bob", "Dan", "Ann"]);
    const rows = await table(tid);
    expect(
      rows.map(({ rank, name, score, buchholz, sonnebornBerger }) => ({
        rank,
        name,
        score,
        buchholz,
        sonnebornBerger,
      })),
    ).toEqual([
      { rank: 1, name: "Bob", score: 2.5, buchholz: 2 + 1.5 + 0, sonnebornBerger: 0.5 * 2 + 1.5 + 0 },
      { rank: 2, name: "Dan", score: 2, buchholz: 2.5 + 0 + 1.5, sonnebornBerger: 0.5 * 2.5 + 0 + 0.5 * 1.5 },
      { rank: 3, name: "Ann", score: 1.5, buchholz: 0 + 2.5 + 2, sonnebornBerger: 0 + 0 + 0.5 * 2 },
      { rank: 4, name: "Cat", score: 0, buchholz: 1.5 + 2 + 2.5, sonnebornBerger: 0 },
    ]);
    await expectConsistentStandings(tid);
  }, 60_000);

  it("ends when every entrant has left", async () => {
    const [a, b] = [await minted("Ann"), await minted("Bob")] as [TestPlayer, TestPlayer];
    const swiss = await create(a, { kind: "swiss", rounds: 5 });
    const tid = swiss.tournamentId;
    for (const player of [a, b]) await join(tid, player);
    await fire(tid, "start");
    const [game] = await running(tid);
    for (const player of [a, b]) await api(`/api/tournaments/${tid}/withdraw`, { body: {}, headers: as(player) });
    await settle((game as GameRow).match_id);
    await fire(tid, "pair");
    expect((await summary(tid)).status).toBe("finished");
  }, 60_000);
});
