/**
 * Matchmaker: one quick-match queue, for one game with one set of options. Tickets live in
 * SQLite; the pure rules of server/pairing.ts decide who plays whom; a match is created through
 * the Match object's RPC with its seats assigned, and starts once every player has collected
 * their ticket (so nobody is seated in a match they never heard of).
 *
 * Widening and expiry run on the object's alarm, a sweep every second while anything waits;
 * requests only pair at once what is already pairable. Long polls wait on in-memory waiters
 * that the code changing a ticket resolves, never on a loop.
 */
import { DurableObject } from "cloudflare:workers";
import { nanoid } from "nanoid";
import { botsFor, type BotKind } from "../shared/bots.ts";
import { findGame } from "../shared/games/index.ts";
import type { PlayerRef, SeatedPlayer } from "./contracts.ts";
import { botPlayer } from "./match.ts";
import { errorResponse, json } from "./http.ts";
import { DEFAULT_RULES, formGroups, windowOf, type PairingRules, type Waiting } from "./pairing.ts";
import type { Rating } from "./ratings.ts";
import { migrate } from "./storage.ts";
import type { TicketStatus, TicketView } from "../shared/protocol.ts";

export { TICKET_STATUSES, type TicketStatus, type TicketView } from "../shared/protocol.ts";

const MIGRATIONS = [
  `
  CREATE TABLE queue (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    game_id TEXT NOT NULL,
    options TEXT NOT NULL
  );
  CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    player_id TEXT NOT NULL,
    name TEXT NOT NULL,
    rating TEXT NOT NULL,
    since INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'matched', 'cancelled', 'expired')),
    match_id TEXT,
    seat INTEGER,
    collected_at INTEGER,
    started INTEGER NOT NULL DEFAULT 0,
    closed_at INTEGER
  );
  CREATE UNIQUE INDEX tickets_one_open ON tickets (player_id)
    WHERE status = 'waiting' OR (status = 'matched' AND started = 0);
  CREATE INDEX tickets_status ON tickets (status, since);
  CREATE INDEX tickets_match ON tickets (match_id) WHERE match_id IS NOT NULL;
  CREATE INDEX tickets_closed ON tickets (closed_at) WHERE closed_at IS NOT NULL;
  CREATE TABLE groups (
    match_id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    collect_by INTEGER NOT NULL,
    created INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    started INTEGER NOT NULL DEFAULT 0,
    cancelled INTEGER NOT NULL DEFAULT 0
  );
  `,
  // 2: a ticket may ask for a bot when nobody comes; a group may hold bots (never rated).
  `
  ALTER TABLE tickets ADD COLUMN bot_after INTEGER;
  ALTER TABLE groups ADD COLUMN bot TEXT;
  `,
];

/** The clocks of a queue. */
export const MATCHMAKING_TIMES = {
  /** The sweep runs this often while anything waits or awaits collection. */
  sweepMs: 1_000,
  /** A waiting ticket whose owner has not polled for this long expires. */
  idleMs: 60_000,
  /** Every player of a new match must collect their ticket within this, or the match is cancelled. */
  collectMs: 15_000,
  /** Finished tickets are kept this long (their owners may still poll them), then deleted. */
  keepMs: 60 * 60 * 1000,
  /** The longest a poll may wait. */
  maxWaitMs: 30_000,
} as const;

/** Every status a ticket can have, as the API reports it. */
/** What the ticket route hands the queue. */
export interface EnqueueInput {
  readonly player: PlayerRef;
  readonly rating: Rating;
  readonly gameId: string;
  /** The game's parsed options as JSON. */
  readonly optionsJson: string;
  /** After this long without a match, a server-side bot takes the other seats (unrated). */
  readonly botAfterMs?: number | undefined;
}

/**
 * Ticket ids name their queue, so a poll or cancel is routed without a lookup:
 * `<game>.<8 hex of the options hash>.<16 random>`.
 */
const TICKET_ID = /^([a-z0-9-]{1,40}\.[0-9a-f]{8})\.[A-Za-z0-9_-]{16}$/;

