/**
 * The SDK following a series of games without a server: a scripted stand-in for a match object
 * (its sockets and its HTTP log) welcomes the client's socket to the next game of the series,
 * as the server does when a rematch starts, and the client must carry the new game from then on.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MatchClient, type MoveRefusal } from "../../client/sdk.ts";
import type { LoggedEvent, MatchView, SeatInfo } from "../../shared/protocol.ts";

type Frame = Record<string, any>;

const FIRST = "series-aaaaaaaa";
const SECOND = `${FIRST}.2`;
const ADA: SeatInfo = { seat: 0, name: "Ada", playerId: "ada-00000000" };
const BRIAN: SeatInfo = { seat: 1, name: "Brian", playerId: "brian-000000" };
/** The seats of the second game: rotated by one. */
const SWAPPED: readonly SeatInfo[] = [
  { ...BRIAN, seat: 0 },
  { ...ADA, seat: 1 },
];
const AT = 1_795_000_000_000;

/** One game of tic-tac-toe as the stand-in keeps it: its id, seats, log and board. */
class Game {
  readonly log: LoggedEvent[] = [];
  readonly cells: (number | null)[] = Array(9).fill(null);
  status: MatchView["status"] = "playing";
  result: MatchView["result"] = null;

  constructor(
    readonly matchId: string,
    readonly seats: readonly SeatInfo[],
  ) {
    for (const { seat, name } of seats) this.#log({ kind: "join", seat, name });
    this.#log({ kind: "start", players: seats.length });
  }

  get turn(): number {
    return this.cells.filter((cell) => cell !== null).length % 2;
  }

  play(seat: number, cell: number, id: string): LoggedEvent {
    this.cells[cell] = seat;
    return this.#log({ kind: "move", seat, move: { cell }, id });
  }

  resign(seat: number): LoggedEvent {
    this.status = "finished";
    this.result = { kind: "win", winners: [1 - seat], reason: "resign" };
    return this.#log({ kind: "resign", seat });
  }

  view(): MatchView {
    const playing = this.status === "playing";
    return {
      seq: this.log.length,
      status: this.status,
      seats: [...this.seats],
      capacity: 2,
      view: { cells: [...this.cells], turn: this.turn },
      turn: playing ? { seats: [this.turn], deadline: null } : null,
      moves: this.cells.filter((cell) => cell !== null).length,
      clock: null,
      drawOffers: [],
      result: this.result,
      rematch: playing ? null : { offers: [true, true], matchId: null },
      serverTime: AT,
    };
  }

  #log(event: Frame): LoggedEvent {
    const logged = { seq: this.log.length + 1, at: AT, ...event } as LoggedEvent;
    this.log.push(logged);
    return logged;
  }
}

/** Just enough of a WebSocket for partysocket; the stand-in answers what the client writes. */
class FakeSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  binaryType = "blob";
  readyState = FakeSocket.CONNECTING;
  readonly sent: Frame[] = [];

  constructor(
    readonly series: Series,
    readonly url: string,
  ) {
    super();
    series.sockets.push(this);
    // partysocket listens once the constructor has returned.
    queueMicrotask(() => series.accept(this));
  }

  get room(): string {
    return decodeURIComponent(new URL(this.url).pathname.replace("/parties/match/", ""));
  }

  open(): void {
    this.readyState = FakeSocket.OPEN;
    this.dispatchEvent(new Event("open"));
  }

  push(frame: Frame): void {
    if (this.readyState === FakeSocket.OPEN)
      this.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(frame) }));
  }

  send(data: string): void {
    // The heartbeat is the runtime's to answer, and says nothing here.
    if (data === '{"type":"ping"}') return;
    const frame = JSON.parse(data) as Frame;
    this.sent.push(frame);
    // Answered later, as over a network: never inside the client's own send.
    queueMicrotask(() => this.series.receive(this, frame));
  }

  close(): void {
    this.readyState = FakeSocket.CLOSED;
  }
}

/**
 * One match object serving a series, as the protocol describes it: a socket to any game of the
 * series is welcomed to the current one; when `next` starts a game, every open socket is
 * welcomed to it and sent its snapshot.
 */
class Series {
  readonly sockets: FakeSocket[] = [];
  readonly games: Game[] = [];
  /** Paths the HTTP log was asked for. */
  readonly fetched: string[] = [];
  /** Answer a resync with a snapshot (as the server does when the gap is too long), not a sync. */
  snapshotOnResync = false;
  /** While set, the HTTP log answers once it resolves, with the log as it stood when asked. */
  held: Promise<void> | null = null;

  constructor(first: Game) {
    this.games.push(first);
  }

  get current(): Game {
    return this.games.at(-1)!;
  }

  get WebSocket(): unknown {
    const series = this;
    return class extends FakeSocket {
      constructor(url: string) {
        super(series, url);
      }
    };
  }

