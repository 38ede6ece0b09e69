import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { LiveMatch } from "../../server/contracts.ts";
import type { Match } from "../../server/match/match.ts";
import { INITIAL_RATING, rated } from "../../server/ratings.ts";
import { MATCH_MIGRATIONS } from "../../server/match/store.ts";
import { INVITE_ALPHABET, type EventsPage, type JoinResult, type MatchSummary } from "../../shared/protocol.ts";
import {
  api,
  as,
  Client,
  createMatch,
  joinMatch,
  newPlayer,
  startedMatch,
  type TestPlayer,
  matchStub as stub,
  settle,
  summary,
} from "./helpers.ts";

type ErrorBody = { error: { code: string; message: string } };

/** The whole numbers from `from` to `to`, both included. */
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

async function live(query = ""): Promise<{ matches: LiveMatch[]; next: string | null }> {
  const response = await api<{ matches: LiveMatch[]; next: string | null }>(`/api/matches?status=live${query}`);
  expect(response.status).toBe(200);
  return response.body;
}

/** A rated tic-tac-toe match for two new players, seated as a Matchmaker seats them. */
async function reservedMatch(prefix: string, startNow: boolean) {
  const players: TestPlayer[] = [await newPlayer("Ada"), await newPlayer("Brian")];
  const matchId = `${prefix}${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const created = await stub(matchId).createReserved({
    gameId: "tic-tac-toe",
    optionsJson: "{}",
    players: players.map((player) => ({ pid: player.playerId, name: player.name, rating: INITIAL_RATING })),
    rated: true,
    startNow,
    source: "matchmaking",
  });
  expect(created).toMatchObject({ ok: true, value: true });
  return { matchId, players };
}

/** Both players connected to a started match. */
async function seatedTable(game = "tic-tac-toe", extra: Record<string, unknown> = {}) {
  const table = await startedMatch(game, extra);
  const sockets = [
    await Client.connect(table.matchId, table.tokens[0]),
    await Client.connect(table.matchId, table.tokens[1]),
  ] as const;
  const seq = (await sockets[0].next("snapshot")).state.seq;
  await sockets[1].next("snapshot");
  return { ...table, sockets, seq };
}

describe("private matches", () => {
  it("gets an invite code without look-alike characters, joinable by code however it is typed, and never listed", async () => {
    const ada = await newPlayer("Ada");
    const match = await createMatch("connect-four", ada, { private: true });
    expect(match.private).toBe(true);
    expect(match.inviteCode).toMatch(new RegExp(`^[${INVITE_ALPHABET}]{6}$`));
    expect(match.inviteCode).not.toMatch(/[01OIL]/);
    expect(match.matchId).toBe(`inv_${match.inviteCode}`);
    expect((match as MatchSummary & { inviteUrl: string }).inviteUrl).toBe(`http://ply.test/i/${match.inviteCode}`);

    const typed = `${match.inviteCode!.slice(0, 3).toLowerCase()}-${match.inviteCode!.slice(3)}`;
    const brian = await newPlayer("Brian");
    const joined = await api<JoinResult>(`/api/invites/${encodeURIComponent(typed)}/join`, {
      method: "POST",
      headers: as(brian),
    });
    expect(joined.status).toBe(200);
    expect(joined.body).toEqual({ matchId: match.matchId, seat: 1 });
    expect((await summary(match.matchId)).status).toBe("playing");

    await settle(match.matchId);
    expect((await live("&game=connect-four")).matches.map((entry) => entry.matchId)).not.toContain(match.matchId);
  });

  it("refuses a malformed code with 400 and an unknown one with 404", async () => {
    const brian = await newPlayer("Brian");
    expect((await api<ErrorBody>("/api/invites/AB0OIL/join", { method: "POST", headers: as(brian) })).status).toBe(400);
    const unknown = await api<ErrorBody>("/api/invites/ZZZZZZ/join", { method: "POST", headers: as(brian) });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not-found");
  });

  it("lets only the creator start, and only with enough players", async () => {
    const ada = await newPlayer("Ada");
    const match = await createMatch("tic-tac-toe", ada, { private: true });
    const brian = await newPlayer("Brian");
    const notCreator = await api<ErrorBody>(`/api/matches/${match.matchId}/start`, {
      method: "POST",
      headers: as(brian),
    });
    expect(notCreator.status).toBe(403);
    expect(notCreator.body.error.code).toBe("not-creator");
    const tooFew = await api<ErrorBody>(`/api/matches/${match.matchId}/start`, { method: "POST", headers: as(ada) });
    expect(tooFew.status).toBe(409);
    expect(tooFew.body.error.code).toBe("not-enough-players");
    expect((await summary(match.matchId)).status).toBe("waiting");
    await joinMatch(match.matchId, brian);
    const again = await api<ErrorBody>(`/api/matches/${match.matchId}/start`, { method: "POST", headers: as(ada) });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("already-started");
  });

  it("keeps a called-off match's seats and capacity, and offers no rematch for it", async () => {
    const { matchId, players } = await reservedMatch("calledOff", false);
    const watcher = await Client.connect(matchId);
    await watcher.next("snapshot");
    expect(await stub(matchId).cancelReserved("not-collected")).toBe(true);
    // The seats it was for stay its capacity (http-api.md §7, protocol.md §5), in the event and the summary.
    const aborted = await watcher.next("event", (frame) => frame.event.kind === "abort");
    expect(aborted.state).toMatchObject({ status: "finished", capacity: 2, seats: [{ seat: 0 }, { seat: 1 }] });
    expect(await summary(matchId)).toMatchObject({ capacity: 2, startedAt: null, result: { kind: "aborted" } });
    const socket = await Client.connect(matchId, players[0]!.token);
    const { state } = await socket.next("snapshot");
    expect(state).toMatchObject({
      status: "finished",
      capacity: 2,
      rematch: null,
      result: { kind: "aborted", reason: "not-collected" },
    });
    socket.send({ type: "rematch" });
    expect((await socket.next("error")).code).toBe("not-finished");
  });
});

