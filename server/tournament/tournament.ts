/**
 * Tournament: one arena or Swiss tournament per Durable Object. A thin master around the pure
 * rules (arena.ts, swiss.ts, scoring.ts, pairing.ts), the SQL (store.ts, schema.ts, records.ts), the entry
 * checks (entries.ts), the views (views.ts), match creation (creation.ts) and the WebSocket feed
 * (feed.ts): it pairs entrants into
 * ordinary matches over the Match object's RPC (seats reserved, started at once), hears each
 * result from the match's outbox (`recordResult`, at least once), and keeps its own clock with
 * one alarm over a timers table: the start, the arena's end, each Swiss round's deadline, the
 * pairing passes, retries of match creations, and the notices to the tournament list.
 *
 * Players and spectators follow it on its own WebSocket feed (hibernation API: the object
 * sleeps between events). Nothing lives only in fields: a crash loses no result, and pairs
 * nobody twice, because a pairing and its players' `playing` marks are one transaction.
 */
import { DurableObject } from "cloudflare:workers";
import { nanoid } from "nanoid";
import { fail, ok, type Result } from "../../shared/result.ts";
import type {
  EntryView,
  StandingsPage,
  TournamentCreated,
  TournamentGamesPage,
  TournamentSummary,
} from "../../shared/tournament.ts";
import type { PlayerRef, TournamentGameResult } from "../contracts.ts";
import { log } from "../log.ts";
import { isBlank } from "../storage.ts";
import { ARENA_RULES, type ArenaRules } from "./arena.ts";
import { durationSetting } from "../settings.ts";
import { defaultRoundMs, newConfig, RESIGN, TOURNAMENT_TIMES, type TournamentInput } from "./config.ts";
import { GameCreator } from "./creation.ts";
import { addBotEntrants, checkEntered, checkJoin, houseBot } from "./entries.ts";
import { TournamentFeed } from "./feed.ts";
import { arenaPass, firstScore, swissPass } from "./pairing.ts";
import { writeBye, writePairs, writeResult } from "./records.ts";
import { TournamentStore } from "./store.ts";
import { entryOf, gamesPageOf, podiumOf, standingsPageOf, summaryOf, type Loaded } from "./views.ts";

export { defaultRoundMs, TOURNAMENT_TIMES, type TournamentInput } from "./config.ts";