  readonly fetch = async (input: RequestInfo | URL): Promise<Response> => {
    const url = new URL(String(input));
    this.fetched.push(url.pathname);
    const id = decodeURIComponent(url.pathname.split("/")[3] ?? "");
    const game = this.games.find((each) => each.matchId === id);
    if (!game) return Response.json({ error: { code: "not-found", message: "no such match" } }, { status: 404 });
    const after = Number(url.searchParams.get("after"));
    const events = game.log.filter((event) => event.seq > after);
    await this.held;
    return Response.json({ matchId: id, events, next: null });
  };

  /** Every socket frame the client wrote, in order, from every socket. */
  get sent(): Frame[] {
    return this.sockets.flatMap((socket) => socket.sent);
  }

  accept(socket: FakeSocket): void {
    if (socket.readyState !== FakeSocket.CONNECTING) return;
    socket.open();
    this.welcome(socket);
  }

  welcome(socket: FakeSocket): void {
    const game = this.current;
    const seat = game.seats.find((info) => info.playerId === new URL(socket.url).searchParams.get("token"))?.seat;
    socket.push({
      type: "welcome",
      protocol: 3,
      matchId: game.matchId,
      gameId: "tic-tac-toe",
      role: seat === undefined ? "spectator" : "player",
      seat: seat ?? null,
    });
    socket.push({
      type: "snapshot",
      state: game.view(),
      presence: { connected: [true, true], forfeitAt: [null, null], spectators: 0 },
    });
  }

  receive(socket: FakeSocket, frame: Frame): void {
    const game = this.current;
    if (frame.type !== "resync") return;
    if (this.snapshotOnResync) {
      socket.push({
        type: "snapshot",
        state: game.view(),
        presence: { connected: [true, true], forfeitAt: [null, null], spectators: 0 },
      });
      return;
    }
    const events = game.log.filter((event) => event.seq > frame.seq);
    socket.push({ type: "sync", from: frame.seq, events, state: game.view() });
  }

  broadcast(event: LoggedEvent): void {
    for (const socket of this.sockets) socket.push({ type: "event", event, state: this.current.view() });
  }

  /** The next game starts in the same object: every open socket is welcomed to it. */
  next(game: Game): void {
    this.games.push(game);
    for (const socket of this.sockets) if (socket.readyState === FakeSocket.OPEN) this.welcome(socket);
  }
}

const clients: MatchClient[] = [];

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

/** Ada's client (her player id is her token here), on `matchId` of `series`. */
function connect(series: Series, matchId = FIRST): MatchClient {
  let ids = 0;
  const client = new MatchClient({
    origin: "http://ply.test",
    matchId,
    token: ADA.playerId,
    WebSocket: series.WebSocket,
    fetch: series.fetch,
    newId: () => `ada-${++ids}`,
  });
  clients.push(client);
  return client;
}