describe("the lobby of live matches", () => {
  it("lists a public match when it starts, keeps its move count fresh, and un-lists it when it ends", async () => {
    const { matchId, sockets, seq, players } = await seatedTable("connect-four");
    await settle(matchId);
    const listed = (await live("&game=connect-four")).matches.find((entry) => entry.matchId === matchId);
    expect(listed).toMatchObject({
      gameId: "connect-four",
      moves: 0,
      rated: false,
      players: [
        { seat: 0, name: players[0].name },
        { seat: 1, name: players[1].name },
      ],
    });
    expect(listed?.startedAt).toBe((await summary(matchId)).startedAt);

    sockets[0].send({ type: "move", id: "one", seq, move: { column: 3 } });
    await sockets[0].next("event");
    // The refresh is throttled: make it due, as time passing would.
    await runInDurableObject(stub(matchId), (_instance: Match, state) =>
      state.storage.sql.exec("UPDATE timers SET at = 0 WHERE kind = 'directory'"),
    );
    await settle(matchId);
    expect((await live("&game=connect-four")).matches.find((entry) => entry.matchId === matchId)?.moves).toBe(1);

    sockets[1].send({ type: "resign" });
    await sockets[0].next("event", (frame) => frame.event.kind === "resign");
    await settle(matchId);
    expect((await live("&game=connect-four")).matches.map((entry) => entry.matchId)).not.toContain(matchId);
  });

  it("pages newest first across every game with a cursor", async () => {
    const started: string[] = [];
    for (const game of ["tic-tac-toe", "connect-four", "tic-tac-toe"]) {
      const { matchId } = await startedMatch(game);
      await settle(matchId);
      started.push(matchId);
    }
    const all = (await live("&limit=100")).matches.map((entry) => entry.matchId);
    // Newest first, both games mixed.
    expect(all.filter((id) => started.includes(id))).toEqual([...started].reverse());
    const first = await live("&limit=2");
    expect(first.matches).toHaveLength(2);
    expect(first.next).not.toBeNull();
    const second = await live(`&limit=2&cursor=${first.next}`);
    expect(second.matches.map((entry) => entry.matchId)).not.toContain(first.matches[0]!.matchId);
    expect([...first.matches, ...second.matches].map((entry) => entry.matchId)).toEqual(all.slice(0, 4));
  });

  it.each([
    { query: "?status=finished", why: "a status other than live" },
    { query: "?game=Chess!", why: "a malformed game id" },
    { query: "?limit=0", why: "a zero limit" },
    { query: "?limit=101", why: "a limit over 100" },
    { query: "?cursor=yesterday", why: "a malformed cursor" },
  ])("refuses $why with 400", async ({ query }) => {
    const response = await api<ErrorBody>(`/api/matches${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("bad-request");
  });

  it("answers 400 unknown-game for a game the server does not host", async () => {
    const response = await api<ErrorBody>("/api/matches?game=go");
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("unknown-game");
  });
});

describe("rematch", () => {
  it("plays the next game in the same object and on the same sockets once every player asks, seats rotated", async () => {
    const { matchId, sockets, players } = await seatedTable();
    const spectator = await Client.connect(matchId);
    await spectator.next("snapshot");
    sockets[1].send({ type: "resign" });
    await sockets[0].next("event", (frame) => frame.event.kind === "resign");
    const finalSeq = (await summary(matchId)).seq;

    sockets[0].send({ type: "rematch" });
    expect(await sockets[1].next("rematch")).toEqual({ type: "rematch", offers: [true, false], matchId: null });
    // Asking twice changes nothing.
    sockets[0].send({ type: "rematch" });
    expect(await sockets[0].next("rematch", (frame) => frame.offers[1] === false)).toMatchObject({ matchId: null });
    // The last offer starts the next game in its own handler (no alarm): every socket is welcomed to it.
    sockets[1].send({ type: "rematch" });
    const nextId = `${matchId}.2`;
    for (const [index, socket] of sockets.entries()) {
      const welcome = await socket.next("welcome", (frame) => frame.matchId === nextId);
      expect(welcome).toMatchObject({ role: "player", seat: 1 - index, gameId: "tic-tac-toe" });
      const snapshot = await socket.next("snapshot", (frame) => frame.state.seq === 3);
      expect(snapshot.state).toMatchObject({ status: "playing", moves: 0, rematch: null });
    }
    expect(await spectator.next("welcome", (frame) => frame.matchId === nextId)).toMatchObject({ seat: null });
    const next = await summary(nextId);
    expect(next).toMatchObject({ matchId: nextId, status: "playing", seq: 3, rematchId: null });
    expect(next.seats.map((seat) => seat.playerId)).toEqual([players[1].playerId, players[0].playerId]);

    // The old game keeps its id, its summary and its own log; it names the next game.
    expect(await summary(matchId)).toMatchObject({ matchId, status: "finished", seq: finalSeq, rematchId: nextId });
    const oldLog = await api<EventsPage>(`/api/matches/${matchId}/events`);
    expect(oldLog.body.events.map((event) => event.seq)).toEqual(range(1, finalSeq));
    expect(oldLog.body.events.at(-1)).toMatchObject({ kind: "resign", seat: 1 });
    const newLog = await api<EventsPage>(`/api/matches/${nextId}/events`);
    expect(newLog.body.events.map((event) => [event.seq, event.kind])).toEqual([
      [1, "join"],
      [2, "join"],
      [3, "start"],
    ]);
    expect((await api<EventsPage>(`/api/matches/${matchId}/events?after=${finalSeq - 1}`)).body.events).toHaveLength(1);

    // The new seats play on the old sockets: seat 0 is the player who was seat 1.
    sockets[1].send({ type: "move", id: "n1", seq: 3, move: { cell: 4 } });
    const moved = await sockets[0].next("event", (frame) => frame.event.kind === "move");
    expect(moved.event).toMatchObject({ seq: 4, seat: 0 });
    sockets[1].send({ type: "move", id: "n2", seq: 4, move: { cell: 0 } });
    expect(await sockets[1].next("error")).toMatchObject({ code: "not-your-turn", id: "n2" });

    // A second delivery of the alarm starts nothing more; a socket opened on the old id joins the current game.
    await runInDurableObject(stub(matchId), async (instance: Match, state) => {
      state.storage.sql.exec("INSERT OR REPLACE INTO timers (kind, at, seq) VALUES ('rematch', 0, 0)");
      await instance.onAlarm();
    });
    expect((await api(`/api/matches/${matchId}.3`)).status).toBe(404);
    const late = await Client.connect(matchId, players[0].token);
    expect(await late.next("welcome")).toMatchObject({ matchId: nextId, role: "player", seat: 1 });
    expect((await late.next("snapshot")).state.seq).toBe(4);
    // The old game takes no one and does not start again.
    const joined = await api<ErrorBody>(`/api/matches/${matchId}/join`, { method: "POST", headers: as(players[0]) });
    expect(joined.body.error.code).toBe("match-full");
    // A tournament's resignation of its game does not reach the series' next game.
    expect(await stub(matchId).resignPlayer(players[0].playerId, matchId)).toBe(false);
    expect((await summary(nextId)).status).toBe("playing");
  });
});

describe("reports across a series", () => {
  it("tells the players of a game the next game overtook, both games in one call each", async () => {
    const { matchId, sockets, players } = await seatedTable();
    sockets[1].send({ type: "resign" });
    await sockets[0].next("event", (frame) => frame.event.kind === "resign");
    // The players' records have not heard of the game when the next one starts.
    const later = Date.now() + 3_600_000;
    await runInDurableObject(stub(matchId), (_instance: Match, state) =>
      state.storage.sql.exec("UPDATE timers SET at = ? WHERE kind = 'report'", later),
    );
    for (const socket of sockets) socket.send({ type: "rematch" });
    await sockets[0].next("welcome", (frame) => frame.matchId === `${matchId}.2`);
    sockets[0].send({ type: "resign" });
    await sockets[1].next("event", (frame) => frame.event.kind === "resign");
    // The second game's end keeps the pending report where it was; it comes due.
    await runInDurableObject(stub(matchId), (_instance: Match, state) =>
      state.storage.sql.exec("UPDATE timers SET at = 0 WHERE kind = 'report' AND at = ?", later),
    );
    await settle(matchId);
    for (const player of players) {
      const profile = await api<{ recent: { matchId: string }[] }>(`/api/players/${player.playerId}`);
      expect(profile.body.recent.map((game) => game.matchId).sort()).toEqual([matchId, `${matchId}.2`].sort());
    }
    const waiting = await runInDurableObject(stub(matchId), (_instance: Match, state) => ({
      archived: state.storage.sql.exec("SELECT count(*) AS n FROM games WHERE reports IS NOT NULL").one().n,
      timer: state.storage.sql.exec("SELECT count(*) AS n FROM timers WHERE kind = 'report'").one().n,
    }));
    expect(waiting).toEqual({ archived: 0, timer: 0 });
  });
});

describe("abandonment", () => {
  it("shows the countdown, and a player who stays away past the grace period loses by alarm", async () => {
    const { matchId, sockets } = await seatedTable("connect-four", { graceMs: 10_000 });
    const spectator = await Client.connect(matchId);
    await spectator.next("snapshot");
    sockets[1].close();
    const away = (await spectator.next("presence", (frame) => !frame.presence.connected[1])).presence;
    expect(away.forfeitAt[1]).toBeGreaterThan(Date.now() + 5_000);
    expect(away.forfeitAt[1]).toBeLessThanOrEqual(Date.now() + 10_000);

    // The grace period passes.
    await runInDurableObject(stub(matchId), (_instance: Match, state) =>
      state.storage.sql.exec("UPDATE timers SET at = 0 WHERE kind = 'grace:1'"),
    );
    expect(await runDurableObjectAlarm(stub(matchId))).toBe(true);
    const end = await spectator.next("event", (frame) => frame.event.kind === "abandon");
    expect(end.event).toMatchObject({ kind: "abandon", seat: 1 });
    expect(end.state.result).toEqual({ kind: "win", winners: [0], reason: "abandoned" });
  });

  it("forgives a player who comes back in time", async () => {
    const { matchId, sockets, tokens } = await seatedTable("tic-tac-toe");
    const spectator = await Client.connect(matchId);
    await spectator.next("snapshot");
    sockets[1].close();
    await spectator.next("presence", (frame) => frame.presence.forfeitAt[1] !== null);
    const back = await Client.connect(matchId, tokens[1]);
    const presence = (await spectator.next("presence", (frame) => frame.presence.connected[1] === true)).presence;
    expect(presence.forfeitAt).toEqual([null, null]);
    await back.next("snapshot");
    const timers = await runInDurableObject(stub(matchId), (_instance: Match, state) =>
      state.storage.sql.exec<{ kind: string }>("SELECT kind FROM timers WHERE kind LIKE 'grace:%'").toArray(),
    );
    expect(timers).toEqual([]);
  });

  it("starts the grace period for a seat nobody connects to at the start", async () => {
    const { matchId } = await startedMatch("tic-tac-toe");
    const spectator = await Client.connect(matchId);
    const { presence } = await spectator.next("snapshot");
    expect(presence.connected).toEqual([false, false]);
    expect(presence.forfeitAt.every((at) => at !== null && at > Date.now())).toBe(true);
  });
});

describe("ratings", () => {
  async function ratedMatch(winner: 0 | 1) {
    const { matchId, players } = await reservedMatch("rated", true);
    const sockets = await Promise.all(players.map((player) => Client.connect(matchId, player.token)));
    const seq = (await sockets[0]!.next("snapshot")).state.seq;
    sockets[0]!.send({ type: "move", id: "first", seq, move: { cell: 4 } });
    await sockets[1]!.next("event");
    sockets[1 - winner]!.send({ type: "resign" });
    await sockets[winner]!.next("event", (frame) => frame.event.kind === "resign");
    await settle(matchId);
    return { matchId, players };
  }

  it("updates both players once, to the Glicko-2 figures, when a rated match ends", async () => {
    const { matchId, players } = await ratedMatch(0);
    const profile = async (player: TestPlayer) =>
      (
        await api<{ ratings: Record<string, { rating: number; rd: number; vol: number; games: number }> }>(
          `/api/players/${player.playerId}`,
        )
      ).body;
    const winner = rated(INITIAL_RATING, [{ opponent: INITIAL_RATING, score: 1 }]);
    const loser = rated(INITIAL_RATING, [{ opponent: INITIAL_RATING, score: 0 }]);
    expect((await profile(players[0]!)).ratings["tic-tac-toe"]).toEqual({ ...winner, games: 1 });
    expect((await profile(players[1]!)).ratings["tic-tac-toe"]).toEqual({ ...loser, games: 1 });
    // A second delivery of the report changes nothing.
    await runInDurableObject(stub(matchId), async (instance: Match, state) => {
      state.storage.sql.exec("INSERT OR REPLACE INTO timers (kind, at, seq) VALUES ('report', 0, 0)");
      await instance.onAlarm();
    });
    expect((await profile(players[0]!)).ratings["tic-tac-toe"]).toEqual({ ...winner, games: 1 });
  });

  it("does not rate a match that ended before its first move", async () => {
    const { matchId, players } = await reservedMatch("unrated", true);
    const socket = await Client.connect(matchId, players[1]!.token);
    await socket.next("snapshot");
    socket.send({ type: "resign" });
    await socket.next("event", (frame) => frame.event.kind === "resign");
    await settle(matchId);
    const profile = (
      await api<{ ratings: Record<string, unknown>; recent: { matchId: string; rated: boolean }[] }>(
        `/api/players/${players[0]!.playerId}`,
      )
    ).body;
    expect(profile.ratings["tic-tac-toe"]).toBeUndefined();
    expect(profile.recent).toEqual([expect.objectContaining({ matchId, rated: false })]);
  });
});

describe("schema migrations", () => {
  it("brings a match stored at schema version 1 up to the current version, keeping its data", async () => {
    const matchId = "legacyMatch0001";
    await runInDurableObject(stub(matchId), (_instance: Match, state) => {
      const sql = state.storage.sql;
      sql.exec("CREATE TABLE schema_version (version INTEGER NOT NULL)");
      sql.exec("INSERT INTO schema_version (version) VALUES (1)");
      sql.exec(MATCH_MIGRATIONS[0]!);
      sql.exec(
        `INSERT INTO match (id, match_id, game_id, options, capacity, turn_ms, seed, status, created_at)
         VALUES (1, ?, 'tic-tac-toe', '{}', 2, 30000, 'seed', 'waiting', 1)`,
        matchId,
      );
      sql.exec("INSERT INTO seats (seat, player_id, name, joined_at) VALUES (0, 'legacyPlayer01', 'Old', 1)");
      sql.exec(
        "INSERT INTO snapshot (id, seq, state) VALUES (1, 1, ?)",
        JSON.stringify({ status: "waiting", players: 0, game: null, random: null, moves: 0, result: null }),
      );
    });
    // Loading it migrates it: the new columns take their defaults.
    expect(await summary(matchId)).toMatchObject({
      matchId,
      status: "waiting",
      seats: [{ seat: 0, name: "Old", playerId: "legacyPlayer01" }],
      graceMs: 60_000,
      private: false,
      rated: false,
      minPlayers: 2,
    });
    const version = await runInDurableObject(
      stub(matchId),
      (_instance: Match, state) =>
        state.storage.sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version,
    );
    expect(version).toBe(MATCH_MIGRATIONS.length);
    const joined = await joinMatch(matchId, await newPlayer("New"));
    expect(joined.seat).toBe(1);
  });
});
