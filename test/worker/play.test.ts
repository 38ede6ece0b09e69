import { describe, expect, it } from "vitest";
import type { LoggedEvent, MatchSummary } from "../../shared/protocol.ts";
import { api, Client, createMatch, joinMatch, newPlayer, startedMatch } from "./helpers.ts";

/** Moves of whole games, in play order (seat 0 first), with the result each must reach. */
const GAMES = [
  {
    game: "tic-tac-toe",
    moves: [
      { cell: 4 },
      { cell: 0 },
      { cell: 2 },
      { cell: 6 },
      { cell: 3 },
      { cell: 5 },
      { cell: 1 },
      { cell: 7 },
      { cell: 8 },
    ],
    result: { kind: "draw", reason: "board-full" },
  },
  {
    game: "tic-tac-toe",
    moves: [{ cell: 0 }, { cell: 3 }, { cell: 1 }, { cell: 4 }, { cell: 2 }],
    result: { kind: "win", winners: [0], reason: "three-in-a-row" },
  },
  {
    game: "connect-four",
    // Seat 1 completes the diagonal (0,0) (1,1) (2,2) (3,3) with its last disc.
    moves: [
      { column: 1 },
      { column: 0 },
      { column: 2 },
      { column: 1 },
      { column: 2 },
      { column: 2 },
      { column: 3 },
      { column: 3 },
      { column: 6 },
      { column: 3 },
      { column: 6 },
      { column: 3 },
    ],
    result: { kind: "win", winners: [1], reason: "four-in-a-row" },
  },
  {
    game: "connect-four",
    moves: [{ column: 3 }, { column: 0 }, { column: 3 }, { column: 0 }, { column: 3 }, { column: 0 }, { column: 3 }],
    result: { kind: "win", winners: [0], reason: "four-in-a-row" },
  },
] as const;

