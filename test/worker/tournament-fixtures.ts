/**
 * Shared fixtures of the tournament worker tests (tournament-*.test.ts): players, the routes,
 * the object's rows and timers, finishing games, the feed socket and the invariants checked.
 */
import { env, exports } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { nanoid } from "nanoid";
import { expect } from "vitest";
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
  TournamentSummary,
} from "../../shared/tournament.ts";
import { TEST_TOKEN_SECRET } from "../secret.ts";
import { api, as, Client, ORIGIN, type TestPlayer } from "./helpers.ts";

export type ErrorBody = { error: { code: string; message: string } };
export type GameRow = {
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
export async function minted(name: string): Promise<TestPlayer> {
  const playerId = nanoid();
  return { playerId, name, token: await signToken(TEST_TOKEN_SECRET, { pid: playerId, name }) };
}

/** Ann, Bob, Cat and Dan, minted, with a map from their ids to them (what `finish` takes). */
export async function fourPlayers(): Promise<{
  readonly a: TestPlayer;
  readonly b: TestPlayer;
  readonly c: TestPlayer;
  readonly d: TestPlayer;
  readonly players: Map<string, TestPlayer>;
}> {
  const [a, b, c, d] = [await minted("Ann"), await minted("Bob"), await minted("Cat"), await minted("Dan")] as const;
  return { a, b, c, d, players: new Map([a, b, c, d].map((player) => [player.playerId, player])) };
}

export async function create(creator: TestPlayer, body: Record<string, unknown>): Promise<TournamentCreated> {
  const created = await api<TournamentCreated>("/api/tournaments", {
    body: { name: "Test cup", game: "tic-tac-toe", startsInMs: 3_600_000, ...body },
    headers: as(creator),
  });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

export async function join(tid: string, player: TestPlayer, body: Record<string, unknown> = {}) {
  return api<EntryView & ErrorBody>(`/api/tournaments/${tid}/join`, { body, headers: as(player) });
}

export function stub(tid: string) {
  return env.Tournament.getByName(tid);
}

/** Makes a timer due and runs the alarm: how tests move a tournament's clock without sleeping. */
export async function fire(tid: string, kind: string): Promise<void> {
  await runInDurableObject(stub(tid), async (instance: Tournament, state) => {
    state.storage.sql.exec("INSERT INTO timers (kind, at) VALUES (?, 0) ON CONFLICT (kind) DO UPDATE SET at = 0", kind);
    await instance.alarm();
  });
}

/** The arena's time is up now. */
export async function endArena(tid: string): Promise<void> {
  await runInDurableObject(stub(tid), (_instance: Tournament, state) => {
    state.storage.sql.exec("UPDATE tournament SET ends_at = ?", Date.now() - 1);
  });
  await fire(tid, "end");
}

export async function gameRows(tid: string): Promise<GameRow[]> {
  return runInDurableObject(stub(tid), (_instance: Tournament, state) =>
    state.storage.sql.exec<GameRow>("SELECT * FROM games ORDER BY created_at, match_id").toArray(),
  );
}

export async function running(tid: string): Promise<GameRow[]> {
  return (await gameRows(tid)).filter((game) => game.status !== "finished");
}

export async function summary(tid: string): Promise<TournamentSummary> {
  return (await api<TournamentSummary>(`/api/tournaments/${tid}`)).body;
}

export async function table(tid: string): Promise<readonly StandingRow[]> {
  return (await api<StandingsPage>(`/api/tournaments/${tid}/standings?limit=200`)).body.rows;
}

/** Delivers what a match's outbox holds (the tournament hears the result; a repeat changes nothing). */
export async function settle(matchId: string): Promise<void> {
  await runInDurableObject(env.Match.getByName(matchId), (instance: Match) => instance.onAlarm());
}

/** Waits for a match to end (bots play on the match's alarm), then makes sure its result is delivered. */
export async function ended(matchId: string): Promise<void> {
  const spectator = await Client.connect(matchId);
  let state = (await spectator.next("snapshot")).state;
  while (state.status !== "finished") state = (await spectator.next("event")).state;
  spectator.close();
  await settle(matchId);
}

/** Ends a game between people: `winner` wins (the other resigns), or a draw by agreement. */
export async function finish(
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
export function between(games: readonly GameRow[], a: string, b: string): GameRow {
  const game = games.find(
    (row) => row.status !== "finished" && [row.p0, row.p1].sort().join() === [a, b].sort().join(),
  );
  if (!game) throw new Error(`no game between ${a} and ${b} in ${JSON.stringify(games)}`);
  return game;
}

/** Every player's games are one after another: none starts before their previous one ended. */
export function expectNobodyPairedTwiceAtOnce(games: readonly GameRow[]): void {
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
export async function expectConsistentStandings(tid: string): Promise<void> {
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
export class Feed {
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