export class Tournament extends DurableObject<Env> {
  readonly #store: TournamentStore;
  readonly #feed: TournamentFeed;
  readonly #creator: GameCreator;
  /** When the list was last told of this tournament by this instance. */
  #listedAt = 0;
  /** A run of due timers waiting to go (see `#soon`). */
  #soonTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new TournamentStore(ctx.storage.sql, ctx.storage);
    // An unknown id stays blank: asking about it must not create tables.
    if (!isBlank(ctx.storage.sql)) this.#store.migrate();
    this.#feed = new TournamentFeed(ctx, env, this.#store, () => this.#load());
    this.#creator = new GameCreator(env, this.#store, {
      load: () => this.#load(),
      created: (matchId, round, p0, p1) => this.#feed.tellPaired(matchId, round, p0, p1),
      refused: (loaded, round, now) => this.#afterGame(loaded, round, now),
      syncAlarm: () => this.#syncAlarm(),
    });
  }

  get #pairDelayMs(): number {
    return durationSetting(this.env.PLY_TOURNAMENT_PAIR_DELAY_MS, TOURNAMENT_TIMES.arenaPairDelayMs);
  }

  /** The arena's rules; tests put the wait before a repeat out of reach, so a slow pass pairs as a quick one. */
  get #arenaRules(): ArenaRules {
    return { repeatAfterMs: durationSetting(this.env.PLY_TOURNAMENT_REPEAT_AFTER_MS, ARENA_RULES.repeatAfterMs) };
  }

  get #roundGapMs(): number {
    return durationSetting(this.env.PLY_TOURNAMENT_ROUND_GAP_MS, TOURNAMENT_TIMES.swissGapMs);
  }

  #load(): Loaded | null {
    if (isBlank(this.ctx.storage.sql)) return null;
    return this.#store.load();
  }

  // -------------------------------------------------------------------------------------------
  // RPC from the routes

  /** Writes a new tournament into this (blank) object; the creator is not entered by creating it. */
  async create(input: TournamentInput): Promise<Result<TournamentCreated, "already-started">> {
    if (this.#load()) return fail("already-started", "a tournament with this id exists already");
    const now = Date.now();
    const config = newConfig(input, this.ctx.id.name ?? nanoid(), now);
    this.#store.migrate();
    this.#store.atomically(() => {
      this.#store.insert(config);
      this.#store.arm("start", config.startsAt);
      if (!config.isPrivate) this.#store.arm("list", now);
    });
    await this.#syncAlarm();
    log("info", "tournament-created", { tournamentId: config.tournamentId, kind: config.kind, gameId: config.gameId });
    const loaded = this.#load() as Loaded;
    return ok({ ...summaryOf(this.#store, loaded), ...(config.code ? { code: config.code } : {}) });
  }

  /** Adds house bots (the game's strongest) as entrants: they play their games on the Match's alarm. */
  async addBots(count: number): Promise<Result<number, "not-found" | "tournament-over" | "bad-bots">> {
    const loaded = this.#load();
    if (!loaded) return fail("not-found", "no such tournament");
    if (loaded.progress.status === "finished") return fail("tournament-over", "the tournament is over");
    const kind = houseBot(loaded.config.gameId);
    if (!kind) return fail("bad-bots", "this game has no bot");
    const now = Date.now();
    const added = this.#store.atomically(() => addBotEntrants(this.#store, loaded, kind, count, now));
    await this.#afterEntry(loaded);
    return ok(added);
  }

  /** Enters a player; a withdrawn player who joins again keeps the score they made. */
  async join(
    player: PlayerRef,
    rating: number,
    code: string | undefined,
  ): Promise<Result<EntryView, "not-found" | "tournament-over" | "tournament-full" | "already-joined" | "wrong-code">> {
    const loaded = this.#load();
    if (!loaded) return fail("not-found", "no such tournament");
    const allowed = checkJoin(this.#store, loaded, player, code, Date.now());
    if (!allowed.ok) return allowed;
    const existing = allowed.value;
    const now = Date.now();
    this.#store.atomically(() => {
      if (existing) this.#store.setState(player.pid, "active", now);
      else this.#store.addEntrant({ pid: player.pid, name: player.name, rating, bot: null }, now);
    });
    await this.#afterEntry(loaded);
    return ok(entryOf(this.#store, loaded, player.pid));
  }

  /**
   * Leaves the tournament. Before the start the entry is removed; after it the player keeps
   * their score, is paired no more, and resigns the game they are in (they lose it).
   */
  async withdraw(pid: string): Promise<Result<EntryView, "not-found" | "not-entered" | "tournament-over">> {
    const loaded = this.#load();
    if (!loaded) return fail("not-found", "no such tournament");
    const entered = checkEntered(this.#store, loaded, pid);
    if (!entered.ok) return entered;
    const entrant = entered.value;
    const now = Date.now();
    if (loaded.progress.status === "upcoming") {
      this.#store.removeEntrant(pid);
    } else {
      this.#store.atomically(() => {
        this.#store.setState(pid, "withdrawn", now);
        // The resignation is an outbox delivery: retried by the alarm until the match has it.
        if (entrant.playing !== null) this.#store.arm(`${RESIGN}${entrant.playing}:${pid}`, now);
      });
      await this.#runDue();
    }
    await this.#afterEntry(loaded);
    const after = this.#store.entrant(pid);
    return ok({
      tournamentId: loaded.config.tournamentId,
      playerId: pid,
      state: "withdrawn",
      playing: after?.playing ?? null,
    });
  }

  /** Pauses a player (not paired until they come back) or brings them back. A game in play goes on. */
  async pause(
    pid: string,
    paused: boolean,
  ): Promise<Result<EntryView, "not-found" | "not-entered" | "tournament-over">> {
    const loaded = this.#load();
    if (!loaded) return fail("not-found", "no such tournament");
    const entered = checkEntered(this.#store, loaded, pid);
    if (!entered.ok) return entered;
    this.#store.setState(pid, paused ? "paused" : "active", Date.now());
    await this.#afterEntry(loaded);
    return ok(entryOf(this.#store, loaded, pid));
  }

  async summary(): Promise<Result<TournamentSummary, "not-found">> {
    const loaded = this.#load();
    return loaded ? ok(summaryOf(this.#store, loaded)) : fail("not-found", "no such tournament");
  }

  async standingsPage(offset: number, limit: number): Promise<Result<StandingsPage, "not-found">> {
    const loaded = this.#load();
    if (!loaded) return fail("not-found", "no such tournament");
    return ok(standingsPageOf(this.#store, loaded, offset, limit));
  }

  async gamesPage(offset: number, limit: number): Promise<Result<TournamentGamesPage, "not-found">> {
    const loaded = this.#load();
    if (!loaded) return fail("not-found", "no such tournament");
    return ok(gamesPageOf(this.#store, loaded, offset, limit));
  }

  /**
   * A game ended (from its Match's outbox, at least once: a repeat changes nothing). Scores it,
   * frees both players, and pairs again (arena) or moves the round on (Swiss).
   */
  async recordResult(result: TournamentGameResult): Promise<void> {
    const loaded = this.#load();
    if (!loaded) return;
    const game = this.#store.game(result.matchId);
    if (!game || game.status === "finished") return;
    const now = Date.now();
    const score0 = firstScore(loaded, game, result);
    this.#store.atomically(() => {
      writeResult(this.#store, loaded, game, score0, result, now);
      this.#afterGame(loaded, game.round, now);
    });
    await this.#syncAlarm();
    this.#feed.changed();
  }

  /** What to do once a game is over (inside its transaction): pair, move the round on, or finish. */
  #afterGame(loaded: Loaded, round: number | null, now: number): void {
    const { config, progress } = loaded;
    if (progress.status !== "live") return;
    if (config.kind === "arena") {
      if (now < (progress.endsAt ?? 0)) {
        this.#store.armBy("pair", now + this.#pairDelayMs);
        this.#soon(this.#pairDelayMs);
      } else if (this.#store.running() === 0) this.#finish(loaded, now);
      return;
    }
    if (round !== progress.round || this.#store.running(round) > 0) return;
    if (progress.round >= (config.rounds ?? 0)) {
      if (this.#store.running() === 0) this.#finish(loaded, now);
    } else {
      this.#store.armBy("pair", now + this.#roundGapMs);
      this.#soon(this.#roundGapMs);
    }
  }

  // -------------------------------------------------------------------------------------------
  // The alarm: every timer that is due, each idempotent (alarms come at least once).

  override async alarm(): Promise<void> {
    await this.#runDue();
  }

  /**
   * Fires every due timer. The alarm calls it, and so does an in-memory timer when a pairing
   * pass is due soon: alarms run one at a time, and a pass that waits on hundreds of match
   * creations must not hold the next pass back. Runs may overlap: each timer is taken (its row
   * deleted) in the same synchronous step that starts its work, so none fires twice.
   */
  async #runDue(): Promise<void> {
    const loaded = this.#load();
    if (!loaded) return;
    for (const timer of this.#store.due(Date.now())) {
      // Taken by an overlapping run meanwhile, or moved later.
      if (!this.#store.isDue(timer.kind, timer.at)) continue;
      // The tournament's own steps take their timer first: the deletion commits with the step's
      // first transaction (nothing awaits in between), and a re-arm while the step awaits is kept.
      // Deliveries to other objects keep theirs until they succeed.
      const delivery = timer.kind === "list" || timer.kind.startsWith(RESIGN);
      if (!delivery) this.#store.fired(timer.kind, timer.at);
      try {
        await this.#fire(timer.kind);
        if (delivery) this.#store.fired(timer.kind, timer.at);
      } catch (error) {
        log("warn", "tournament-retry", {
          tournamentId: loaded.config.tournamentId,
          kind: timer.kind,
          error: String(error),
        });
        this.#store.arm(timer.kind, Date.now() + TOURNAMENT_TIMES.retryMs);
      }
    }
    await this.#syncAlarm();
  }

  /** Runs due timers after `ms` without waiting for the alarm (which stays armed as the durable backstop). */
  #soon(ms: number): void {
    // Only short waits: a long one is the alarm's job (and tests set long pair delays to step by hand).
    if (ms > 5_000 || this.#soonTimer !== null) return;
    this.#soonTimer = setTimeout(() => {
      this.#soonTimer = null;
      void this.#runDue();
    }, ms);
  }

  async #fire(kind: string): Promise<void> {
    // Read afresh: an earlier timer of this pass may have moved the tournament on.
    const loaded = this.#load();
    if (!loaded) return;
    const now = Date.now();
    if (kind === "start") return this.#start(loaded, now);
    if (kind === "end") {
      if (loaded.progress.status === "live" && this.#store.running() === 0) this.#finish(loaded, now);
      this.#feed.changed();
      return;
    }
    if (kind === "pair")
      return loaded.config.kind === "arena" ? this.#pairArena(loaded, now) : this.#nextRound(loaded, now);
    if (kind === "deadline") {
      // The round stops waiting: the next one pairs whoever is free (late games still count for theirs).
      if (
        loaded.progress.status === "live" &&
        loaded.progress.roundDeadline !== null &&
        now >= loaded.progress.roundDeadline
      ) {
        if (loaded.progress.round < (loaded.config.rounds ?? 0)) await this.#startRound(loaded, now);
      }
      return;
    }
    if (kind === "create") return this.#creator.createPending();
    if (kind === "list") return this.#tellList(loaded);
    if (kind.startsWith(RESIGN)) {
      const [matchId, pid] = kind.slice(RESIGN.length).split(":") as [string, string];
      await this.env.Match.getByName(matchId).resignPlayer(pid, matchId);
    }
  }

  async #start(loaded: Loaded, now: number): Promise<void> {
    if (loaded.progress.status !== "upcoming") return;
    const { config } = loaded;
    const endsAt = config.kind === "arena" ? now + (config.durationMs ?? 0) : null;
    this.#store.atomically(() => {
      this.#store.setLive(now, endsAt);
      if (endsAt !== null) this.#store.arm("end", endsAt);
      if (!config.isPrivate) this.#store.arm("list", now);
    });
    log("info", "tournament-started", { tournamentId: config.tournamentId, players: this.#store.count() });
    const live = this.#load() as Loaded;
    if (config.kind === "arena") await this.#pairArena(live, now);
    else await this.#startRound(live, now);
    this.#feed.changed();
  }

  /** One arena pairing pass over whoever is free. */
  async #pairArena(loaded: Loaded, now: number): Promise<void> {
    if (loaded.progress.status !== "live" || now >= (loaded.progress.endsAt ?? 0)) return;
    const free = this.#store.free();
    if (free.length < 2) return;
    const { pairs, retryAt } = arenaPass(this.#store, free, now, this.#arenaRules);
    const ids = this.#store.atomically(() => {
      if (retryAt !== null) this.#store.armBy("pair", retryAt);
      return writePairs(this.#store, null, pairs, now);
    });
    await this.#creator.createGames(loaded, ids);
  }

  /** Swiss: the next round, when the current one is complete (or its deadline passed). */
  async #nextRound(loaded: Loaded, now: number): Promise<void> {
    const { progress, config } = loaded;
    if (progress.status !== "live") return;
    const complete = this.#store.running(progress.round) === 0;
    const late = progress.roundDeadline !== null && now >= progress.roundDeadline;
    if (!complete && !late) return;
    if (progress.round >= (config.rounds ?? 0)) {
      if (this.#store.running() === 0) this.#finish(loaded, now);
      return;
    }
    await this.#startRound(loaded, now);
  }

  /** Pairs a Swiss round: everyone active and free, by score; an odd one out gets the bye. */
  async #startRound(loaded: Loaded, now: number): Promise<void> {
    const { config, progress } = loaded;
    const round = progress.round + 1;
    const free = this.#store.free();
    if (free.length < 2) {
      // Nobody (or one player) left to pair: the tournament ends once the games still running do.
      this.#store.atomically(() => {
        this.#store.setRound(config.rounds ?? round, null);
        this.#store.disarm("deadline");
        if (this.#store.running() === 0) this.#finish(this.#load() as Loaded, now);
      });
      this.#feed.changed();
      return;
    }
    const paired = swissPass(this.#store, free);
    const deadline = now + (config.roundMs ?? defaultRoundMs(config.timeControl));
    const ids = this.#store.atomically(() => {
      this.#store.setRound(round, deadline);
      this.#store.arm("deadline", deadline);
      this.#store.disarm("pair");
      if (paired.bye !== null) writeBye(this.#store, round, paired.bye);
      return writePairs(this.#store, round, paired.pairs, now);
    });
    log("info", "tournament-round", {
      tournamentId: config.tournamentId,
      round,
      games: ids.length,
      repeats: paired.repeats,
    });
    await this.#creator.createGames(this.#load() as Loaded, ids);
    this.#feed.changed();
  }

  /** The end: standings are final and the podium is kept with the tournament. Call inside a transaction. */
  #finish(loaded: Loaded, now: number): void {
    if (loaded.progress.status === "finished") return;
    this.#store.setFinished(now, podiumOf(this.#store, loaded));
    for (const kind of ["start", "end", "pair", "deadline"]) this.#store.disarm(kind);
    if (!loaded.config.isPrivate) this.#store.arm("list", now);
    log("info", "tournament-finished", { tournamentId: loaded.config.tournamentId, games: this.#store.gameCount() });
    this.#feed.changed();
  }

  /** After an entry changes: pair (arena), tell the list and the feed. */
  async #afterEntry(loaded: Loaded): Promise<void> {
    const now = Date.now();
    if (loaded.config.kind === "arena" && loaded.progress.status === "live") {
      this.#store.armBy("pair", now + this.#pairDelayMs);
      this.#soon(this.#pairDelayMs);
    }
    // Replaced, not kept earlier: a notice due while one is being delivered must not be lost with it.
    if (!loaded.config.isPrivate)
      this.#store.arm("list", Math.max(now, this.#listedAt + TOURNAMENT_TIMES.listRefreshMs));
    await this.#syncAlarm();
    this.#feed.changed();
  }

  async #tellList(loaded: Loaded): Promise<void> {
    if (loaded.config.isPrivate) return;
    this.#listedAt = Date.now();
    await this.env.TournamentList.getByName("all").upsert(summaryOf(this.#store, loaded));
  }

  /** Keeps the single alarm at the earliest timer. */
  async #syncAlarm(): Promise<void> {
    const next = this.#store.nextTimer();
    if (next === null) await this.ctx.storage.deleteAlarm();
    else {
      // A timer already due (one firing now) asks for the alarm at once, not in the past.
      const at = Math.max(next, Date.now());
      const current = await this.ctx.storage.getAlarm();
      if (current === null || current > at || current < next) await this.ctx.storage.setAlarm(at);
    }
  }

  // -------------------------------------------------------------------------------------------
  // The feed (WebSocket hibernation: the object sleeps while sockets stay open; see feed.ts)

  override async fetch(request: Request): Promise<Response> {
    return this.#feed.accept(request);
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.#feed.message(socket, message);
  }

  override async webSocketClose(socket: WebSocket, code: number): Promise<void> {
    this.#feed.close(socket, code);
  }
}