/** The queue a ticket id belongs to, or null when it is not a ticket id. */
export function queueOfTicket(ticketId: string): string | null {
  return TICKET_ID.exec(ticketId)?.[1] ?? null;
}

/** JSON text with object keys sorted at every depth: equal options give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The name of the queue for a game and its options: `<game>.<first 8 hex of SHA-256 of the canonical options>`. */
export async function queueName(gameId: string, optionsJson: string): Promise<string> {
  const text = canonicalJson(JSON.parse(optionsJson));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const hex = Array.from(digest.subarray(0, 4), (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${gameId}.${hex}`;
}

type TicketRow = {
  id: string;
  player_id: string;
  name: string;
  rating: string;
  since: number;
  last_seen: number;
  status: TicketStatus;
  match_id: string | null;
  seat: number | null;
  collected_at: number | null;
  started: number;
  closed_at: number | null;
  bot_after: number | null;
};

type GroupRow = {
  match_id: string;
  created_at: number;
  collect_by: number;
  created: number;
  attempts: number;
  started: number;
  cancelled: number;
  /** The bot kind that fills the seats beside a lone ticket that waited too long; null: people only. */
  bot: BotKind | null;
};

interface Queue {
  readonly name: string;
  readonly gameId: string;
  readonly optionsJson: string;
  readonly rules: PairingRules;
  /** The bot for tickets that ask for one: the strongest the game has. */
  readonly bot: BotKind | null;
}

/** A ticket counts as open (one per player) while waiting, or matched to a match not yet started. */
const OPEN = "(status = 'waiting' OR (status = 'matched' AND started = 0))";

export class Matchmaker extends DurableObject<Env> {
  /** Long polls waiting on a ticket, by ticket id; each resolves its poll. */
  readonly #waiters = new Map<string, Set<() => void>>();
  /** Matches whose creation RPC is in flight, so the sweep doesn't start a second one. */
  readonly #creating = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.transactionSync(() => migrate(ctx.storage.sql, MIGRATIONS));
  }

  /** Adds a ticket for a player; 409 duplicate-ticket when they already hold an open one here. */
  async enqueue(input: EnqueueInput): Promise<Response> {
    const game = findGame(input.gameId);
    if (!game) return errorResponse(400, "unknown-game", `no game ${input.gameId}`);
    const name = await queueName(input.gameId, input.optionsJson);
    // From here to the insert nothing awaits, so the duplicate check and the insert are one step.
    const sql = this.ctx.storage.sql;
    const queue = this.#queue();
    if (queue === null) {
      sql.exec(
        "INSERT INTO queue (id, name, game_id, options) VALUES (1, ?, ?, ?)",
        name,
        input.gameId,
        input.optionsJson,
      );
    } else if (queue.name !== name) {
      throw new Error(`queue ${queue.name} was sent a ticket for ${name}`);
    }
    const open = sql
      .exec<{ id: string }>(`SELECT id FROM tickets WHERE player_id = ? AND ${OPEN}`, input.player.pid)
      .toArray()[0];
    if (open)
      return errorResponse(
        409,
        "duplicate-ticket",
        `you already hold ticket ${open.id} in this queue: poll it or cancel it`,
      );
    const ticketId = `${name}.${nanoid(16)}`;
    const now = Date.now();
    sql.exec(
      "INSERT INTO tickets (id, player_id, name, rating, since, last_seen, status, bot_after) VALUES (?, ?, ?, ?, ?, ?, 'waiting', ?)",
      ticketId,
      input.player.pid,
      input.player.name,
      JSON.stringify({ rating: input.rating.rating, rd: input.rating.rd, vol: input.rating.vol } satisfies Rating),
      now,
      now,
      input.botAfterMs ?? null,
    );
    await this.#pair();
    await this.#arm(false);
    return json(await this.#deliver(ticketId), 201);
  }

  /**
   * A ticket as its owner sees it; 404 for a ticket that isn't theirs. While it waits, holds the
   * answer until it is matched, cancelled or expired, or `waitMs` passes.
   */
  async poll(ticketId: string, pid: string, waitMs: number): Promise<Response> {
    const ticket = this.#ticket(ticketId);
    if (!ticket || ticket.player_id !== pid) return notFound();
    this.#seen(ticketId);
    const deadline = Date.now() + Math.min(Math.max(0, Math.floor(waitMs)), MATCHMAKING_TIMES.maxWaitMs);
    // Woken by any change; a match that could not be created puts the ticket back, so wait on.
    for (let current = ticket; this.#pending(current) && Date.now() < deadline; ) {
      const woken = await this.#waitFor(ticketId, deadline - Date.now());
      this.#seen(ticketId);
      const next = this.#ticket(ticketId);
      if (!woken || !next) break;
      current = next;
    }
    return json(await this.#deliver(ticketId));
  }

  /** Cancels a waiting ticket (and answers a finished one as it is); 409 already-matched once matched. */
  async cancel(ticketId: string, pid: string): Promise<Response> {
    const ticket = this.#ticket(ticketId);
    if (!ticket || ticket.player_id !== pid) return notFound();
    if (ticket.status === "matched") {
      return errorResponse(409, "already-matched", "the ticket is already matched: poll it for the match");
    }
    if (ticket.status === "waiting") {
      this.ctx.storage.sql.exec(
        "UPDATE tickets SET status = 'cancelled', closed_at = ? WHERE id = ?",
        Date.now(),
        ticketId,
      );
      this.#wake([ticketId]);
    }
    return json(await this.#deliver(ticketId));
  }

  /** The sweep. Every step reads what to do from SQLite, so a repeated delivery does no harm. */
  override async alarm(): Promise<void> {
    try {
      await this.#sweep();
    } finally {
      await this.#arm(true);
    }
  }

  async #sweep(): Promise<void> {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    // A ticket with a poll held open right now is being watched, whatever its last_seen says.
    for (const ticketId of this.#waiters.keys()) this.#seen(ticketId);
    const expired = sql
      .exec<{ id: string }>(
        "UPDATE tickets SET status = 'expired', closed_at = ? WHERE status = 'waiting' AND last_seen < ? RETURNING id",
        now,
        now - MATCHMAKING_TIMES.idleMs,
      )
      .toArray()
      .map((row) => row.id);
    this.#wake(expired);

    await this.#pair();

    const groups = sql.exec<GroupRow>("SELECT * FROM groups WHERE started = 0 AND cancelled = 0").toArray();
    await Promise.all(
      groups.map(async (group) => {
        if (group.created === 0) {
          if (this.#creating.has(group.match_id)) return;
          if (group.collect_by < now) await this.#abandon(group.match_id);
          else await this.#create(group.match_id);
          return;
        }
        if (this.#uncollected(group.match_id) === 0) await this.#start(group.match_id);
        else if (group.collect_by < now) await this.#cancelUncollected(group.match_id);
      }),
    );

    sql.exec("DELETE FROM tickets WHERE closed_at < ?", now - MATCHMAKING_TIMES.keepMs);
    sql.exec(
      `DELETE FROM groups WHERE (started = 1 OR cancelled = 1)
         AND NOT EXISTS (SELECT 1 FROM tickets WHERE tickets.match_id = groups.match_id)`,
    );
  }

  /** Schedules the next sweep: in a second while anything is in play, else when the oldest finished ticket is due for deletion. */
  async #arm(fromAlarm: boolean): Promise<void> {
    const sql = this.ctx.storage.sql;
    const busy = sql
      .exec<{ busy: number }>(
        `SELECT EXISTS (SELECT 1 FROM tickets WHERE status = 'waiting')
             OR EXISTS (SELECT 1 FROM groups WHERE started = 0 AND cancelled = 0) AS busy`,
      )
      .one().busy;
    const oldest = sql.exec<{ at: number | null }>("SELECT MIN(closed_at) AS at FROM tickets").one().at;
    const next = busy
      ? Date.now() + MATCHMAKING_TIMES.sweepMs
      : oldest === null
        ? null
        : oldest + MATCHMAKING_TIMES.keepMs;
    if (next === null) return;
    const current = fromAlarm ? null : await this.ctx.storage.getAlarm();
    if (current === null || current > next) await this.ctx.storage.setAlarm(next);
  }

  /** Forms the groups the rules allow now and creates their matches. */
  async #pair(): Promise<void> {
    const queue = this.#queue();
    if (!queue) return;
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    const rows = sql
      .exec<Pick<TicketRow, "id" | "player_id" | "rating" | "since" | "bot_after">>(
        "SELECT id, player_id, rating, since, bot_after FROM tickets WHERE status = 'waiting'",
      )
      .toArray();
    const waiting: Waiting[] = rows.map((row) => ({
      id: row.id,
      playerId: row.player_id,
      rating: parseRating(row.rating).rating,
      since: row.since,
    }));
    const groups: { tickets: readonly Waiting[]; bot: BotKind | null }[] = formGroups(waiting, now, queue.rules).map(
      (tickets) => ({ tickets, bot: null }),
    );
    // Whoever asked for a bot and is still alone past their wait plays one (people first: the
    // groups above took everyone they could).
    const grouped = new Set(groups.flatMap((group) => group.tickets.map((ticket) => ticket.id)));
    const bot = queue.bot;
    if (bot) {
      for (const row of rows) {
        if (grouped.has(row.id) || row.bot_after === null || now - row.since < row.bot_after) continue;
        groups.push({ tickets: waiting.filter((ticket) => ticket.id === row.id), bot });
      }
    }
    const made: string[] = [];
    for (const group of groups) {
      const matchId = nanoid();
      // Claimed before any await: requests interleave with the creation RPC, and nobody else
      // may pair, expire or cancel these tickets meanwhile.
      this.ctx.storage.transactionSync(() => {
        group.tickets.forEach((ticket, seat) => {
          sql.exec(
            "UPDATE tickets SET status = 'matched', match_id = ?, seat = ? WHERE id = ?",
            matchId,
            seat,
            ticket.id,
          );
        });
        sql.exec(
          "INSERT INTO groups (match_id, created_at, collect_by, bot) VALUES (?, ?, ?, ?)",
          matchId,
          now,
          now + MATCHMAKING_TIMES.collectMs,
          group.bot,
        );
      });
      made.push(matchId);
    }
    await Promise.all(made.map((matchId) => this.#create(matchId)));
  }

  /**
   * Creates a group's match. Until it exists its tickets look waiting to their owners. A thrown
   * RPC is retried by the sweep as the same creation (the first try may have landed, so
   * `match-exists` then means ours); a refusal puts the tickets back in the queue.
   */
  async #create(matchId: string): Promise<void> {
    const queue = this.#queue();
    if (!queue || this.#creating.has(matchId)) return;
    const sql = this.ctx.storage.sql;
    const group = this.#group(matchId);
    if (!group || group.created === 1 || group.cancelled === 1) return;
    const tickets = this.#members(matchId);
    const players: SeatedPlayer[] = tickets.map((ticket) => ({
      pid: ticket.player_id,
      name: ticket.name,
      rating: parseRating(ticket.rating),
    }));
    // A bot fills the game's minimum (the seats after the people's).
    const game = findGame(queue.gameId);
    if (group.bot && game) {
      for (let seat = players.length; seat < game.minPlayers; seat++) players.push(botPlayer(group.bot, seat));
    }
    sql.exec("UPDATE groups SET attempts = attempts + 1 WHERE match_id = ?", matchId);
    this.#creating.add(matchId);
    try {
      const outcome = await this.env.Match.getByName(matchId).createReserved({
        gameId: queue.gameId,
        optionsJson: queue.optionsJson,
        players,
        // A game against a bot says nothing about a person's strength.
        rated: group.bot === null,
        startNow: false,
        source: "matchmaking",
      });
      if (outcome.ok || (group.attempts > 0 && outcome.code === "match-exists")) {
        // The players learn of the match from now on, so their time to collect starts now.
        sql.exec(
          "UPDATE groups SET created = 1, collect_by = ? WHERE match_id = ?",
          Date.now() + MATCHMAKING_TIMES.collectMs,
          matchId,
        );
      } else {
        console.error(JSON.stringify({ event: "matchmaking-create-refused", matchId, code: outcome.code }));
        this.#release(matchId);
      }
    } catch (error) {
      console.error(JSON.stringify({ event: "matchmaking-create-failed", matchId, error: String(error) }));
    } finally {
      this.#creating.delete(matchId);
    }
    this.#wake(tickets.map((ticket) => ticket.id));
  }

  /** A match that could not be created in time: cancel whatever may exist, and requeue its players. */
  async #abandon(matchId: string): Promise<void> {
    try {
      await this.env.Match.getByName(matchId).cancelReserved("not-created");
    } catch (error) {
      // Nobody was told of this match; an orphan that never starts is the Match's to clean up.
      console.error(JSON.stringify({ event: "matchmaking-abandon-failed", matchId, error: String(error) }));
    }
    const tickets = this.#members(matchId);
    this.#release(matchId);
    this.#wake(tickets.map((ticket) => ticket.id));
  }

  /** Puts a group's tickets back in the queue, keeping their place (`since`), and forgets the group. */
  #release(matchId: string): void {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      sql.exec(
        "UPDATE tickets SET status = 'waiting', match_id = NULL, seat = NULL WHERE match_id = ? AND status = 'matched'",
        matchId,
      );
      sql.exec("DELETE FROM groups WHERE match_id = ?", matchId);
    });
  }

  /** Starts a fully collected match (idempotent; the sweep retries a failed call). */
  async #start(matchId: string): Promise<void> {
    let started: boolean;
    try {
      started = await this.env.Match.getByName(matchId).startReserved();
    } catch (error) {
      console.error(JSON.stringify({ event: "matchmaking-start-failed", matchId, error: String(error) }));
      return;
    }
    if (started) this.#markStarted(matchId);
    else this.#markCancelled(matchId);
  }

  /** Cancels a match not every player collected in time: the no-shows expire, the others must queue again. */
  async #cancelUncollected(matchId: string): Promise<void> {
    let cancelled: boolean;
    try {
      cancelled = await this.env.Match.getByName(matchId).cancelReserved("not-collected");
    } catch (error) {
      console.error(JSON.stringify({ event: "matchmaking-cancel-failed", matchId, error: String(error) }));
      return;
    }
    // False: it started after all (a late collector won the race), which is just as final.
    if (cancelled) this.#markCancelled(matchId);
    else this.#markStarted(matchId);
  }

  #markStarted(matchId: string): void {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      sql.exec("UPDATE groups SET started = 1 WHERE match_id = ? AND cancelled = 0", matchId);
      sql.exec(
        "UPDATE tickets SET started = 1, closed_at = ? WHERE match_id = ? AND status = 'matched' AND started = 0",
        now,
        matchId,
      );
    });
    this.#wake(this.#members(matchId).map((ticket) => ticket.id));
  }

  #markCancelled(matchId: string): void {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      sql.exec("UPDATE groups SET cancelled = 1 WHERE match_id = ? AND started = 0", matchId);
      sql.exec(
        `UPDATE tickets SET status = CASE WHEN collected_at IS NULL THEN 'expired' ELSE 'cancelled' END, closed_at = ?
         WHERE match_id = ? AND status = 'matched' AND started = 0`,
        now,
        matchId,
      );
    });
    this.#wake(this.#members(matchId).map((ticket) => ticket.id));
  }

  /**
   * The ticket's view for its owner. Handing out a match counts as collecting it; the last
   * collection starts the match before the answer goes out.
   */
  async #deliver(ticketId: string): Promise<TicketView> {
    const ticket = this.#ticket(ticketId);
    if (!ticket) throw new Error(`ticket ${ticketId} vanished`);
    const matchId = ticket.match_id;
    if (
      ticket.status === "matched" &&
      ticket.started === 0 &&
      matchId !== null &&
      this.#group(matchId)?.created === 1
    ) {
      if (ticket.collected_at === null) {
        this.ctx.storage.sql.exec("UPDATE tickets SET collected_at = ? WHERE id = ?", Date.now(), ticketId);
      }
      const group = this.#group(matchId);
      if (group && group.started === 0 && group.cancelled === 0 && this.#uncollected(matchId) === 0)
        await this.#start(matchId);
    }
    const latest = this.#ticket(ticketId);
    if (!latest) throw new Error(`ticket ${ticketId} vanished`);
    return this.#view(latest);
  }

  #view(ticket: TicketRow): TicketView {
    const queue = this.#queue();
    if (!queue) throw new Error("a ticket without its queue");
    const base = { ticketId: ticket.id, gameId: queue.gameId, createdAt: ticket.since };
    if (this.#pending(ticket)) {
      const window = windowOf(
        { id: ticket.id, playerId: ticket.player_id, rating: parseRating(ticket.rating).rating, since: ticket.since },
        Date.now(),
        queue.rules,
      );
      return { ...base, status: "waiting", window: Number.isFinite(window) ? Math.round(window) : null };
    }
    if (ticket.status === "matched" && ticket.match_id !== null && ticket.seat !== null) {
      return { ...base, status: "matched", window: null, matchId: ticket.match_id, seat: ticket.seat };
    }
    return { ...base, status: ticket.status, window: null };
  }

  /** True while the owner should keep waiting: queued, or matched to a match still being created. */
  #pending(ticket: TicketRow): boolean {
    if (ticket.status === "waiting") return true;
    return ticket.status === "matched" && ticket.match_id !== null && this.#group(ticket.match_id)?.created !== 1;
  }

  /** True when the ticket changed (see #wake), false after `ms` without a change. */
  #waitFor(ticketId: string, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(ticketId);
      if (!waiters) {
        waiters = new Set();
        this.#waiters.set(ticketId, waiters);
      }
      const set = waiters;
      const done = (woken: boolean): void => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.#waiters.get(ticketId) === set) this.#waiters.delete(ticketId);
        resolve(woken);
      };
      const wake = (): void => done(true);
      const timer = setTimeout(() => done(false), ms);
      set.add(wake);
    });
  }

  #wake(ticketIds: readonly string[]): void {
    for (const ticketId of ticketIds) {
      for (const done of [...(this.#waiters.get(ticketId) ?? [])]) done();
    }
  }

  #seen(ticketId: string): void {
    this.ctx.storage.sql.exec("UPDATE tickets SET last_seen = ? WHERE id = ?", Date.now(), ticketId);
  }

  #queue(): Queue | null {
    const row = this.ctx.storage.sql
      .exec<{ name: string; game_id: string; options: string }>("SELECT name, game_id, options FROM queue")
      .toArray()[0];
    if (!row) return null;
    const game = findGame(row.game_id);
    if (!game) throw new Error(`queue ${row.name} serves a game the server no longer has`);
    return {
      name: row.name,
      gameId: row.game_id,
      optionsJson: row.options,
      rules: { minPlayers: game.minPlayers, maxPlayers: game.maxPlayers, ...DEFAULT_RULES },
      bot: botsFor(game).at(-1) ?? null,
    };
  }

  #ticket(ticketId: string): TicketRow | null {
    return this.ctx.storage.sql.exec<TicketRow>("SELECT * FROM tickets WHERE id = ?", ticketId).toArray()[0] ?? null;
  }

  #group(matchId: string): GroupRow | null {
    return this.ctx.storage.sql.exec<GroupRow>("SELECT * FROM groups WHERE match_id = ?", matchId).toArray()[0] ?? null;
  }

  #members(matchId: string): TicketRow[] {
    return this.ctx.storage.sql
      .exec<TicketRow>("SELECT * FROM tickets WHERE match_id = ? ORDER BY seat", matchId)
      .toArray();
  }

  #uncollected(matchId: string): number {
    return this.ctx.storage.sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM tickets WHERE match_id = ? AND status = 'matched' AND collected_at IS NULL",
        matchId,
      )
      .one().n;
  }
}

function notFound(): Response {
  // The same answer for a ticket that doesn't exist and one that is someone else's.
  return errorResponse(404, "not-found", "no such ticket");
}

/** Ratings are written by this object only (from the Player's answer), so the stored JSON is trusted. */
function parseRating(text: string): Rating {
  return JSON.parse(text) as Rating;
}
