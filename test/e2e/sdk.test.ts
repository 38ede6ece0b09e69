/**
 * The client SDK end to end: MatchClient, Api and the random bot from Node, against one real
 * `wrangler dev`. Each client can be given its own Network: a WebSocket the test can cut (and
 * restore), that can lose chosen incoming frames, and that records every frame the client writes.
 * No sleeps: every wait is for an event or a condition, bounded by a timeout.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Api } from "../../client/api.ts";
import { legalMoves, playRandom } from "../../client/bot.ts";
import { MatchClient, type MoveRefusal } from "../../client/sdk.ts";
import type { ConnectFourState } from "../../shared/games/connect-four.ts";
import type { LoggedEvent, MatchView, PlayerCreated } from "../../shared/protocol.ts";
import { freePort, startDevServer, type DevServer } from "./server.ts";

type Frame = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// A network the test controls

/** What one client's sockets carry; `cut()` drops them and refuses new ones until `restore()`. */
class Network {
  up = true;
  /** Every frame the client wrote, with the number of the socket (1, 2, …) that carried it. */
  readonly sent: { socket: number; frame: Frame }[] = [];
  /** Sockets opened so far (connected or not). */
  sockets = 0;
  /** Return true to lose an incoming frame on its way to the client. */
  lose: ((frame: Frame) => boolean) | null = null;
  /** Changes an incoming frame on its way to the client. */
  rewrite: ((frame: Frame) => Frame) | null = null;
  /** Return true to lose an outgoing frame on its way to the server (it is still recorded in `sent`). */
  loseOutgoing: ((frame: Frame) => boolean) | null = null;
  readonly links = new Set<Link>();

  cut(): void {
    this.up = false;
    for (const link of this.links) link.drop();
  }

  restore(): void {
    this.up = true;
  }

  moves(id?: string): { socket: number; frame: Frame }[] {
    return this.sent.filter(({ frame }) => frame.type === "move" && (id === undefined || frame.id === id));
  }

  /** A WebSocket class for MatchClientOptions.WebSocket. */
  get WebSocket(): unknown {
    const network = this;
    return class extends Link {
      constructor(url: string, protocols?: string | string[]) {
        super(network, url, protocols);
      }
    };
  }
}

