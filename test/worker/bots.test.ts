import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Match } from "../../server/match/match.ts";
import { connectFour } from "../../shared/games/connect-four.ts";
import type { ConnectFourState } from "../../shared/games/connect-four.ts";
import type { MatchSummary } from "../../shared/protocol.ts";
import { api, as, Client, createMatch, newPlayer } from "./helpers.ts";

describe("server-side bots", () => {
  it("answers every move of a person on the match's alarm, through the same checks, to the end", async () => {
    const ada = await newPlayer("Ada");
    const match = await createMatch("connect-four", ada, { bots: ["search"] });
    // The bot took seat 1 and the match started at once.
    expect(match.status).toBe("playing");
    expect(match.seats).toEqual([
      { seat: 0, name: "Ada", playerId: ada.playerId },
      { seat: 1, name: "Bot (search)", playerId: "bot-search-1", bot: "search" },
    ]);
    const me = await Client.connect(match.matchId, ada.token);
    let view = (await me.next("snapshot")).state;
    // A bot never disconnects: its seat shows connected and never gets a grace period.
    expect(me.all("snapshot")[0]!.presence.connected[1]).toBe(true);
    let turn = 0;
    while (view.status === "playing") {
      const legal = connectFour.legalMoves(view.view as ConnectFourState, 0);
      me.send({ type: "move", id: `m${turn}`, seq: view.seq, move: legal[turn % legal.length] });
      view = (await me.next("event", (frame) => frame.event.kind === "move" && frame.event.seat === 0)).state;
      if (view.status !== "playing") break;
      const answer = await me.next("event", (frame) => frame.event.kind === "move" && frame.event.seat === 1);
      expect(answer.event.seq).toBe(view.seq + 1);
      expect(answer.event).toMatchObject({ id: `bot-${view.seq + 1}` });
      view = answer.state;
      turn++;
    }
    expect(view.result?.kind).not.toBe("aborted");
    // A weak, predictable opponent loses to the search bot.
    expect(view.result).toMatchObject({ kind: "win", winners: [1] });
    expect(me.all("error")).toEqual([]);
    const timers = await runInDurableObject(env.Match.getByName(match.matchId), (_instance: Match, state) =>
      state.storage.sql
        .exec<{ kind: string }>("SELECT kind FROM timers")
        .toArray()
        .map((row) => row.kind),
    );
    expect(timers.filter((kind) => kind.startsWith("grace:") || kind === "bot")).toEqual([]);
  });

  it("fills a card table with random bots that play until the person's turn", async () => {
    const ada = await newPlayer("Ada");
    const match = await createMatch("crazy-eights", ada, { bots: ["random", "random", "random"] });
    expect(match.seats.map((seat) => seat.bot ?? null)).toEqual([null, "random", "random", "random"]);
    // Four of six seats: the table waits for more until its creator starts it.
    expect(match.status).toBe("waiting");
    expect((await api(`/api/matches/${match.matchId}/start`, { method: "POST", headers: as(ada) })).status).toBe(200);
    const me = await Client.connect(match.matchId, ada.token);
    let view = (await me.next("snapshot")).state;
    expect(view.turn?.seats).toEqual([0]);
    // Seat 0 acts first (draws three, then may pass); then the three bots in turn until seat 0 again.
    for (const [index, move] of [{ type: "draw" }, { type: "draw" }, { type: "draw" }, { type: "pass" }].entries()) {
      me.send({ type: "move", id: `m${index}`, seq: view.seq, move });
      view = (await me.next("event", (frame) => frame.event.kind === "move" && frame.event.seat === 0)).state;
    }
    for (;;) {
      const frame = await me.next("event");
      view = frame.state;
      if (view.status !== "playing" || view.turn?.seats.includes(0)) break;
      expect(frame.event).toMatchObject({ kind: "move" });
      expect(frame.event.kind === "move" && [1, 2, 3].includes(frame.event.seat)).toBe(true);
    }
    expect(me.all("error")).toEqual([]);
  });

  it("asks for the rematch on its own: the person's ask is enough", async () => {
    const ada = await newPlayer("Ada");
    const match = await createMatch("tic-tac-toe", ada, { bots: ["random"] });
    const me = await Client.connect(match.matchId, ada.token);
    await me.next("snapshot");
    me.send({ type: "resign" });
    const end = await me.next("event", (frame) => frame.event.kind === "resign");
    expect(end.state.rematch?.offers).toEqual([false, true]);
    me.send({ type: "rematch" });
    // The next game starts on the same socket.
    const welcome = await me.next("welcome", (frame) => frame.matchId !== match.matchId);
    expect(welcome).toMatchObject({ matchId: `${match.matchId}.2`, role: "player", seat: 1 });
    const next = (await api<MatchSummary>(`/api/matches/${welcome.matchId}`)).body;
    // Seats rotate: the bot opens the new match, still as a bot, its id naming its new seat
    // (protocol.md §14: a bot's playerId is bot-<kind>-<seat>).
    expect(next.seats.map((seat) => seat.bot ?? null)).toEqual(["random", null]);
    expect(next.seats.map((seat) => seat.playerId)).toEqual(["bot-random-0", ada.playerId]);
    expect(next.status).toBe("playing");
  });

  it.each([
    { name: "a search bot for a game that has none", game: "tic-tac-toe", bots: ["search"] },
    { name: "more bots than seats", game: "connect-four", bots: ["random", "random"] },
  ])("refuses $name with 400 bad-bots", async ({ game, bots }) => {
    const player = await newPlayer("Ada");
    const created = await api<{ error: { code: string } }>("/api/matches", {
      body: { game, bots },
      headers: as(player),
    });
    expect(created.status).toBe(400);
    expect(created.body.error.code).toBe("bad-bots");
  });

  it("refuses an unknown bot kind with 400 bad-request", async () => {
    const player = await newPlayer("Ada");
    const created = await api<{ error: { code: string } }>("/api/matches", {
      body: { game: "chess", bots: ["stockfish"] },
      headers: as(player),
    });
    expect(created.status).toBe(400);
    expect(created.body.error.code).toBe("bad-request");
  });
});
