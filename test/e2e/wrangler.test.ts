/**
 * End to end: a real `wrangler dev` and real WebSocket clients from Node, written against
 * docs/protocol.md only (no shared client code): create, join, play to the end, time out on a
 * real alarm, and survive a restart of the server with its persisted state.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startDevServer, type DevServer } from "./server.ts";

type Frame = Record<string, any>;

/** A bare protocol client: a queue of parsed frames and a way to wait for one. */
class Peer {
  readonly frames: Frame[] = [];
  #read = 0;
  #wake: (() => void) | null = null;
  constructor(readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(String(event.data)) as Frame);
      this.#wake?.();
    });
    socket.addEventListener("close", () => this.#wake?.());
  }
  static open(url: string): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const peer = new Peer(socket);
      socket.addEventListener("open", () => resolve(peer), { once: true });
      socket.addEventListener("error", () => reject(new Error(`could not connect to ${url}`)), { once: true });
    });
  }
  async next(test: (frame: Frame) => boolean): Promise<Frame> {
    for (;;) {
      while (this.#read < this.frames.length) {
        const frame = this.frames[this.#read++] as Frame;
        if (test(frame)) return frame;
      }
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error("socket closed");
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
  send(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }
}

let server: DevServer;
let persistTo: string;

async function post(path: string, body: unknown, token?: string): Promise<Frame> {
  const response = await fetch(`${server.origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Frame;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function get(path: string): Promise<Frame> {
  return (await (await fetch(`${server.origin}${path}`)).json()) as Frame;
}

/** Two players: Ada creates a match (seat 0), Brian joins; both and a spectator connect. */
async function table(game: string, turnMs?: number) {
  const accounts = [await post("/api/players", { name: "Ada" }), await post("/api/players", { name: "Brian" })];
  const { matchId } = await post("/api/matches", { game, ...(turnMs ? { turnMs } : {}) }, accounts[0]!.token);
  await post(`/api/matches/${matchId}/join`, {}, accounts[1]!.token);
  const ws = server.origin.replace("http", "ws");
  const players = await Promise.all(
    accounts.map((account) => Peer.open(`${ws}/parties/match/${matchId}?token=${encodeURIComponent(account.token)}`)),
  );
  const spectator = await Peer.open(`${ws}/parties/match/${matchId}`);
  const snapshots = await Promise.all(
    [...players, spectator].map((peer) => peer.next((frame) => frame.type === "snapshot")),
  );
  return {
    matchId,
    players,
    spectator,
    seq: snapshots[0]!.state.seq as number,
    tokens: accounts.map((account) => account.token as string),
  };
}

beforeAll(async () => {
  persistTo = await mkdtemp(join(tmpdir(), "ply-e2e-"));
  // At "log" level the Worker's structured logs reach the output, which one test reads.
  server = await startDevServer(persistTo, await freePort(), "log");
});

afterAll(async () => {
  await server?.stop();
  await rm(persistTo, { recursive: true, force: true });
});

describe("a real wrangler dev", () => {
  it("serves the page at /", async () => {
    const response = await fetch(`${server.origin}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/<title>Ply/);
  });

  it("plays a whole game of Connect Four between two Node clients, watched by a spectator", async () => {
    const { matchId, players, spectator, tokens } = await table("connect-four");
    let seq = (await get(`/api/matches/${matchId}`)).seq as number;
    // Seat 0 drops in column 0 four times; seat 1 in column 1.
    for (let ply = 0; ply < 7; ply++) {
      const seat = ply % 2;
      const mover = players[seat]!;
      mover.send({ type: "move", id: `e2e-${ply}`, seq, move: { column: seat } });
      const event = await mover.next((frame) => frame.type === "event" && frame.event.id === `e2e-${ply}`);
      seq = event.event.seq;
    }
    const end = await spectator.next((frame) => frame.type === "event" && frame.event.seq === seq);
    expect(end.state.status).toBe("finished");
    expect(end.state.result).toEqual({ kind: "win", winners: [0], reason: "four-in-a-row" });
    const kinds = spectator.frames.filter((frame) => frame.type === "event").map((frame) => frame.event.kind);
    expect(kinds).toEqual(Array(7).fill("move"));
    for (const peer of [...players, spectator]) peer.socket.close();

    // The match's life is in the structured logs; no token ever is. Logs reach wrangler's
    // output a little after the frames reach the clients: wait for the last one (bounded).
    const ended = `"event":"match-ended","matchId":"${matchId}"`;
    for (let waited = 0; !server.output().includes(ended) && waited < 10_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const lines = server
      .output()
      .split("\n")
      .filter((line) => line.includes(matchId) && line.trim().startsWith("{"))
      .map((line) => JSON.parse(line.slice(line.indexOf("{"))) as Frame);
    expect(lines.map((line) => line.event)).toEqual(
      expect.arrayContaining(["match-created", "match-started", "match-ended"]),
    );
    expect(lines.find((line) => line.event === "match-ended")).toMatchObject({
      result: "win",
      reason: "four-in-a-row",
      moves: 7,
    });
    for (const token of tokens) expect(server.output()).not.toContain(token);
  });

  it("ends a stalled match when the real alarm fires at the turn deadline", async () => {
    const { players, spectator } = await table("tic-tac-toe", 1_000);
    const end = await spectator.next((frame) => frame.type === "event" && frame.event.kind === "timeout");
    expect(end.state.result).toEqual({ kind: "win", winners: [1], reason: "timeout" });
    expect(
      (await players[0]!.next((frame) => frame.type === "event" && frame.event.kind === "timeout")).event.seats,
    ).toEqual([0]);
    for (const peer of [...players, spectator]) peer.socket.close();
  });

  it("keeps matches across a restart of the server", async () => {
    const { matchId, players, seq } = await table("tic-tac-toe");
    players[0]!.send({ type: "move", id: "before-restart", seq, move: { cell: 4 } });
    await players[0]!.next((frame) => frame.type === "event");
    const before = await get(`/api/matches/${matchId}/events`);
    await server.stop();
    server = await startDevServer(persistTo, server.port);
    expect(await get(`/api/matches/${matchId}/events`)).toEqual(before);
    const summary = await get(`/api/matches/${matchId}`);
    expect(summary).toMatchObject({ status: "playing", seq: seq + 1, moves: 1 });
  });
});
