import { env, exports } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { nanoid } from "nanoid";
import { describe, expect, it } from "vitest";
import { signToken } from "../../server/auth.ts";
import type { Match } from "../../server/match/match.ts";
import { standings } from "../../server/tournament/scoring.ts";
import type { Tournament } from "../../server/tournament/tournament.ts";
import type {
  EntryView,
  StandingRow,
  StandingsPage,
  TournamentCreated,
  TournamentFrame,
  TournamentGamesPage,
  TournamentListPage,
  TournamentSummary,
} from "../../shared/tournament.ts";
import { TEST_TOKEN_SECRET } from "../secret.ts";
import { api, as, Client, ORIGIN, type TestPlayer } from "./helpers.ts";

type ErrorBody = { error: { code: string; message: string } };
type GameRow = {
  match_id: string;
  round: number | null;
  p0: string;
  p1: string;
  status: string;
  created_at: number;
  ended_at: number | null;
  score0: number | null;
};

/** A player with a signed token (POST /api/players is rate limited per address, shared by the run). */
async function minted(name: string): Promise<TestPlayer> {
  const playerId = nanoid();
  return { playerId, name, token: await signToken(TEST_TOKEN_SECRET, { pid: playerId, name }) };
}

async function create(creator: TestPlayer, body: Record<string, unknown>): Promise<TournamentCreated> {
  const created = await api<TournamentCreated>("/api/tournaments", {
    body: { name: "Test cup", game: "tic-tac-toe", startsInMs: 3_600_000, ...body },
    headers: as(creator),
  });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

async function join(tid: string, player: TestPlayer, body: Record<string, unknown> = {}) {
  return api<EntryView & ErrorBody>(`/api/tournaments/${tid}/join`, { body, headers: as(player) });
}

function stub(tid: string) {
  return env.Tournament.getByName(tid);
}

/** Makes a timer due and runs the alarm: how tests move a tournament's clock without sleeping. */
async function fire(tid: string, kind: string): Promise<void> {
  await runInDurableObject(stub(tid), async (instance: Tournament, state) => {
    state.storage.sql.exec("INSERT INTO timers (kind, at) VALUES (?, 0) ON CONFLICT (kind) DO UPDATE SET at = 0", kind);
    await instance.alarm();
  });
}

/** The arena's time is up now. */
async function endArena(tid: string): Promise<void> {
  await runInDurableObject(stub(tid), (_instance: Tournament, state) => {
    state.storage.sql.exec("UPDATE tournament SET ends_at = ?", Date.now() - 1);
  });
  await fire(tid, "end");
}

async function gameRows(tid: string): Promise<GameRow[]> {
  return runInDurableObject(stub(tid), (_instance: Tournament, state) =>
    state.storage.sql.exec<GameRow>("SELECT * FROM games ORDER BY created_at, match_id").toArray(),
  );
}

async function running(tid: string): Promise<GameRow[]> {
  return (await gameRows(tid)).filter((game) => game.status !== "finished");
}

async function summary(tid: string): Promise<TournamentSummary> {
  return (await api<TournamentSummary>(`/api/tournaments/${tid}`)).body;
}

async function table(tid: string): Promise<readonly StandingRow[]> {
  return (await api<StandingsPage>(`/api/tournaments/${tid}/standings?limit=200`)).body.rows;
}

/** Delivers what a match's outbox holds (the tournament hears the result; a repeat changes nothing). */
async function settle(matchId: string): Promise<void> {
  await runInDurableObject(env.Match.getByName(matchId), (instance: Match) => instance.onAlarm());
}

/** Waits for a match to end (bots play on the match's alarm), then makes sure its result is delivered. */
async function ended(matchId: string): Promise<void> {
  const spectator = await Client.connect(matchId);
  let state = (await spectator.next("snapshot")).state;
  while (state.status !== "finished") state = (await spectator.next("event")).state;
  spectator.close();
  await settle(matchId);
}

/** Ends a game between people: `winner` wins (the other resigns), or a draw by agreement. */
async function finish(
  game: GameRow,
  outcome: { winner: string } | "draw",
  players: Map<string, TestPlayer>,
): Promise<void> {
  const match = env.Match.getByName(game.match_id);
  if (outcome === "draw") {
    const [first, second] = [players.get(game.p0), players.get(game.p1)] as [TestPlayer, TestPlayer];
    const a = await Client.connect(game.match_id, first.token);
    const b = await Client.connect(game.match_id, second.token);
    await a.next("snapshot");
    await b.next("snapshot");
    a.send({ type: "draw", action: "offer" });
    await b.next("event", (frame) => frame.event.kind === "draw-offer");
    b.send({ type: "draw", action: "accept" });
    await a.next("event", (frame) => frame.state.status === "finished");
    a.close();
    b.close();
  } else {
    const loser = outcome.winner === game.p0 ? game.p1 : game.p0;
    expect(await match.resignPlayer(loser)).toBe(true);
  }
  await settle(game.match_id);
}

/** The game between two players now running. */
function between(games: readonly GameRow[], a: string, b: string): GameRow {
  const game = games.find(
    (row) => row.status !== "finished" && [row.p0, row.p1].sort().join() === [a, b].sort().join(),
  );
  if (!game) throw new Error(`no game between ${a} and ${b} in ${JSON.stringify(games)}`);
  return game;
}

/** Every player's games are one after another: none starts before their previous one ended. */
function expectNobodyPairedTwiceAtOnce(games: readonly GameRow[]): void {
  const byPlayer = new Map<string, GameRow[]>();
  for (const game of games)
    for (const pid of [game.p0, game.p1]) byPlayer.set(pid, [...(byPlayer.get(pid) ?? []), game]);
  for (const [pid, list] of byPlayer) {
    for (let index = 1; index < list.length; index++) {
      const before = list[index - 1] as GameRow;
      const after = list[index] as GameRow;
      expect(before.ended_at, `${pid} was paired in ${after.match_id} while ${before.match_id} ran`).not.toBeNull();
      expect(after.created_at).toBeGreaterThanOrEqual(before.ended_at as number);
    }
  }
}

/** The standings the object answers agree with the pure rules over its own rows, and with its running tallies. */
async function expectConsistentStandings(tid: string): Promise<void> {
  const { kind, rows, tallies, recomputed } = await runInDurableObject(stub(tid), (_instance: Tournament, state) => {
    const sql = state.storage.sql;
    const kind = sql.exec<{ kind: "arena" | "swiss" }>("SELECT kind FROM tournament").one().kind;
    const entrants = sql
      .exec<{
        pid: string;
        name: string;
        rating: number;
        joined: number;
        state: "active";
        playing: string | null;
        score: number;
      }>("SELECT * FROM entrants")
      .toArray();
    const games = sql.exec<GameRow>("SELECT * FROM games").toArray();
    const byes = sql
      .exec<{ pid: string }>("SELECT pid FROM byes")
      .toArray()
      .map((row) => row.pid);
    const recomputed = standings(
      kind,
      entrants.map((row) => ({
        pid: row.pid,
        name: row.name,
        rating: row.rating,
        order: row.joined,
        state: row.state,
        playing: row.playing,
      })),
      games.map((row) => ({
        matchId: row.match_id,
        p0: row.p0,
        p1: row.p1,
        score0: row.score0 as 0 | 0.5 | 1 | null,
        endedAt: row.ended_at,
      })),
      byes,
    );
    return { kind, rows: [], tallies: new Map(entrants.map((row) => [row.pid, row.score])), recomputed };
  });
  void rows;
  const answered = await table(tid);
  expect(answered).toEqual(recomputed);
  for (const row of answered) expect(row.score, `${kind} tally of ${row.playerId}`).toBe(tallies.get(row.playerId));
}

/** A tournament's feed socket. */
class Feed {
  readonly frames: TournamentFrame[] = [];
  #waiters: (() => void)[] = [];
  #cursor = 0;
  private constructor(readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(String(event.data)) as TournamentFrame);
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }
  static async open(tid: string, token?: string): Promise<Feed> {
    const query = token === undefined ? "" : `?token=${token}`;
    const response = await exports.default.fetch(`${ORIGIN}/parties/tournament/${tid}${query}`, {
      headers: { Upgrade: "websocket" },
    });
    if (!response.webSocket) throw new Error(`refused: ${response.status} ${await response.text()}`);
    response.webSocket.accept();
    return new Feed(response.webSocket);
  }
  async next<T extends TournamentFrame["type"]>(
    type: T,
    where: (frame: Extract<TournamentFrame, { type: T }>) => boolean = () => true,
  ) {
    for (;;) {
      while (this.#cursor < this.frames.length) {
        const frame = this.frames[this.#cursor++] as TournamentFrame;
        if (frame.type === type && where(frame as Extract<TournamentFrame, { type: T }>))
          return frame as Extract<TournamentFrame, { type: T }>;
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }
  close(): void {
    this.socket.close(1000, "done");
  }
}

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
    const [a, b, c, d] = [await minted("Ann"), await minted("Bob"), await minted("Cat"), await minted("Dan")] as [
      TestPlayer,
      TestPlayer,
      TestPlayer,
      TestPlayer,
    ];
    const players = new Map([a, b, c, d].map((player) => [player.playerId, player]));
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

describe("a Swiss tournament", () => {
  it("pairs the next round at the deadline; a game still running then counts for its own round", async () => {
    const [a, b, c, d] = [await minted("Ann"), await minted("Bob"), await minted("Cat"), await minted("Dan")] as [
      TestPlayer,
      TestPlayer,
      TestPlayer,
      TestPlayer,
    ];
    const players = new Map([a, b, c, d].map((player) => [player.playerId, player]));
    const swiss = await create(a, { kind: "swiss", rounds: 3 });
    const tid = swiss.tournamentId;
    for (const player of [a, b, c, d]) await join(tid, player);
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
    const [a, b, c, d] = [await minted("Ann"), await minted("Bob"), await minted("Cat"), await minted("Dan")] as [
      TestPlayer,
      TestPlayer,
      TestPlayer,
      TestPlayer,
    ];
    const players = new Map([a, b, c, d].map((player) => [player.playerId, player]));
    const swiss = await create(a, { kind: "swiss", rounds: 3 });
    const tid = swiss.tournamentId;
    for (const player of [a, b, c, d]) await join(tid, player);
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
