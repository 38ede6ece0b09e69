/**
 * Spectator fan-out: one match, N spectators. Moves are paced (one at a time: the next leaves
 * once the previous has reached every spectator, plus a short gap) so that each measures one
 * fan-out, not a queue. A game's end is followed by its rematch, and every spectator has the
 * next game before its first move: on the same socket (Ply welcomes every socket of the match to
 * the next game's id, then sends its snapshot), or by reconnecting to the match a `rematch`
 * frame names (floor.ts). That hand-over is reported on its own.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { Bot, type BotContext } from "../lib/bot.ts";
import { call, matchUrl, now, openSocket, players, type Player, type WebSocket } from "../lib/client.ts";
import { progress } from "../lib/log.ts";
import { UsageSampler, type UsageReport } from "../lib/proc.ts";
import type { RunningServer, ServerKind } from "../lib/servers.ts";
import { distribution, pool, Samples, Tally, type Distribution } from "../lib/stats.ts";

export interface SpectatorOptions {
  readonly spectators: number;
  /** Moves to measure. */
  readonly moves: number;
}

export interface SpectatorResult {
  bench: "spectators";
  server: ServerKind;
  via: RunningServer["via"];
  spectators: number;
  moves: number;
  /** Mover sends → the last of the N spectators has the event. */
  lastSpectatorMs: Distribution;
  firstSpectatorMs: Distribution;
  /** Mover sends → the mover has its own broadcast. */
  moverMs: Distribution;
  /**
   * Per game, until all N spectators hold its snapshot: from the first socket welcomed to the
   * next game's id (same sockets), or from the `rematch` frame naming it (new sockets); the first
   * game's is the initial connection.
   */
  reconnectAllMs: Distribution;
  gapMs: number;
  errors: Record<string, number>;
  usage: Record<string, UsageReport>;
  ok: boolean;
}

/** Gap between a fan-out completing and the next move. */
const GAP_MS = 10;
/** A fan-out not complete after this is an error (and the run goes on). */
const FANOUT_TIMEOUT_MS = 10_000;
/** The whole scenario is bounded. */
const BOUND_MS = 8 * 60_000;