describe("whole games over real WebSockets", () => {
  it.each(GAMES)("two players and a spectator play $game to $result.reason", async ({ game, moves, result }) => {
    const ada = await newPlayer("Ada");
    const brian = await newPlayer("Brian");
    const match = await createMatch(game, ada);
    expect(match.seats).toEqual([{ seat: 0, name: "Ada", playerId: ada.playerId }]);
    const spectator = await Client.connect(match.matchId);
    expect((await spectator.next("welcome")).role).toBe("spectator");
    expect((await spectator.next("snapshot")).state).toMatchObject({ status: "waiting", seq: 1 });

    expect((await joinMatch(match.matchId, brian)).seat).toBe(1);
    const players = [await Client.connect(match.matchId, ada.token), await Client.connect(match.matchId, brian.token)];
    let seq = 0;
    for (const [seat, player] of players.entries()) {
      expect(await player.next("welcome")).toMatchObject({
        role: "player",
        seat,
        matchId: match.matchId,
        gameId: game,
      });
      const snapshot = await player.next("snapshot");
      expect(snapshot.state.status).toBe("playing");
      expect(snapshot.state.seats).toEqual([
        { seat: 0, name: "Ada", playerId: ada.playerId },
        { seat: 1, name: "Brian", playerId: brian.playerId },
      ]);
      expect(snapshot.state.turn?.seats).toEqual([0]);
      seq = snapshot.state.seq;
    }
    expect(seq).toBe(3); // join, join, start
    for (const [index, move] of moves.entries()) {
      const seat = index % 2;
      const mover = players[seat]!;
      const id = `m${index}`;
      mover.send({ type: "move", id, seq, move });
      const accepted = await mover.next("event", (frame) => frame.event.kind === "move" && frame.event.id === id);
      expect(accepted.event).toMatchObject({ kind: "move", seat, move, seq: seq + 1 });
      // The opponent sees the same event.
      const other = await players[1 - seat]!.next("event", (frame) => frame.event.seq === seq + 1);
      expect(other).toEqual(accepted);
      seq += 1;
    }

    const last = await spectator.next("event", (frame) => frame.event.seq === seq);
    expect(last.state.status).toBe("finished");
    expect(last.state.result).toEqual(result);
    expect(last.state.turn).toBeNull();

    // The spectator, there since seq 1, received every later event in order with no gap.
    const seen = spectator.all("event").map((frame) => frame.event);
    expect(seen.map((event) => event.seq)).toEqual(Array.from({ length: seq - 1 }, (_, i) => i + 2));
    expect(seen.map((event) => event.kind)).toEqual(["join", "start", ...moves.map(() => "move")]);
    // Each frame describes the match as it stood at its own event, even when one request made two.
    const frames = spectator.all("event");
    for (const frame of frames) expect(frame.state.seq).toBe(frame.event.seq);
    expect(frames.map((frame) => frame.state.status).slice(0, 3)).toEqual(["waiting", "playing", "playing"]);
    expect(frames[0]!.state.turn).toBeNull();
    expect(frames[1]!.state.turn?.seats).toEqual([0]);
    expect(seen.filter((event) => event.kind === "move").map((event) => "move" in event && event.move)).toEqual(moves);

    // The public log over HTTP is the same sequence of events.
    const log = await api<{ events: LoggedEvent[]; next: number | null }>(`/api/matches/${match.matchId}/events`);
    expect(log.status).toBe(200);
    expect(log.body.events.slice(1)).toEqual(seen);
    expect(log.body.events[0]).toMatchObject({ seq: 1, kind: "join", seat: 0, name: "Ada" });
    expect(log.body.next).toBeNull();

    const summary = await api<MatchSummary>(`/api/matches/${match.matchId}`);
    expect(summary.body).toMatchObject({ status: "finished", result, moves: moves.length, seq });
    expect(summary.body.finishedAt).toBeGreaterThanOrEqual(summary.body.startedAt ?? Infinity);

    for (const client of [...players, spectator]) client.close();
  });

  it("sends the same bytes to every recipient of a perfect-information game", async () => {
    const ada = await newPlayer("Ada");
    const brian = await newPlayer("Brian");
    const match = await createMatch("connect-four", ada);
    await joinMatch(match.matchId, brian);
    const raw: string[][] = [[], [], []];
    const sockets = [
      await Client.connect(match.matchId, ada.token),
      await Client.connect(match.matchId, brian.token),
      await Client.connect(match.matchId),
    ];
    sockets.forEach((client, index) => {
      client.socket.addEventListener("message", (event) => {
        raw[index]!.push(String(event.data));
      });
    });
    const seq = (await sockets[0]!.next("snapshot")).state.seq;
    sockets[0]!.send({ type: "move", id: "only", seq, move: { column: 3 } });
    for (const client of sockets) await client.next("event", (frame) => frame.event.seq === seq + 1);
    const frames = raw.map((list) => list.find((text) => text.includes('"id":"only"')));
    expect(frames[0]).toBeDefined();
    expect(frames[1]).toBe(frames[0]);
    expect(frames[2]).toBe(frames[0]);
    for (const client of sockets) client.close();
  });

  // protocol.md §10: spectators coming and going reach every connection as one merged presence frame.
  it("tells the players how many watch, at most once a second as spectators come and go", async () => {
    const { matchId, tokens } = await startedMatch("tic-tac-toe");
    const player = await Client.connect(matchId, tokens[0]);
    expect((await player.next("snapshot")).presence.spectators).toBe(0);
    const watchers = await Promise.all([Client.connect(matchId), Client.connect(matchId), Client.connect(matchId)]);
    expect((await player.next("presence", (frame) => frame.presence.spectators === 3)).presence.spectators).toBe(3);
    // Three arrivals, one frame for them.
    expect(player.all("presence").filter((frame) => frame.presence.spectators > 0)).toHaveLength(1);
    // Two departures, one frame for them.
    const before = player.all("presence").length;
    watchers[0]!.close();
    watchers[1]!.close();
    expect((await player.next("presence", (frame) => frame.presence.spectators === 1)).presence.spectators).toBe(1);
    expect(player.all("presence").slice(before)).toHaveLength(1);
  });

  it("broadcasts presence when a seat connects and disconnects", async () => {
    const ada = await newPlayer("Ada");
    const brian = await newPlayer("Brian");
    const match = await createMatch("tic-tac-toe", ada);
    await joinMatch(match.matchId, brian);
    const spectator = await Client.connect(match.matchId);
    expect((await spectator.next("snapshot")).presence).toMatchObject({ connected: [false, false], spectators: 1 });
    const first = await Client.connect(match.matchId, ada.token, { _pk: "chosen-by-client" });
    expect((await spectator.next("presence")).presence.connected).toEqual([true, false]);
    const second = await Client.connect(match.matchId, brian.token);
    expect((await spectator.next("presence")).presence.connected).toEqual([true, true]);
    expect((await second.next("snapshot")).presence.connected).toEqual([true, true]);
    // A second socket of seat 0 that picks the same connection id (`_pk`) as the first.
    const twin = await Client.connect(match.matchId, ada.token, { _pk: "chosen-by-client" });
    await twin.next("snapshot");
    twin.close();
    await twin.closedWith();
    // Closing the twin leaves seat 0 connected through the first socket.
    const viewer = await Client.connect(match.matchId);
    expect((await viewer.next("snapshot")).presence).toMatchObject({ connected: [true, true], spectators: 2 });
    first.close();
    const away = (await spectator.next("presence")).presence;
    expect(away.connected).toEqual([false, true]);
    // The countdown everyone sees: seat 0 forfeits when its grace period ends.
    expect(away.forfeitAt[0]).toBeGreaterThan(Date.now());
    expect(away.forfeitAt[1]).toBeNull();
    second.close();
    spectator.close();
  });
});
