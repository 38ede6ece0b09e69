/**
 * Shared by the sdk-*.test.ts files: one real `wrangler dev` per file (`useDevServer`), players
 * made once, clients that are closed after each test and checked never to show a position the
 * game cannot reach, and waits bounded by a timeout.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { Api } from "../../client/api.ts";
import { MatchClient, type MoveRefusal } from "../../client/sdk.ts";
import type { ConnectFourState } from "../../shared/games/connect-four.ts";
import type { LoggedEvent, MatchView, PlayerCreated } from "../../shared/protocol.ts";
import { freePort, startDevServer, type DevServer } from "./server.ts";
import type { Network } from "./sdk-network.ts";

export let server: DevServer;
export let persistTo: string;
export let api: Api;
export const open: MatchClient[] = [];
/** Every view a client showed that no game of Connect Four or tic-tac-toe could reach. */
export const impossible: { seat: number | null; view: MatchView }[] = [];

export function connect(matchId: string, token?: string | null, network?: Network): MatchClient {
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
export function possible(view: MatchView): boolean {
  if (view.view === null) return view.moves === 0;
  const state = view.view as Partial<ConnectFourState> & { cells?: (number | null)[] };
  const pieces = state.columns ? state.columns.flat() : (state.cells ?? []).filter((cell) => cell !== null);
  const counts = [0, 1].map((seat) => pieces.filter((piece) => piece === seat).length) as [number, number];
  if (pieces.length !== view.moves || counts[0] - counts[1] < 0 || counts[0] - counts[1] > 1) return false;
  if (view.status !== "playing") return view.turn === null;
  return JSON.stringify(view.turn?.seats) === JSON.stringify([counts[0] > counts[1] ? 1 : 0]);
}

/** Resolves once `test()` holds, checked now and on every change of `clients`; rejects after `ms`. */
export function until(
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

export function within<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${label}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Connected, and the log caught up with the state. */
export function ready(client: MatchClient): boolean {
  return client.status === "open" && client.confirmed !== null && client.log.at(-1)?.seq === client.confirmed.seq;
}

export async function untilReady(
  clients: readonly MatchClient[],
  status: MatchView["status"] = "playing",
): Promise<void> {
  await until(
    clients,
    () => clients.every((client) => ready(client) && client.confirmed?.status === status),
    "clients ready",
  );
}

/** Waits for the client's turn, moves, and waits until the server has logged the move. */
export async function play(client: MatchClient, move: unknown): Promise<string> {
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

export function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!result.ok) throw new Error(`API call failed: ${JSON.stringify(result.error)}`);
  return result.value;
}

/** Players made once (creating players is rate limited per address): Ada, Brian, and Carol who only watches. */
export let players: PlayerCreated[];

/** Ada creates a match (long clocks: tests must not time out) and Brian joins it. */
export async function table(game: string) {
  const [ada, brian] = players as [PlayerCreated, PlayerCreated];
  const created = unwrap(await api.as(ada.token).createMatch({ game, turnMs: 600_000, graceMs: 600_000 }));
  expect(created).toMatchObject({ gameId: game, status: "waiting", seat: 0, private: false, inviteCode: null });
  const joined = unwrap(await api.as(brian.token).join(created.matchId));
  expect(joined).toEqual({ matchId: created.matchId, seat: 1 });
  return { matchId: created.matchId, tokens: [ada.token, brian.token] as [string, string] };
}

/** The server's whole public log of the match. */
export async function serverLog(matchId: string): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  let after = 0;
  for (;;) {
    const page = unwrap(await api.events(matchId, after));
    events.push(...page.events);
    if (page.next === null) return events;
    after = page.next;
  }
}

export const seqs = (log: readonly LoggedEvent[]) => log.map((event) => event.seq);
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);
/** A view without the frame's clock, to compare views of different frames. */
export const timeless = (view: MatchView | null) => view && { ...view, serverTime: 0 };
export function board(view: MatchView | null): ConnectFourState["columns"] {
  if (!view) throw new Error("no view of the match yet");
  return (view.view as ConnectFourState).columns;
}

/** The match as the server has it now, seen by a new spectator. */
export async function serverView(matchId: string): Promise<MatchView> {
  const watcher = connect(matchId);
  await until(watcher, () => ready(watcher), "a fresh spectator");
  watcher.close();
  return watcher.confirmed!;
}

/** A seeded generator (mulberry32), so a failing game replays. */
export function seeded(seed: number): () => number {
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
export function fours(columns: readonly (readonly number[])[]): Set<number> {
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
export function replayBoard(log: readonly LoggedEvent[]): number[][] {
  const columns: number[][] = Array.from({ length: 7 }, () => []);
  for (const event of log)
    if (event.kind === "move") columns[(event.move as { column: number }).column]!.push(event.seat);
  return columns;
}

/**
 * Starts a `wrangler dev` on its own port and storage for the calling test file, makes the
 * players, closes every client after each test, and stops the server after the file.
 */
export function useDevServer(): void {
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
}

/** Starts the file's server again, after a test stopped it, on the same port and storage. */
export async function restartDevServer(): Promise<void> {
  server = await startDevServer(persistTo, server.port);
}