const EVENT_PREFIX = /^\{"type":"event","event":\{"seq":(\d+)/;

export async function spectators(server: RunningServer, options: SpectatorOptions): Promise<SpectatorResult> {
  const tag = randomBytes(3).toString("hex");
  const [creator, joiner] = (await players(server.secret, `s${tag}`, 2)) as [Player, Player];
  const errors = new Tally();
  const last = new Samples();
  const first = new Samples();
  const mover = new Samples();
  const reconnect = new Samples();
  const sampler = new UsageSampler(server.watched);
  sampler.start();

  // Fan-out bookkeeping: the move in flight, and arrivals per seq.
  let sentAt = 0;
  let arrivals = new Map<number, { n: number; first: number }>();
  let measuring = false;
  let measured = 0;
  let heldSend: (() => void) | null = null;
  let heldMatch = "";
  let fanoutTimer: NodeJS.Timeout | null = null;
  let spectatorMatch = "";
  let spectatorsReady = false;
  let following: string | null = null;
  /** The next game that spectator sockets were welcomed to, and how many hold its snapshot. */
  let moving: { matchId: string; since: number; ready: number } | null = null;
  let sockets: WebSocket[] = [];
  const retired = new WeakSet<WebSocket>();
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));

  const release = () => {
    // The held move leaves when nothing is being measured and every spectator watches its match.
    if (!heldSend || measuring || !spectatorsReady || heldMatch !== spectatorMatch || !ctx.running) return;
    const send = heldSend;
    heldSend = null;
    measuring = true;
    arrivals = new Map();
    fanoutTimer = setTimeout(() => {
      errors.add("fanout-timeout");
      complete(null);
    }, FANOUT_TIMEOUT_MS);
    sentAt = now();
    send();
  };

  const complete = (result: { last: number; first: number } | null) => {
    if (fanoutTimer) clearTimeout(fanoutTimer);
    fanoutTimer = null;
    if (result) {
      last.push(result.last - sentAt);
      first.push(result.first - sentAt);
      measured++;
    }
    if (measured >= options.moves) {
      ctx.running = false;
      done();
      return;
    }
    setTimeout(() => {
      measuring = false;
      release();
    }, GAP_MS);
  };

  const onEvent = (socket: WebSocket, seq: number) => {
    if (!measuring || socket.readyState !== socket.OPEN) return;
    const at = now();
    let entry = arrivals.get(seq);
    if (!entry) {
      entry = { n: 0, first: at };
      arrivals.set(seq, entry);
    }
    entry.n++;
    if (entry.n === options.spectators) complete({ last: at, first: entry.first });
  };

  const ctx: BotContext = {
    origin: server.origin,
    running: false,
    gate(bot, send) {
      heldSend = send;
      heldMatch = bot.matchId;
      release();
    },
    confirmed(_bot, _matchId, _seq, _id, ms) {
      mover.push(ms);
    },
    finished() {},
    connected() {},
    rejected(_bot, code) {
      errors.add(`rejected-${code}`);
    },
    error(_bot, code, detail) {
      errors.add(code);
      progress(`  error ${code}: ${detail}`);
    },
  };

  /** A spectator socket was welcomed to `matchId`, the next game, on the same socket. */
  const welcomed = (matchId: string) => {
    if (moving?.matchId === matchId) return;
    moving = { matchId, since: now(), ready: 0 };
    spectatorsReady = false;
  };
  /** That socket has the next game's snapshot: once every spectator has it, moves go on. */
  const moved = () => {
    if (!moving || ++moving.ready < options.spectators) return;
    spectatorMatch = moving.matchId;
    reconnect.push(now() - moving.since);
    moving = null;
    spectatorsReady = true;
    release();
  };

  /** Moves every spectator to `matchId`: old sockets closed, new ones open with their snapshot. */
  const watch = async (matchId: string) => {
    spectatorsReady = false;
    const old = sockets;
    sockets = [];
    for (const socket of old) {
      retired.add(socket);
      socket.close(1000, "following the rematch");
    }
    const started = now();
    const fresh = await pool(Array.from({ length: options.spectators }), 50, async () => {
      let snapshot!: () => void;
      const ready = new Promise<void>((resolve) => (snapshot = resolve));
      /** Had its first snapshot; then welcomed to the next game, whose snapshot comes next. */
      let opened = false;
      let nextGame = false;
      const socket = await openSocket(matchUrl(server.origin, matchId), (data, from) => {
        const head = data.toString("latin1", 0, 48);
        const event = EVENT_PREFIX.exec(head);
        if (event) return onEvent(from, Number(event[1]));
        if (head.startsWith('{"type":"snapshot"')) {
          if (nextGame) {
            nextGame = false;
            return moved();
          }
          opened = true;
          return snapshot();
        }
        if (head.startsWith('{"type":"welcome"') && opened) {
          const frame = JSON.parse(data.toString()) as { matchId: string };
          if (frame.matchId !== spectatorMatch) {
            nextGame = true;
            welcomed(frame.matchId);
          }
          return;
        }
        if (head.startsWith('{"type":"rematch"')) {
          const frame = JSON.parse(data.toString()) as { matchId: string | null };
          if (frame.matchId && frame.matchId !== spectatorMatch && frame.matchId !== following && ctx.running) {
            following = frame.matchId;
            void watch(frame.matchId).catch((error: unknown) => {
              errors.add("spectator-follow");
              progress(`  spectators could not follow the rematch: ${String(error)}`);
            });
          }
        }
      });
      socket.on("close", () => {
        if (ctx.running && !retired.has(socket)) errors.add("spectator-closed");
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        ready,
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("no snapshot in 30 s")), 30_000))),
      ]);
      clearTimeout(timer);
      return socket;
    });
    sockets = fresh;
    spectatorMatch = matchId;
    reconnect.push(now() - started);
    spectatorsReady = true;
    release();
  };

  const match = await call<{ matchId: string }>(server.origin, "/api/matches", {
    body: { game: "connect-four" },
    token: creator.token,
  });
  await call(server.origin, `/api/matches/${match.matchId}/join`, { method: "POST", token: joiner.token });
  const bots = [new Bot(creator, ctx), new Bot(joiner, ctx)];
  await Promise.all(bots.map((bot) => bot.join(match.matchId, "initial")));
  await watch(match.matchId);
  progress(
    `  ${options.spectators} spectators connected in ${Math.round(reconnect.values()[0] ?? 0)} ms; measuring ${options.moves} moves`,
  );

  ctx.running = true;
  for (const bot of bots) bot.kick();
  const bound = setTimeout(() => {
    errors.add("bound-reached");
    ctx.running = false;
    done();
  }, BOUND_MS);
  await finished;
  clearTimeout(bound);
  for (let waited = 0; waited < 5_000 && bots.some((bot) => bot.busy); waited += 50) await delay(50);
  for (const bot of bots) bot.close();
  for (const socket of sockets) socket.close(1000, "done");
  const usage = sampler.stop();
  return {
    bench: "spectators",
    server: server.kind,
    via: server.via,
    spectators: options.spectators,
    moves: measured,
    lastSpectatorMs: distribution(last.values()),
    firstSpectatorMs: distribution(first.values()),
    moverMs: distribution(mover.values()),
    reconnectAllMs: distribution(reconnect.values()),
    gapMs: GAP_MS,
    errors: errors.counts,
    usage,
    ok: errors.total === 0 && measured >= options.moves,
  };
}