/** Resolves once `test()` holds, checked now and on every change of the client. */
function until(client: MatchClient, test: () => boolean, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for ${label}`));
    }, 5_000);
    const check = () => {
      if (!test()) return;
      clearTimeout(timer);
      stop();
      resolve();
    };
    const stop = client.on("change", check);
    check();
  });
}

const caughtUp = (client: MatchClient) =>
  client.status === "open" && client.confirmed !== null && (client.log.at(-1)?.seq ?? 0) === client.confirmed.seq;

describe("a MatchClient whose socket is welcomed to the next game of its series", () => {
  it("carries the new match: its id, seat, log and state, with the previous game's move in flight dropped", async () => {
    const series = new Series(new Game(FIRST, [ADA, BRIAN]));
    const client = connect(series);
    const moved: { from: string; matchId: string }[] = [];
    const refused: MoveRefusal[] = [];
    client.on("next-game", (value) => moved.push(value));
    client.on("refused", (refusal) => refused.push(refusal));
    await until(client, () => caughtUp(client) && client.myTurn, "Ada's turn in the first game");
    expect(client.seat).toBe(0);

    // Ada's move is on its way when Brian resigns: the server would refuse it, but no answer
    // comes before the next game starts.
    const sent = client.move({ cell: 4 });
    expect(sent.ok).toBe(true);
    series.broadcast(series.current.resign(1));
    expect(client.pending).toHaveLength(1);
    const second = new Game(SECOND, SWAPPED);
    second.play(0, 0, "brian-1");
    series.next(second);
    await until(client, () => caughtUp(client), "the second game");

    expect(moved).toEqual([{ from: FIRST, matchId: SECOND }]);
    expect(client.matchId).toBe(SECOND);
    expect(client.role).toBe("player");
    expect(client.seat).toBe(1);
    expect(client.log).toEqual(second.log);
    expect(client.confirmed).toEqual(second.view());
    expect(client.myTurn).toBe(true);
    expect(client.pending).toEqual([]);
    expect(refused).toEqual([
      { id: "ada-1", move: { cell: 4 }, code: "game-over", message: "the game this move was made in is over" },
    ]);
    // The move went out once, in the first game, and never into the second.
    expect(series.sent.filter((frame) => frame.type === "move")).toEqual([
      { type: "move", id: "ada-1", seq: 3, move: { cell: 4 } },
    ]);
    // One socket carried both games: the log of the second was asked for from its start.
    expect(series.sockets).toHaveLength(1);
    expect(series.sent.filter((frame) => frame.type === "resync").at(-1)).toEqual({ type: "resync", seq: 0 });

    // A move now is a move of the second game, made against its seq.
    expect(client.move({ cell: 4 }).ok).toBe(true);
    expect(series.sent.at(-1)).toEqual({ type: "move", id: "ada-2", seq: 4, move: { cell: 4 } });
  });

  it("reconnects to the new match id, with the same token", async () => {
    const series = new Series(new Game(FIRST, [ADA, BRIAN]));
    const client = connect(series);
    await until(client, () => caughtUp(client), "the first game");
    series.broadcast(series.current.resign(0));
    series.next(new Game(SECOND, SWAPPED));
    await until(client, () => caughtUp(client) && client.matchId === SECOND, "the second game");

    client.reconnect();
    await until(client, () => series.sockets.length === 2 && caughtUp(client), "the new socket");
    expect(series.sockets.map((socket) => socket.room)).toEqual([FIRST, SECOND]);
    expect(new URL(series.sockets[1]!.url).searchParams.get("token")).toBe(ADA.playerId);
    expect(client.matchId).toBe(SECOND);
    expect(client.log).toEqual(series.current.log);
  });

  it("fills the new game's log from its own HTTP log", async () => {
    const series = new Series(new Game(FIRST, [ADA, BRIAN]));
    const client = connect(series);
    await until(client, () => caughtUp(client), "the first game");
    series.broadcast(series.current.resign(0));
    // The server answers the next resync with a snapshot: the log is filled over HTTP.
    series.snapshotOnResync = true;
    const second = new Game(SECOND, SWAPPED);
    second.play(0, 4, "brian-1");
    series.next(second);
    await until(client, () => caughtUp(client) && client.matchId === SECOND, "the second game");

    expect(series.fetched).toEqual([`/api/matches/${encodeURIComponent(SECOND)}/events`]);
    expect(client.log).toEqual(second.log);
  });

  it("drops a page of the previous game's HTTP log that arrives after the switch", async () => {
    const series = new Series(new Game(FIRST, [ADA, BRIAN]));
    series.snapshotOnResync = true;
    let release!: () => void;
    series.held = new Promise((resolve) => (release = resolve));
    const client = connect(series);
    await until(client, () => series.fetched.length === 1, "the first game's HTTP log asked for");
    series.broadcast(series.current.play(0, 4, "ada-x"));
    series.broadcast(series.current.resign(1));
    const second = new Game(SECOND, SWAPPED);
    series.next(second);
    await until(client, () => client.matchId === SECOND && client.confirmed !== null, "the second game's snapshot");
    release();
    series.held = null;
    await until(client, () => caughtUp(client), "the second game's log");

    expect(series.fetched).toEqual([FIRST, SECOND].map((id) => `/api/matches/${encodeURIComponent(id)}/events`));
    expect(client.log).toEqual(second.log);
  });

  it("drops a move queued offline for the previous game when a reconnect lands in the next", async () => {
    const series = new Series(new Game(FIRST, [ADA, BRIAN]));
    const client = connect(series);
    const moved: { from: string; matchId: string }[] = [];
    const refused: MoveRefusal[] = [];
    client.on("next-game", (value) => moved.push(value));
    client.on("refused", (refusal) => refused.push(refusal));
    await until(client, () => caughtUp(client) && client.myTurn, "Ada's turn in the first game");

    // The connection drops; Ada moves offline, so the move waits in the queue.
    const [first] = series.sockets as [FakeSocket];
    first.close();
    first.dispatchEvent(Object.assign(new Event("close"), { code: 1006, reason: "gone", wasClean: false }));
    expect(client.status).toBe("connecting");
    expect(client.move({ cell: 4 }).ok).toBe(true);
    expect(client.pending).toHaveLength(1);

    // Meanwhile the first game ended and the second started: the reconnect, still to the first
    // game's id, is admitted to the second.
    series.current.resign(0);
    series.next(new Game(SECOND, SWAPPED));
    client.reconnect();
    await until(client, () => caughtUp(client) && client.matchId === SECOND, "the second game");

    expect(series.sockets.map((socket) => socket.room)).toEqual([FIRST, FIRST]);
    expect(moved).toEqual([{ from: FIRST, matchId: SECOND }]);
    expect(client.seat).toBe(1);
    expect(client.pending).toEqual([]);
    expect(refused.map((refusal) => [refusal.id, refusal.code])).toEqual([["ada-1", "game-over"]]);
    expect(series.sent.filter((frame) => frame.type === "move")).toEqual([]);
    expect(client.log).toEqual(series.current.log);
  });
});
