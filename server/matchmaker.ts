/**
 * Matchmaker: one quick-match queue, for one game with one set of options. Tickets live in
 * SQLite (matchmaking/tickets.ts); the pure rules of server/pairing.ts decide who plays whom; a
 * match is created through the Match object's RPC with its seats assigned, and starts once every
 * player has collected their ticket (so nobody is seated in a match they never heard of).
 *
 * Widening and expiry run on the object's alarm, a sweep every second while anything waits;
 * requests only pair at once what is already pairable. Long polls wait on in-memory waiters
 * that the code changing a ticket resolves, never on a loop.
 */
import { DurableObject } from "cloudflare:workers";
import { nanoid } from "nanoid";
import { botsFor } from "../shared/bots.ts";
import type { BotKind } from "../shared/bots/kinds.ts";
import { findGame } from "../shared/games/index.ts";
import type { TicketView } from "../shared/protocol.ts";
import { fail, ok, type Result } from "../shared/result.ts";
import { botPlayer } from "./bots.ts";
import type { PlayerRef, SeatedPlayer } from "./contracts.ts";
import { log } from "./log.ts";
import { MATCHMAKING_TIMES, queueName } from "./matchmaking/queues.ts";
import { TicketStore, parseRating, type TicketRow } from "./matchmaking/tickets.ts";
import { Waiters } from "./matchmaking/waiters.ts";
import { DEFAULT_RULES, formGroups, windowOf, type PairingRules, type Waiting } from "./pairing.ts";
import type { Rating } from "./ratings.ts";

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

interface Queue {
  readonly name: string;
  readonly gameId: string;
  readonly optionsJson: string;
  readonly rules: PairingRules;
  /** The bot for tickets that ask for one: the strongest the game has. */
  readonly bot: BotKind | null;
}

/** The same answer for a ticket that doesn't exist and one that is someone else's. */
const NOT_FOUND = fail("not-found", "no such ticket");

