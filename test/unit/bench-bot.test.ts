/// <reference path="../../bench/ws.d.ts" />
/**
 * The bench's protocol-level bot (bench/lib/bot.ts) across a game's end, against a scripted
 * WebSocket server: the next game welcomed on the same socket (Ply's series), and a `rematch`
 * frame naming a new match, which the bot follows on a new socket (floor.ts).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { Bot, type BotContext } from "../../bench/lib/bot.ts";
import type { ConnectFourState } from "../../shared/games/connect-four.ts";

type Frame = Record<string, any>;

const EMPTY: ConnectFourState = { columns: Array.from({ length: 7 }, () => []), turn: 0, last: null, winner: null };

/** A Connect Four state as the bot reads it. */
function state(seq: number, status: "playing" | "finished", turn: number | null, moves: number) {
  return { seq, status, view: { ...EMPTY, turn: turn ?? 0 }, turn: turn === null ? null : { seats: [turn] }, moves };
}

/** A promise and the function that settles it. */
function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

/** A WebSocket server on a free port; `onFrame` answers what a socket sends. */
class Scripted {
  readonly http: Server = createServer();
  readonly sockets: { path: string; socket: WebSocket }[] = [];
  onConnect: (socket: WebSocket, path: string) => void = () => {};
  onFrame: (socket: WebSocket, frame: Frame) => void = () => {};