/** Just enough of a WebSocket for partysocket, over a real one. */
class Link extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  binaryType = "blob";
  readonly number: number;
  #socket: WebSocket | null = null;
  #dropped = false;

  constructor(
    readonly network: Network,
    url: string,
    protocols?: string | string[],
  ) {
    super();
    this.number = ++network.sockets;
    if (!network.up) {
      this.#dropped = true;
      // Unreachable: fail the way a real socket does, a moment later.
      setTimeout(() => {
        this.dispatchEvent(new Event("error"));
        this.#closeEvent(1006, "unreachable");
      }, 0);
      return;
    }
    network.links.add(this);
    const socket = new WebSocket(url, protocols);
    this.#socket = socket;
    socket.addEventListener("open", () => this.#dropped || this.dispatchEvent(new Event("open")));
    socket.addEventListener("message", (event) => {
      if (this.#dropped) return;
      const frame = JSON.parse(String(event.data)) as Frame;
      if (network.lose?.(frame)) return;
      const data = network.rewrite ? JSON.stringify(network.rewrite(frame)) : event.data;
      this.dispatchEvent(new MessageEvent("message", { data }));
    });
    socket.addEventListener("error", () => this.#dropped || this.dispatchEvent(new Event("error")));
    socket.addEventListener("close", (event) => {
      network.links.delete(this);
      if (!this.#dropped) this.#closeEvent(event.code, event.reason);
    });
  }

  get readyState(): number {
    return this.#dropped ? Link.CLOSED : (this.#socket?.readyState ?? Link.CLOSED);
  }

  send(data: string): void {
    const frame = JSON.parse(data) as Frame;
    this.network.sent.push({ socket: this.number, frame });
    if (!this.network.loseOutgoing?.(frame)) this.#socket?.send(data);
  }

  close(code?: number, reason?: string): void {
    this.#socket?.close(code, reason);
  }

  /** The network went away: the client hears an abnormal close at once; the server, soon. */
  drop(): void {
    if (this.#dropped) return;
    this.#dropped = true;
    this.network.links.delete(this);
    this.#socket?.close(1000, "network cut");
    this.#closeEvent(1006, "network cut");
  }

  #closeEvent(code: number, reason: string): void {
    this.dispatchEvent(Object.assign(new Event("close"), { code, reason, wasClean: false }));
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

let server: DevServer;
let persistTo: string;
let api: Api;
const open: MatchClient[] = [];
/** Every view a client showed that no game of Connect Four or tic-tac-toe could reach. */
const impossible: { seat: number | null; view: MatchView }[] = [];

function connect(matchId: string, token?: string | null, network?: Network): MatchClient {
  const client = new MatchClient({
    origin: server.origin,
    matchId,
    token: token ?? null,
    ...(network ? { WebSocket: network.WebSocket } : {}),
  });
  client.on("change", () => {
    const view = client.view;
    if (view && !possible(view)) impossible.push({ seat: client.seat, view });
  });
  open.push(client);
  return client;
}

/**
 * True when the view could be a real position of Connect Four or tic-tac-toe: one piece per
 * move, seat 0 never behind nor more than one ahead, and the seat to move is the one behind.
 */
function possible(view: MatchView): boolean {
  if (view.view === null) return view.moves === 0;
  const state = view.view as Partial<ConnectFourState> & { cells?: (number | null)[] };
  const pieces = state.columns ? state.columns.flat() : (state.cells ?? []).filter((cell) => cell !== null);
  const counts = [0, 1].map((seat) => pieces.filter((piece) => piece === seat).length) as [number, number];
  if (pieces.length !== view.moves || counts[0] - counts[1] < 0 || counts[0] - counts[1] > 1) return false;
  if (view.status !== "playing") return view.turn === null;
  return JSON.stringify(view.turn?.seats) === JSON.stringify([counts[0] > counts[1] ? 1 : 0]);
}

/** Resolves once `test()` holds, checked now and on every change of `clients`; rejects after `ms`. */
function until(
  clients: MatchClient | readonly MatchClient[],
  test: () => boolean,
  label: string,
  ms = 20_000,
): Promise<void> {
  const list = Array.isArray(clients) ? clients : [clients as MatchClient];
  return new Promise((resolve, reject) => {
    let settled = false;
    const stops: (() => void)[] = [];
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const stop of stops) stop();
      if (error === undefined) resolve();
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    const check = () => {
      try {
        if (test()) settle();
      } catch (error) {
        settle(error);
      }
    };
    const timer = setTimeout(() => settle(new Error(`timed out after ${ms} ms waiting for ${label}`)), ms);
    for (const client of list) stops.push(client.on("change", check));
    check();
  });
}

function within<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${label}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Connected, and the log caught up with the state. */
function ready(client: MatchClient): boolean {
  return client.status === "open" && client.confirmed !== null && client.log.at(-1)?.seq === client.confirmed.seq;
}

async function untilReady(clients: readonly MatchClient[], status: MatchView["status"] = "playing"): Promise<void> {
  await until(
    clients,
    () => clients.every((client) => ready(client) && client.confirmed?.status === status),
    "clients ready",
  );
}

/** Waits for the client's turn, moves, and waits until the server has logged the move. */
async function play(client: MatchClient, move: unknown): Promise<string> {
  await until(client, () => client.myTurn, `seat ${client.seat}'s turn`);
  const sent = client.move(move);
  if (!sent.ok) throw new Error(`move refused locally: ${JSON.stringify(sent.error)}`);
  let refused: MoveRefusal | null = null;
  const stop = client.on("refused", (refusal) => {
    if (refusal.id === sent.id) refused = refusal;
  });
  try {
    await until(
      client,
      () => {
        if (refused) throw new Error(`move refused by the server: ${JSON.stringify(refused)}`);
        return client.pending.length === 0 && client.log.some((event) => event.kind === "move" && event.id === sent.id);
      },
      `move ${JSON.stringify(move)}`,
    );
  } finally {
    stop();
  }
  return sent.id;
}

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!result.ok) throw new Error(`API call failed: ${JSON.stringify(result.error)}`);
  return result.value;
}

/** Players made once (creating players is rate limited per address): Ada, Brian, and Carol who only watches. */
let players: PlayerCreated[];

/** Ada creates a match (long clocks: tests must not time out) and Brian joins it. */
async function table(game: string) {
  const [ada, brian] = players as [PlayerCreated, PlayerCreated];
  const created = unwrap(await api.as(ada.token).createMatch({ game, turnMs: 600_000, graceMs: 600_000 }));
  expect(created).toMatchObject({ gameId: game, status: "waiting", seat: 0, private: false, inviteCode: null });
  const joined = unwrap(await api.as(brian.token).join(created.matchId));
  expect(joined).toEqual({ matchId: created.matchId, seat: 1 });
  return { matchId: created.matchId, tokens: [ada.token, brian.token] as [string, string] };
}

/** The server's whole public log of the match. */
async function serverLog(matchId: string): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  let after = 0;
  for (;;) {
    const page = unwrap(await api.events(matchId, after));
    events.push(...page.events);
    if (page.next === null) return events;
    after = page.next;
  }
}

const seqs = (log: readonly LoggedEvent[]) => log.map((event) => event.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);
/** A view without the frame's clock, to compare views of different frames. */
const timeless = (view: MatchView | null) => view && { ...view, serverTime: 0 };
function board(view: MatchView | null): ConnectFourState["columns"] {
  if (!view) throw new Error("no view of the match yet");
  return (view.view as ConnectFourState).columns;
}

/** The match as the server has it now, seen by a new spectator. */
async function serverView(matchId: string): Promise<MatchView> {
  const watcher = connect(matchId);
  await until(watcher, () => ready(watcher), "a fresh spectator");
  watcher.close();
  return watcher.confirmed!;
}

/** A seeded generator (mulberry32), so a failing game replays. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seats with four in a line on a Connect Four board, found independently of the game's code. */
function fours(columns: readonly (readonly number[])[]): Set<number> {
  const found = new Set<number>();
  const at = (c: number, r: number) => columns[c]?.[r];
  for (let c = 0; c < 7; c++) {
    for (let r = 0; r < 6; r++) {
      const seat = at(c, r);
      if (seat === undefined) continue;
      for (const [dc, dr] of [
        [1, 0],
        [0, 1],
        [1, 1],
        [1, -1],
      ] as const) {
        if ([1, 2, 3].every((k) => at(c + dc * k, r + dr * k) === seat)) found.add(seat);
      }
    }
  }
  return found;
}

/** The board the move log builds, dropping discs by hand. */
function replayBoard(log: readonly LoggedEvent[]): number[][] {
  const columns: number[][] = Array.from({ length: 7 }, () => []);
  for (const event of log)
    if (event.kind === "move") columns[(event.move as { column: number }).column]!.push(event.seat);
  return columns;
}

beforeAll(async () => {
  persistTo = await mkdtemp(join(tmpdir(), "ply-sdk-"));
  server = await startDevServer(persistTo, await freePort());
  api = new Api({ origin: server.origin });
  players = [];
  for (const name of ["Ada", "Brian", "Carol"]) players.push(unwrap(await api.createPlayer(name)));
});

afterEach(() => {
  for (const client of open.splice(0)) client.close();
  // Optimistic or not, a client never shows a position the game cannot reach.
  expect(impossible.splice(0)).toEqual([]);
});

afterAll(async () => {
  await server?.stop();
  await rm(persistTo, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------

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

  it("refuses what the shared rules refuse before it reaches the server", async () => {
    const { matchId, tokens } = await table("connect-four");
    const networks = [new Network(), new Network()];
    const [a, b] = [connect(matchId, tokens[0], networks[0]), connect(matchId, tokens[1], networks[1])] as const;
    await untilReady([a, b]);
    // Fill column 0 (no four: the discs alternate); seat 0 is to move again.
    for (let ply = 0; ply < 6; ply++) await play(ply % 2 === 0 ? a : b, { column: 0 });
    await until([a, b], () => a.myTurn && b.confirmed?.seq === a.confirmed?.seq, "seat 0's turn");
    const before = await serverLog(matchId);
    const written = networks.map((network) => network.sent.length);
    const refusals: MoveRefusal[] = [];
    const errors: unknown[] = [];
    for (const client of [a, b]) {
      client.on("refused", (refusal) => refusals.push(refusal));
      client.on("error", (error) => errors.push(error));
    }

    expect(a.move({ column: 0 })).toEqual({
      ok: false,
      error: { id: null, move: { column: 0 }, code: "illegal", reason: "column-full", message: "column 0 is full" },
    });
    expect(b.move({ column: 3 })).toMatchObject({ ok: false, error: { id: null, code: "not-your-turn" } });
    const shapes: unknown[] = [
      { column: 7 },
      { column: -1 },
      { column: 2.5 },
      { column: "3" },
      { col: 3 },
      { column: 3, extra: 1 },
      3,
      null,
      undefined,
    ];
    for (const shape of shapes)
      expect(a.move(shape)).toMatchObject({ ok: false, error: { id: null, code: "bad-move" } });
    expect(refusals.map((refusal) => refusal.code)).toEqual([
      "illegal",
      "not-your-turn",
      ...shapes.map(() => "bad-move"),
    ]);

    // Nothing was written, nothing is pending, and the views did not move.
    expect(networks.map((network) => network.sent.length)).toEqual(written);
    expect(a.pending).toEqual([]);
    expect(a.view).toBe(a.confirmed);
    // A legal move after them is the only thing the server's log gains.
    const id = await play(a, { column: 3 });
    const after = await serverLog(matchId);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length)).toMatchObject([{ kind: "move", seat: 0, move: { column: 3 }, id }]);
    expect(networks[0]!.moves().map(({ frame }) => frame.move)).toEqual([
      { column: 0 },
      { column: 0 },
      { column: 0 },
      { column: 3 },
    ]);
    expect(errors).toEqual([]);
  });

  it("shows a move at once, and rolls back one the server refuses", async () => {
    const { matchId, tokens } = await table("connect-four");
    // Two clients on seat 0 (two tabs of the same player), one on seat 1.
    const [a, twin, b] = [
      connect(matchId, tokens[0]),
      connect(matchId, tokens[0]),
      connect(matchId, tokens[1]),
    ] as const;
    await untilReady([a, twin, b]);
    expect([a.seat, twin.seat, b.seat]).toEqual([0, 0, 1]);

    const confirmed = a.confirmed!;
    const sent = a.move({ column: 3 });
    expect(sent.ok).toBe(true);
    // Before the server has answered: shown, not confirmed.
    expect(a.confirmed).toBe(confirmed);
    expect(a.pending).toMatchObject([{ move: { column: 3 }, seq: confirmed.seq }]);
    expect(board(a.view)[3]).toEqual([0]);
    expect(board(a.confirmed)[3]).toEqual([]);
    expect(a.view).toMatchObject({ moves: confirmed.moves + 1, seq: confirmed.seq, turn: { seats: [1] } });
    expect(a.myTurn).toBe(false);
    await until(a, () => a.pending.length === 0, "the server's answer");
    expect(board(a.confirmed)[3]).toEqual([0]);
    expect(a.log.at(-1)).toMatchObject({ kind: "move", seat: 0, id: sent.ok ? sent.id : "" });

    await play(b, { column: 3 });
    await until([a, twin], () => a.myTurn && twin.myTurn, "seat 0's turn on both tabs");
    // Both tabs of seat 0 move at once: the server takes the first and refuses the other.
    const refusals: MoveRefusal[] = [];
    for (const client of [a, twin]) client.on("refused", (refusal) => refusals.push(refusal));
    const moves = [a.move({ column: 0 }), twin.move({ column: 6 })];
    if (!moves[0]!.ok || !moves[1]!.ok) throw new Error("a racing move was refused locally");
    expect(board(a.view)[0]).toEqual([0]);
    expect(board(twin.view)[6]).toEqual([0]);
    await until([a, twin], () => a.pending.length + twin.pending.length === 0, "both answers");
    await until([a, twin], () => a.confirmed!.seq === twin.confirmed!.seq, "both tabs at the same seq");

    const log = await serverLog(matchId);
    const ids = moves.map((move) => (move.ok ? move.id : ""));
    const won = ids.findIndex((id) => log.some((event) => event.kind === "move" && event.id === id));
    expect(won).toBeGreaterThanOrEqual(0);
    const lost = 1 - won;
    expect(log.filter((event) => event.kind === "move" && ids.includes(event.id))).toHaveLength(1);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ id: ids[lost] });
    expect(["not-your-turn", "stale"]).toContain(refusals[0]!.code);
    // The loser shows what the server has: the winner's disc, not its own.
    const loser = [a, twin][lost]!;
    const winnerColumn = won === 0 ? 0 : 6;
    const loserColumn = won === 0 ? 6 : 0;
    expect(loser.view).toBe(loser.confirmed);
    expect(board(loser.view)[winnerColumn]).toEqual([0]);
    expect(board(loser.view)[loserColumn]).toEqual([]);
    expect(timeless(loser.view)).toEqual(timeless(await serverView(matchId)));
    expect(loser.log).toEqual(log);
  });

  it("catches up on exactly the events it missed while disconnected", async () => {
    const { matchId, tokens } = await table("connect-four");
    const [netA, netS] = [new Network(), new Network()];
    const [a, b, spectator] = [
      connect(matchId, tokens[0], netA),
      connect(matchId, tokens[1]),
      connect(matchId, null, netS),
    ] as const;
    const emitted = new Map([a, spectator].map((client) => [client, [] as number[]]));
    for (const [client, seen] of emitted) client.on("event", (event) => seen.push(event.seq));
    // The seq each client shows when it says it is open again.
    const openedAt = new Map([a, spectator].map((client) => [client, [] as number[]]));
    for (const [client, seqs] of openedAt)
      client.on("connection", (status) => status === "open" && seqs.push(client.confirmed!.seq));
    await untilReady([a, b, spectator]);

    // The spectator drops off while three moves are played; then seat 0 while seat 1 moves.
    netS.cut();
    await until(spectator, () => spectator.status === "connecting", "the spectator to notice");
    const spectatorHad = spectator.log.length;
    await play(a, { column: 2 });
    await play(b, { column: 3 });
    await play(a, { column: 2 });
    netA.cut();
    await until(a, () => a.status === "connecting", "seat 0 to notice");
    const aHad = a.log.length;
    const missed = await play(b, { column: 4 });
    expect(a.log.some((event) => event.kind === "move" && event.id === missed)).toBe(false);

    netA.restore();
    netS.restore();
    await within(untilReady([a, spectator]), 30_000, "both to reconnect");
    const log = await serverLog(matchId);
    for (const [client, had] of [
      [a, aHad],
      [spectator, spectatorHad],
    ] as const) {
      expect(client.log).toEqual(log);
      // Each event was told once, in order; after the reconnect, exactly the missed ones.
      expect(emitted.get(client)).toEqual(range(1, log.length));
      expect(emitted.get(client)!.slice(had)).toEqual(range(had + 1, log.length));
      expect(timeless(client.view)).toEqual(timeless(await serverView(matchId)));
    }
    // "open" comes with the current state, not the one from before the drop.
    expect(openedAt.get(a)!.at(-1)).toBe(log.length);
    expect(openedAt.get(spectator)!.at(-1)).toBe(log.length);
    expect(aHad).toBe(log.length - 1);
    expect(spectatorHad).toBe(log.length - 4);
    expect(netA.sockets).toBeGreaterThanOrEqual(2);
    // And the reconnected client plays on.
    expect(a.myTurn).toBe(true);
    await play(a, { column: 4 });
    await until(b, () => b.myTurn, "seat 1's turn");
  });

  it("asks for the events it is missing when a frame is lost on the way", async () => {
    const { matchId, tokens } = await table("tic-tac-toe");
    const netS = new Network();
    const [a, b, spectator] = [
      connect(matchId, tokens[0]),
      connect(matchId, tokens[1]),
      connect(matchId, null, netS),
    ] as const;
    await untilReady([a, b, spectator]);
    const lost = spectator.confirmed!.seq + 2;
    netS.lose = (frame) => frame.type === "event" && frame.event.seq === lost;
    for (const [client, cell] of [
      [a, 4],
      [b, 0],
      [a, 8],
      [b, 2],
    ] as const)
      await play(client, { cell });
    await until(
      spectator,
      () => ready(spectator) && spectator.confirmed!.seq === lost + 2,
      "the spectator to fill the gap",
    );
    expect(spectator.log).toEqual(await serverLog(matchId));
    // One resync to fill the log on connecting, one for the gap.
    expect(netS.sent.filter(({ frame }) => frame.type === "resync").map(({ frame }) => frame.seq)).toEqual([
      0,
      lost - 1,
    ]);
  });

  it("fills a long gap from the HTTP log when the server answers a resync with a snapshot", async () => {
    const { matchId, tokens } = await table("tic-tac-toe");
    const [a, b] = [connect(matchId, tokens[0]), connect(matchId, tokens[1])] as const;
    await untilReady([a, b]);
    for (const [client, cell] of [
      [a, 4],
      [b, 0],
      [a, 8],
    ] as const)
      await play(client, { cell });
    // What the server does for a client more than LIMITS.resyncEvents behind: a snapshot instead of the events.
    const network = new Network();
    let presence: unknown = null;
    network.rewrite = (frame) => {
      if (frame.type === "snapshot") presence = frame.presence;
      return frame.type === "sync" && frame.from === 0 ? { type: "snapshot", state: frame.state, presence } : frame;
    };
    const late = connect(matchId, null, network);
    await until(late, () => ready(late), "the late spectator's log", 10_000);
    expect(late.log).toEqual(await serverLog(matchId));
    expect(network.sent.filter(({ frame }) => frame.type === "resync").length).toBeLessThanOrEqual(1);
    // And it follows on from there over the socket.
    await play(b, { cell: 2 });
    await until(late, () => ready(late) && late.log.length === b.log.length, "the next event");
    expect(late.log).toEqual(await serverLog(matchId));
  });

  it("queues a move made offline and sends it once, with its id, after reconnecting", async () => {
    const { matchId, tokens } = await table("connect-four");
    const netA = new Network();
    const [a, b] = [connect(matchId, tokens[0], netA), connect(matchId, tokens[1])] as const;
    await untilReady([a, b]);
    await play(a, { column: 0 });
    await play(b, { column: 1 });
    await until(a, () => a.myTurn, "seat 0's turn");

    // The whole server goes away; a move made meanwhile waits in the queue.
    await server.stop();
    await until([a, b], () => a.status !== "open" && b.status !== "open", "both clients to notice");
    const socketsBefore = netA.sockets;
    const queued = a.move({ column: 2 });
    if (!queued.ok) throw new Error(`refused offline: ${JSON.stringify(queued.error)}`);
    expect(a.pending).toMatchObject([{ id: queued.id, move: { column: 2 } }]);
    expect(board(a.view)[2]).toEqual([0]);
    expect(netA.moves(queued.id)).toEqual([]);

    server = await startDevServer(persistTo, server.port);
    await within(
      until(a, () => a.pending.length === 0 && ready(a), "the queued move to be applied", 60_000),
      60_000,
      "the queued move",
    );
    const log = await serverLog(matchId);
    expect(log.filter((event) => event.kind === "move" && event.id === queued.id)).toMatchObject([
      { seat: 0, move: { column: 2 } },
    ]);
    expect(a.log).toEqual(log);
    const carried = netA.moves(queued.id);
    expect(carried).toHaveLength(1);
    expect(carried[0]!.socket).toBeGreaterThan(socketsBefore);
    expect(carried[0]!.frame).toMatchObject({ id: queued.id, seq: log.at(-1)!.seq - 1, move: { column: 2 } });
    await until(b, () => b.myTurn && b.log.length === log.length, "seat 1 to see it", 60_000);
  }, 150_000);

  it("resends a move the server never got, with its original id, after reconnecting", async () => {
    const { matchId, tokens } = await table("tic-tac-toe");
    const netA = new Network();
    const [a, b] = [connect(matchId, tokens[0], netA), connect(matchId, tokens[1])] as const;
    await untilReady([a, b]);
    netA.loseOutgoing = (frame) => frame.type === "move";
    const sent = a.move({ cell: 0 });
    if (!sent.ok) throw new Error("refused");
    expect(netA.moves(sent.id)).toHaveLength(1);
    netA.cut();
    netA.loseOutgoing = null;
    netA.restore();
    await within(
      until(a, () => ready(a) && a.pending.length === 0, "the resent move", 30_000),
      30_000,
      "the resent move",
    );
    const carried = netA.moves(sent.id);
    expect(carried.map(({ socket }) => socket)).toEqual([1, netA.sockets]);
    expect(carried[1]!.frame).toEqual(carried[0]!.frame);
    const log = await serverLog(matchId);
    expect(log.filter((event) => event.kind === "move" && event.id === sent.id)).toMatchObject([
      { seat: 0, move: { cell: 0 } },
    ]);
    expect(a.log).toEqual(log);
  });

  it("answers a lost reply without applying the move twice", async () => {
    const { matchId, tokens } = await table("tic-tac-toe");
    const netA = new Network();
    const [a, b] = [connect(matchId, tokens[0], netA), connect(matchId, tokens[1])] as const;
    await untilReady([a, b]);
    // The move leaves, then the network drops before any answer can come back.
    netA.lose = (frame) => frame.type !== "welcome" && frame.type !== "snapshot" && frame.type !== "sync";
    const sent = a.move({ cell: 4 });
    if (!sent.ok) throw new Error("refused");
    await until(
      b,
      () => b.log.some((event) => event.kind === "move" && event.id === sent.id),
      "the server to apply it",
    );
    netA.cut();
    netA.lose = null;
    netA.restore();
    await within(
      until(a, () => ready(a) && a.pending.length === 0, "seat 0 to reconnect and settle", 30_000),
      30_000,
      "settle",
    );
    const log = await serverLog(matchId);
    expect(log.filter((event) => event.kind === "move" && event.id === sent.id)).toHaveLength(1);
    // The log it caught up on told it the move was in: it was not sent again.
    expect(netA.moves(sent.id)).toHaveLength(1);
    expect(a.log).toEqual(log);
    expect(timeless(a.view)).toEqual(timeless(await serverView(matchId)));
    expect(a.myTurn).toBe(false);
  });

  it("watches with the token of a player who holds no seat", async () => {
    const { matchId, tokens } = await table("tic-tac-toe");
    const carol = players[2]!;
    const network = new Network();
    const [a, watcher] = [connect(matchId, tokens[0]), connect(matchId, carol.token, network)] as const;
    // Before the server's welcome nobody knows the seat yet.
    expect(a.move({ cell: 4 })).toMatchObject({ ok: false, error: { code: "not-connected" } });
    await untilReady([a, watcher]);
    expect(watcher.role).toBe("spectator");
    expect(watcher.seat).toBeNull();
    expect(watcher.myTurn).toBe(false);
    expect(legalMoves(watcher.game!, watcher.view!, 0)).toHaveLength(9);
    const refusals: MoveRefusal[] = [];
    watcher.on("refused", (refusal) => refusals.push(refusal));
    expect(watcher.move({ cell: 4 })).toMatchObject({ ok: false, error: { id: null, code: "spectator" } });
    expect(refusals).toMatchObject([{ code: "spectator" }]);
    expect(network.moves()).toEqual([]);
    expect(watcher.presence?.spectators).toBeGreaterThanOrEqual(1);
    // It still follows the match.
    await play(a, { cell: 4 });
    await until(watcher, () => watcher.log.length === a.log.length, "the watcher to see the move");
    expect(timeless(watcher.view)).toEqual(timeless(a.view));
  });
});