export class Matchmaker extends DurableObject<Env> {
  readonly #store: TicketStore;
  /** Long polls waiting on a ticket, by ticket id. */
  readonly #waiters = new Waiters();
  /** Matches whose creation RPC is in flight, so the sweep doesn't start a second one. */
  readonly #creating = new Set<string>();
  /** When the sweep next deletes finished tickets past their hour (in memory: a restart prunes at once). */
  #pruneAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new TicketStore(ctx.storage);
  }

  /** Adds a ticket for a player; duplicate-ticket when they already hold an open one here. */
  async enqueue(input: EnqueueInput): Promise<Result<TicketView, "unknown-game" | "duplicate-ticket">> {
    const game = findGame(input.gameId);
    if (!game) return fail("unknown-game", `no game ${input.gameId}`);
    const name = await queueName(input.gameId, input.optionsJson);
    // From here to the insert nothing awaits, so the duplicate check and the insert are one step.
    const queue = this.#queue();
    if (queue === null) this.#store.createQueue(name, input.gameId, input.optionsJson);
    else if (queue.name !== name) throw new Error(`queue ${queue.name} was sent a ticket for ${name}`);
    const open = this.#store.openTicketOf(input.player.pid);
    if (open) return fail("duplicate-ticket", `you already hold ticket ${open} in this queue: poll it or cancel it`);
    const ticketId = `${name}.${nanoid(16)}`;
    this.#store.addTicket({
      id: ticketId,
      pid: input.player.pid,
      name: input.player.name,
      rating: input.rating,
      now: Date.now(),
      botAfterMs: input.botAfterMs ?? null,
    });
    await this.#pair();
    await this.#arm(false);
    return ok(await this.#deliver(ticketId));
  }

  /**
   * A ticket as its owner sees it; not-found for a ticket that isn't theirs. While it waits,
   * holds the answer until it is matched, cancelled or expired, or `waitMs` passes.
   */
  async poll(ticketId: string, pid: string, waitMs: number): Promise<Result<TicketView, "not-found">> {
    const ticket = this.#store.ticket(ticketId);
    if (!ticket || ticket.player_id !== pid) return NOT_FOUND;
    this.#store.seen(ticketId, Date.now(), MATCHMAKING_TIMES.seenEveryMs);
    const deadline = Date.now() + Math.min(Math.max(0, Math.floor(waitMs)), MATCHMAKING_TIMES.maxWaitMs);
    // Woken by any change; a match that could not be created puts the ticket back, so wait on.
    for (let current = ticket; this.#pending(current) && Date.now() < deadline; ) {
      const woken = await this.#waiters.wait(ticketId, deadline - Date.now());
      this.#store.seen(ticketId, Date.now(), MATCHMAKING_TIMES.seenEveryMs);
      const next = this.#store.ticket(ticketId);
      if (!woken || !next) break;
      current = next;
    }
    return ok(await this.#deliver(ticketId));
  }

  /** Cancels a waiting ticket (and answers a finished one as it is); already-matched once matched. */
  async cancel(ticketId: string, pid: string): Promise<Result<TicketView, "not-found" | "already-matched">> {
    const ticket = this.#store.ticket(ticketId);
    if (!ticket || ticket.player_id !== pid) return NOT_FOUND;
    if (ticket.status === "matched") {
      return fail("already-matched", "the ticket is already matched: poll it for the match");
    }
    if (ticket.status === "waiting") {
      this.#store.cancel(ticketId, Date.now());
      this.#waiters.wake([ticketId]);
    }
    return ok(await this.#deliver(ticketId));
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
    const now = Date.now();
    const { seenEveryMs, idleMs, keepMs, pruneEveryMs } = MATCHMAKING_TIMES;
    // A ticket with a poll held open right now is being watched, whatever its last_seen says.
    for (const ticketId of this.#waiters.keys()) this.#store.seen(ticketId, now, seenEveryMs);
    // A stored last_seen may be up to seenEveryMs behind the last poll: never expire early.
    this.#waiters.wake(this.#store.expireIdle(now, now - idleMs - seenEveryMs));

    await this.#pair();

    await Promise.all(
      this.#store.groups().map(async (group) => {
        if (group.created === 0) {
          if (this.#creating.has(group.match_id)) return;
          // The sweep only retries: #pair made the first attempt as it formed the group.
          if (group.collect_by < now) await this.#abandon(group.match_id);
          else await this.#create(group.match_id, true);
          return;
        }
        if (this.#store.uncollected(group.match_id) === 0) await this.#start(group.match_id);
        else if (group.collect_by < now) await this.#cancelUncollected(group.match_id);
      }),
    );

    // Finished tickets go in batches: deleting them scans the finished ones.
    if (now >= this.#pruneAt) {
      this.#store.prune(now - keepMs);
      this.#pruneAt = now + pruneEveryMs;
    }
  }

  /** Schedules the next sweep: in a second while anything is in play, else when the oldest finished ticket is due for deletion. */
  async #arm(fromAlarm: boolean): Promise<void> {
    const next = this.#store.busy() ? Date.now() + MATCHMAKING_TIMES.sweepMs : this.#pruneDue();
    if (next === null) return;
    const current = fromAlarm ? null : await this.ctx.storage.getAlarm();
    if (current === null || current > next) await this.ctx.storage.setAlarm(next);
  }

  /** When an idle queue should next sweep to delete finished tickets (null: none left). */
  #pruneDue(): number | null {
    const oldest = this.#store.oldestClosed();
    return oldest === null ? null : Math.max(oldest + MATCHMAKING_TIMES.keepMs, this.#pruneAt);
  }

  /** Forms the groups the rules allow now and creates their matches. */
  async #pair(): Promise<void> {
    const queue = this.#queue();
    if (!queue) return;
    const now = Date.now();
    const rows = this.#store.waiting();
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
      const ids = group.tickets.map((ticket) => ticket.id);
      this.#store.claim(matchId, ids, now, now + MATCHMAKING_TIMES.collectMs, group.bot);
      made.push(matchId);
    }
    await Promise.all(made.map((matchId) => this.#create(matchId, false)));
  }

  /**
   * Creates a group's match. Until it exists its tickets look waiting to their owners. A thrown
   * RPC (or a restart) is retried by the sweep as the same creation: an earlier try may have
   * landed, so on a retry `match-exists` means ours. A refusal puts the tickets back in the queue.
   */
  async #create(matchId: string, retry: boolean): Promise<void> {
    const queue = this.#queue();
    if (!queue || this.#creating.has(matchId)) return;
    const group = this.#store.group(matchId);
    if (!group || group.created === 1) return;
    const tickets = this.#store.members(matchId);
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
      if (outcome.ok || (retry && outcome.error.code === "match-exists")) {
        // The players learn of the match from now on, so their time to collect starts now.
        this.#store.created(matchId, Date.now() + MATCHMAKING_TIMES.collectMs);
      } else {
        log("error", "matchmaking-create-refused", { matchId, code: outcome.error.code });
        this.#store.release(matchId);
      }
    } catch (error) {
      log("error", "matchmaking-create-failed", { matchId, error: String(error) });
    } finally {
      this.#creating.delete(matchId);
    }
    this.#waiters.wake(tickets.map((ticket) => ticket.id));
  }

  /** A match that could not be created in time: cancel whatever may exist, and requeue its players. */
  async #abandon(matchId: string): Promise<void> {
    try {
      await this.env.Match.getByName(matchId).cancelReserved("not-created");
    } catch (error) {
      // Nobody was told of this match; an orphan that never starts is the Match's to clean up.
      log("error", "matchmaking-abandon-failed", { matchId, error: String(error) });
    }
    const tickets = this.#store.members(matchId);
    this.#store.release(matchId);
    this.#waiters.wake(tickets.map((ticket) => ticket.id));
  }

  /** Starts a fully collected match (idempotent; the sweep retries a failed call). */
  async #start(matchId: string): Promise<void> {
    let started: boolean;
    try {
      started = await this.env.Match.getByName(matchId).startReserved();
    } catch (error) {
      log("error", "matchmaking-start-failed", { matchId, error: String(error) });
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
      log("error", "matchmaking-cancel-failed", { matchId, error: String(error) });
      return;
    }
    // False: it started after all (a late collector won the race), which is just as final.
    if (cancelled) this.#markCancelled(matchId);
    else this.#markStarted(matchId);
  }

  #markStarted(matchId: string): void {
    this.#waiters.wake(this.#store.markStarted(matchId, Date.now()));
  }

  #markCancelled(matchId: string): void {
    this.#waiters.wake(this.#store.markCancelled(matchId, Date.now()));
  }

  /**
   * The ticket's view for its owner. Handing out a match counts as collecting it; the last
   * collection starts the match before the answer goes out.
   */
  async #deliver(ticketId: string): Promise<TicketView> {
    const ticket = this.#store.ticket(ticketId);
    if (!ticket) throw new Error(`ticket ${ticketId} vanished`);
    const matchId = ticket.match_id;
    // An open ticket in a match that exists: its group is there until the match starts or is called off.
    if (ticket.open && matchId !== null && this.#store.group(matchId)?.created === 1) {
      if (ticket.collected_at === null) this.#store.collected(ticketId, Date.now());
      if (this.#store.uncollected(matchId) === 0) await this.#start(matchId);
    }
    const latest = this.#store.ticket(ticketId);
    if (!latest) throw new Error(`ticket ${ticketId} vanished`);
    return this.#view(latest);
  }

  #view(ticket: TicketRow): TicketView {
    const queue = this.#queue();
    if (!queue) throw new Error("a ticket without its queue");
    const base = { ticketId: ticket.id, gameId: queue.gameId, createdAt: ticket.since };
    if (ticket.open && this.#pending(ticket)) {
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
    if (!ticket.open) return false;
    return ticket.match_id === null || this.#store.group(ticket.match_id)?.created !== 1;
  }

  #queue(): Queue | null {
    const row = this.#store.queue();
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
}
