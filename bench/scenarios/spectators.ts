/**
 * Spectator fan-out: one match, N spectators. Moves are paced (one at a time: the next leaves
 * once the previous has reached every spectator, plus a short gap) so that each measures one
 * fan-out, not a queue. A game's end is followed by its rematch, and every spectator follows it
 * to the new match before the next move (that reconnection is reported on its own).
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
  /** All N spectators connected to a (new) match, snapshot received. */
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
      const socket = await openSocket(matchUrl(server.origin, matchId), (data, from) => {
        const head = data.toString("latin1", 0, 48);
        const event = EVENT_PREFIX.exec(head);
        if (event) return onEvent(from, Number(event[1]));
        if (head.startsWith('{"type":"snapshot"')) return snapshot();
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
