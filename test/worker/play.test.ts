import { describe, expect, it } from "vitest";
import type { LoggedEvent, MatchSummary } from "../../shared/protocol.ts";
import { api, Client, createMatch, joinMatch } from "./helpers.ts";

/** Moves of whole games, in play order (seat 0 first), with the result each must reach. */
const GAMES = [
  {
    game: "tic-tac-toe",
    moves: [{ cell: 4 }, { cell: 0 }, { cell: 2 }, { cell: 6 }, { cell: 3 }, { cell: 5 }, { cell: 1 }, { cell: 7 }, { cell: 8 }],
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
      { column: 1 }, { column: 0 }, { column: 2 }, { column: 1 }, { column: 2 }, { column: 2 },
      { column: 3 }, { column: 3 }, { column: 6 }, { column: 3 }, { column: 6 }, { column: 3 },
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
  it.each(GAMES)(
    "two players and a spectator play $game to $result.reason",
    async ({ game, moves, result }) => {
      const match = await createMatch(game);
      const spectator = await Client.connect(match.matchId);
      expect((await spectator.next("welcome")).role).toBe("spectator");
      expect((await spectator.next("snapshot")).state.status).toBe("waiting");

      const ada = await joinMatch(match.matchId, "Ada");
      const brian = await joinMatch(match.matchId, "Brian");
      expect([ada.seat, brian.seat]).toEqual([0, 1]);
      const players = [await Client.connect(match.matchId, ada.token), await Client.connect(match.matchId, brian.token)];
      let seq = 0;
      for (const [seat, player] of players.entries()) {
        expect(await player.next("welcome")).toMatchObject({ role: "player", seat, matchId: match.matchId, gameId: game });
        const snapshot = await player.next("snapshot");
        expect(snapshot.state.status).toBe("playing");
        expect(snapshot.state.seats).toEqual([{ seat: 0, name: "Ada" }, { seat: 1, name: "Brian" }]);
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

      // The spectator received every event, in order, with no gap: joins, start, each move.
      const seen = spectator.all("event").map((frame) => frame.event);
      expect(seen.map((event) => event.seq)).toEqual(Array.from({ length: seq }, (_, i) => i + 1));
      expect(seen.map((event) => event.kind)).toEqual(["join", "join", "start", ...moves.map(() => "move")]);
      // Each frame describes the match as it stood at its own event, even when one request made two.
      const frames = spectator.all("event");
      for (const frame of frames) expect(frame.state.seq).toBe(frame.event.seq);
      expect(frames.map((frame) => frame.state.status).slice(0, 4)).toEqual(["waiting", "waiting", "playing", "playing"]);
      expect(frames[1]!.state.turn).toBeNull();
      expect(frames[2]!.state.turn?.seats).toEqual([0]);
      expect(seen.filter((event) => event.kind === "move").map((event) => "move" in event && event.move)).toEqual(moves);

      // The public log over HTTP is the same sequence of events.
      const log = await api<{ events: LoggedEvent[]; next: number | null }>(`/api/matches/${match.matchId}/events`);
      expect(log.status).toBe(200);
      expect(log.body.events).toEqual(seen);
      expect(log.body.next).toBeNull();

      const summary = await api<MatchSummary>(`/api/matches/${match.matchId}`);
      expect(summary.body).toMatchObject({ status: "finished", result, moves: moves.length, seq });
      expect(summary.body.finishedAt).toBeGreaterThanOrEqual(summary.body.startedAt ?? Infinity);

      for (const client of [...players, spectator]) client.close();
    },
  );

  it("sends the same bytes to every recipient of a perfect-information game", async () => {
    const match = await createMatch("connect-four");
    const ada = await joinMatch(match.matchId, "Ada");
    const brian = await joinMatch(match.matchId, "Brian");
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

  it("broadcasts presence when a seat connects and disconnects", async () => {
    const match = await createMatch("tic-tac-toe");
    const ada = await joinMatch(match.matchId, "Ada");
    const brian = await joinMatch(match.matchId, "Brian");
    const spectator = await Client.connect(match.matchId);
    expect((await spectator.next("snapshot")).connected).toEqual([false, false]);
    const first = await Client.connect(match.matchId, ada.token, { _pk: "chosen-by-client" });
    expect((await spectator.next("presence")).connected).toEqual([true, false]);
    const second = await Client.connect(match.matchId, brian.token);
    expect((await spectator.next("presence")).connected).toEqual([true, true]);
    expect((await second.next("snapshot")).connected).toEqual([true, true]);
    // A second socket of seat 0 that picks the same connection id (`_pk`) as the first.
    const twin = await Client.connect(match.matchId, ada.token, { _pk: "chosen-by-client" });
    await twin.next("snapshot");
    twin.close();
    await twin.closedWith();
    // Closing the twin leaves seat 0 connected through the first socket.
    const viewer = await Client.connect(match.matchId);
    expect((await viewer.next("snapshot")).connected).toEqual([true, true]);
    first.close();
    expect((await spectator.next("presence")).connected).toEqual([false, true]);
    second.close();
    spectator.close();
  });
});