  async start(): Promise<string> {
    const wss = new WebSocketServer({ server: this.http, perMessageDeflate: false });
    wss.on("connection", (socket: WebSocket, request: { url?: string }) => {
      const path = new URL(request.url ?? "/", "http://x").pathname;
      this.sockets.push({ path, socket });
      socket.on("message", (data: Buffer) => this.onFrame(socket, JSON.parse(data.toString()) as Frame));
      this.onConnect(socket, path);
    });
    await new Promise<void>((resolve) => this.http.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    for (const { socket } of this.sockets) socket.terminate();
    return new Promise((resolve) => this.http.close(() => resolve()));
  }
}

const send = (socket: WebSocket, frame: Frame) => socket.send(JSON.stringify(frame));
const welcome = (matchId: string, seat: number) => ({
  type: "welcome",
  protocol: 3,
  matchId,
  gameId: "connect-four",
  role: "player",
  seat,
});
const snapshot = (value: ReturnType<typeof state>) => ({ type: "snapshot", state: value, presence: {} });

let server: Scripted;
const bots: Bot[] = [];

afterEach(async () => {
  for (const bot of bots.splice(0)) bot.close();
  await server.stop();
});

/** A bot's context that records what it reports. */
function context(origin: string) {
  const reports = {
    connected: [] as { kind: string; ms: number; matchId: string }[],
    handedOver: [] as number[],
    finished: [] as string[],
    errors: [] as string[],
  };
  const nextGame = signal();
  const handedOver = signal();
  const ctx: BotContext = {
    origin,
    running: false,
    confirmed() {},
    finished(_bot, matchId) {
      reports.finished.push(matchId);
    },
    connected(bot, ms, kind) {
      reports.connected.push({ kind, ms, matchId: bot.matchId });
      if (kind === "rematch") nextGame.resolve();
    },
    handedOver(_bot, ms) {
      reports.handedOver.push(ms);
      handedOver.resolve();
    },
    rejected(_bot, code) {
      reports.errors.push(code);
    },
    error(_bot, code, detail) {
      reports.errors.push(`${code}: ${detail}`);
    },
  };
  return { ctx, reports, nextGame: nextGame.promise, handedOver: handedOver.promise };
}

describe("the bench bot across a game's end", () => {
  it("plays the next game welcomed on the same socket, with its new id, seat and seqs", async () => {
    server = new Scripted();
    const origin = await server.start();
    const moves: Frame[] = [];
    const secondMove = signal<Frame>();
    server.onConnect = (socket) => {
      send(socket, welcome("series-aaaaaaaa", 0));
      send(socket, snapshot(state(3, "playing", 0, 0)));
    };
    server.onFrame = (socket, frame) => {
      if (frame.type === "move") {
        moves.push(frame);
        if (moves.length === 1) {
          const event = { seq: 4, at: 0, kind: "move", seat: 0, move: frame.move, id: frame.id };
          send(socket, { type: "event", event, state: state(4, "finished", null, 1) });
        } else secondMove.resolve(frame);
      }
      if (frame.type === "rematch") {
        send(socket, { type: "rematch", offers: [true, true], matchId: null });
        // The next game starts in the same object: seats rotated, seqs from the start again.
        send(socket, welcome("series-aaaaaaaa.2", 1));
        send(socket, snapshot(state(3, "playing", 0, 0)));
      }
    };
    const { ctx, reports, nextGame, handedOver } = context(origin);
    const bot = new Bot({ pid: "pid-aaaaaaaa", name: "Ada", token: "token" }, ctx);
    bots.push(bot);
    await bot.join("series-aaaaaaaa", "initial");
    ctx.running = true;
    bot.kick();
    await nextGame;
    expect(bot.matchId).toBe("series-aaaaaaaa.2");
    expect(bot.seat).toBe(1);
    expect(bot.finishedGame).toBe(false);

    // The other seat opens the next game; then it is the bot's turn, against the new game's seq.
    const socket = server.sockets[0]!.socket;
    const opening = { seq: 4, at: 0, kind: "move", seat: 0, move: { column: 3 }, id: "b1" };
    send(socket, { type: "event", event: opening, state: state(4, "playing", 1, 1) });
    await handedOver;
    expect((await secondMove.promise).seq).toBe(4);

    expect(server.sockets.map(({ path }) => path)).toEqual(["/parties/match/series-aaaaaaaa"]);
    expect(reports.finished).toEqual(["series-aaaaaaaa"]);
    expect(reports.connected.map(({ kind, matchId }) => [kind, matchId])).toEqual([
      ["initial", "series-aaaaaaaa"],
      ["rematch", "series-aaaaaaaa.2"],
    ]);
    expect(reports.handedOver).toHaveLength(1);
    expect(reports.errors).toEqual([]);
  });

  it("follows a rematch frame that names a new match to a new socket", async () => {
    server = new Scripted();
    const origin = await server.start();
    server.onConnect = (socket, path) => {
      const next = path.endsWith("/next-match-1");
      send(socket, welcome(next ? "next-match-1" : "first-match-1", next ? 1 : 0));
      send(socket, snapshot(state(3, "playing", next ? 1 : 0, 0)));
    };
    server.onFrame = (socket, frame) => {
      if (frame.type === "move" && server.sockets.length === 1) {
        const event = { seq: 4, at: 0, kind: "move", seat: 0, move: frame.move, id: frame.id };
        send(socket, { type: "event", event, state: state(4, "finished", null, 1) });
      }
      if (frame.type === "rematch") send(socket, { type: "rematch", offers: [true, true], matchId: "next-match-1" });
    };
    const { ctx, reports, nextGame } = context(origin);
    const bot = new Bot({ pid: "pid-aaaaaaaa", name: "Ada", token: "token" }, ctx);
    bots.push(bot);
    await bot.join("first-match-1", "initial");
    ctx.running = true;
    bot.kick();
    await nextGame;

    expect(server.sockets.map(({ path }) => path)).toEqual([
      "/parties/match/first-match-1",
      "/parties/match/next-match-1",
    ]);
    expect(bot.matchId).toBe("next-match-1");
    expect(bot.seat).toBe(1);
    expect(reports.connected.map(({ kind, matchId }) => [kind, matchId])).toEqual([
      ["initial", "first-match-1"],
      ["rematch", "next-match-1"],
    ]);
    expect(reports.errors).toEqual([]);
  });
});
