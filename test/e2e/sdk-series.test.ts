/**
 * The client SDK across a rematch, against a real `wrangler dev`: the next game of the series
 * is played on the same sockets (every client is welcomed to `<id>.2`), and the first game
 * stays readable over HTTP under its own id.
 */
import { describe, expect, it } from "vitest";
import { playRandom } from "../../client/bot.ts";
import type { MatchClient } from "../../client/sdk.ts";
import {
  api,
  connect,
  range,
  ready,
  seeded,
  seqs,
  serverLog,
  table,
  unwrap,
  until,
  useDevServer,
  within,
} from "./sdk-harness.ts";

useDevServer();
describe("the client SDK against a real wrangler dev", () => {
  it("moves the players and a spectator into the rematch on the sockets they have", async () => {
    const { matchId, tokens } = await table("tic-tac-toe");
    const clients = [connect(matchId, tokens[0]), connect(matchId, tokens[1]), connect(matchId)];
    const moved = clients.map((client) => {
      const seen: { from: string; matchId: string }[] = [];
      client.on("next-game", (value) => seen.push(value));
      return seen;
    });
    const random = seeded(12);
    await within(Promise.all(clients.map((client) => playRandom(client, random))), 30_000, "the first game");
    const first = await serverLog(matchId);

    const [ada, brian, watcher] = clients as [MatchClient, MatchClient, MatchClient];
    ada.rematch();
    await until(brian, () => brian.confirmed?.rematch?.offers[0] === true, "Ada's offer");
    brian.rematch();
    const next = `${matchId}.2`;
    await until(
      clients,
      () => clients.every((client) => client.matchId === next && ready(client)),
      "every client in the next game",
    );

    // Seats rotate; the log is the new game's own, from seq 1; nobody opened another socket.
    for (const seen of moved) expect(seen).toEqual([{ from: matchId, matchId: next }]);
    expect(clients.map((client) => [client.role, client.seat])).toEqual([
      ["player", 1],
      ["player", 0],
      ["spectator", null],
    ]);
    const second = await serverLog(next);
    expect(seqs(second)).toEqual(range(1, second.length));
    expect(second.slice(0, 3).map((event) => event.kind)).toEqual(["join", "join", "start"]);
    for (const client of clients) expect(client.log).toEqual(second);
    expect(watcher.confirmed?.status).toBe("playing");

    // The second game plays to its end on the same clients.
    await within(Promise.all(clients.map((client) => playRandom(client, random))), 30_000, "the second game");
    const played = await serverLog(next);
    for (const client of clients) expect(client.log).toEqual(played);

    // Over HTTP the first game keeps its summary and log, and names the next game.
    expect(unwrap(await api.match(matchId))).toMatchObject({ status: "finished", rematchId: next });
    expect(await serverLog(matchId)).toEqual(first);
    expect(unwrap(await api.match(next))).toMatchObject({ matchId: next, status: "finished" });

    // A client made for the first game's id lands in the game the series is at.
    const late = connect(matchId);
    await until(late, () => late.matchId === next && ready(late), "a late spectator");
    expect(late.log).toEqual(played);
  });
});
