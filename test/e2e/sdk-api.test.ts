/**
 * The client SDK end to end: Api's typed HTTP calls, and whole games played by the random bot
 * from Node, against a real `wrangler dev`. No sleeps: every wait is for an event or a condition,
 * bounded by a timeout.
 */
import { describe, expect, it } from "vitest";
import { Api } from "../../client/api.ts";
import { playRandom } from "../../client/bot.ts";
import type { PlayerCreated } from "../../shared/protocol.ts";
import {
  api,
  board,
  connect,
  fours,
  players,
  range,
  replayBoard,
  seeded,
  seqs,
  server,
  serverLog,
  table,
  timeless,
  unwrap,
  useDevServer,
  within,
} from "./sdk-harness.ts";

useDevServer();
describe("the client SDK against a real wrangler dev", () => {
  it("speaks the HTTP API with typed values, failures included", async () => {
    const [ada, brian, carol] = players as [PlayerCreated, PlayerCreated, PlayerCreated];
    // An origin with a trailing slash works as well.
    const games = unwrap(await new Api({ origin: `${server.origin}/` }).games());
    expect(games.games.map((game) => game.id).sort()).toEqual([
      "battleship",
      "chess",
      "connect-four",
      "crazy-eights",
      "tic-tac-toe",
    ]);
    expect(games.games.find((game) => game.id === "connect-four")).toMatchObject({
      minPlayers: 2,
      maxPlayers: 2,
      hiddenInformation: false,
    });
    expect(unwrap(await api.profile(ada.playerId))).toMatchObject({ playerId: ada.playerId, name: "Ada" });
    expect(unwrap(await api.leaderboard("connect-four", 0, 10))).toMatchObject({
      gameId: "connect-four",
      entries: expect.any(Array),
    });
    expect(unwrap(await api.live({ game: "connect-four", limit: 5 }))).toMatchObject({ matches: expect.any(Array) });

    // A private match, joined with its invite code as people type it.
    const created = unwrap(await api.as(ada.token).createMatch({ game: "tic-tac-toe", private: true }));
    expect(created).toMatchObject({
      seat: 0,
      private: true,
      inviteCode: expect.any(String),
      inviteUrl: expect.stringContaining("/i/"),
    });
    const code = created.inviteCode!;
    expect(await api.as(carol.token).start(created.matchId)).toMatchObject({
      ok: false,
      error: { status: 403, code: "not-creator" },
    });
    expect(await api.as(ada.token).start(created.matchId)).toMatchObject({
      ok: false,
      error: { status: 409, code: "not-enough-players" },
    });
    const joined = unwrap(await api.as(brian.token).joinInvite(`${code.slice(0, 3)}-${code.slice(3)}`.toLowerCase()));
    expect(joined).toEqual({ matchId: created.matchId, seat: 1 });
    expect(await api.as(carol.token).join(created.matchId)).toMatchObject({
      ok: false,
      error: { status: 409, code: "match-full" },
    });
    expect(unwrap(await api.match(created.matchId))).toMatchObject({
      status: "playing",
      seats: [{ name: "Ada" }, { name: "Brian" }],
    });
    expect(unwrap(await api.events(created.matchId)).events.map((event) => event.kind)).toEqual([
      "join",
      "join",
      "start",
    ]);

    // A quick-match ticket, taken and given back.
    const ticket = unwrap(await api.as(carol.token).enqueue("connect-four"));
    expect(ticket).toMatchObject({ gameId: "connect-four", status: "waiting" });
    expect(unwrap(await api.as(carol.token).ticket(ticket.ticketId))).toMatchObject({
      ticketId: ticket.ticketId,
      status: "waiting",
    });
    expect(unwrap(await api.as(carol.token).cancelTicket(ticket.ticketId))).toMatchObject({ status: "cancelled" });

    // Failures are values with the server's codes; no answer at all is `network`.
    expect(await api.match("no-such-match-1")).toMatchObject({ ok: false, error: { status: 404, code: "not-found" } });
    expect(await api.createMatch({ game: "connect-four" })).toMatchObject({
      ok: false,
      error: { status: 401, code: "unauthorized" },
    });
    expect(await api.as(ada.token).createMatch({ game: "go" })).toMatchObject({
      ok: false,
      error: { status: 400, code: "unknown-game" },
    });
    expect(await api.createPlayer("<script>")).toMatchObject({ ok: false, error: { status: 400 } });
    expect(await new Api({ origin: "http://127.0.0.1:1" }).games()).toMatchObject({
      ok: false,
      error: { status: 0, code: "network" },
    });
  });

  it("plays a whole game of Connect Four with the random bot, watched by a spectator", async () => {
    const { matchId, tokens } = await table("connect-four");
    const clients = [connect(matchId, tokens[0]), connect(matchId, tokens[1]), connect(matchId)];
    const emitted = clients.map((client) => {
      const seen: number[] = [];
      client.on("event", (event) => seen.push(event.seq));
      return seen;
    });
    const random = seeded(20240611);
    const ends = await within(
      Promise.all(clients.map((client) => playRandom(client, random))),
      45_000,
      "the bots to finish the game",
    );
    expect(clients.map((client) => [client.role, client.seat])).toEqual([
      ["player", 0],
      ["player", 1],
      ["spectator", null],
    ]);

    // Every client ends with the same, gap-free log: the server's.
    const log = await serverLog(matchId);
    expect(seqs(log)).toEqual(range(1, log.length));
    for (const [index, client] of clients.entries()) {
      expect(client.log).toEqual(log);
      expect(emitted[index]).toEqual(range(1, log.length));
      expect(client.pending).toEqual([]);
      expect(timeless(client.view)).toEqual(timeless(ends[2]!));
    }
    expect(log.slice(0, 3).map((event) => event.kind)).toEqual(["join", "join", "start"]);
    const moves = log.filter((event) => event.kind === "move");
    expect(moves.map((event) => event.seat)).toEqual(moves.map((_, index) => index % 2));

    // The result is what the final board shows.
    const end = ends[0]!;
    const columns = board(end);
    expect(columns).toEqual(replayBoard(log));
    expect(end).toMatchObject({ status: "finished", moves: moves.length, turn: null, seq: log.length });
    const winners = fours(columns);
    if (end.result?.kind === "win") {
      expect(end.result).toEqual({ kind: "win", winners: [moves.at(-1)!.seat], reason: "four-in-a-row" });
      expect([...winners]).toEqual(end.result.winners);
    } else {
      expect(end.result).toEqual({ kind: "draw", reason: "board-full" });
      expect(winners.size).toBe(0);
      expect(columns.every((column) => column.length === 6)).toBe(true);
    }
    expect(unwrap(await api.match(matchId))).toMatchObject({
      status: "finished",
      result: end.result,
      moves: moves.length,
    });
  });

  it("plays tic-tac-toe with the random bot as well", async () => {
    const { matchId, tokens } = await table("tic-tac-toe");
    const clients = [connect(matchId, tokens[0]), connect(matchId, tokens[1])];
    const random = seeded(7);
    const [end] = await within(Promise.all(clients.map((client) => playRandom(client, random))), 30_000, "the bots");
    const log = await serverLog(matchId);
    for (const client of clients) expect(client.log).toEqual(log);
    const cells = (end!.view as { cells: (number | null)[] }).cells;
    const moves = log.filter((event) => event.kind === "move");
    expect(cells.filter((cell) => cell !== null)).toHaveLength(moves.length);
    for (const event of moves) expect(cells[(event.move as { cell: number }).cell]).toBe(event.seat);
    expect(end!.status).toBe("finished");
    expect(["three-in-a-row", "board-full"]).toContain(end!.result?.reason);
  });
});
