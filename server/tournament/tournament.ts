/**
 * Tournament: one arena or Swiss tournament per Durable Object. A thin master around the pure
 * rules (arena.ts, swiss.ts, scoring.ts) and the SQL (store.ts): it pairs entrants into
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
import * as v from "valibot";
import { botsFor } from "../../shared/bots.ts";
import type { TimeControl } from "../../shared/clock.ts";
import { describeIssues } from "../../shared/schema-issues.ts";
import { findGame } from "../../shared/games/index.ts";
import { fail, ok, type Result } from "../../shared/result.ts";
import {
  TOURNAMENT_LIMITS,
  TournamentClientFrame,
  type EntryView,
  type JsonValue,
  type StandingRow,
  type StandingsPage,
  type TournamentCreated,
  type TournamentFrame,
  type TournamentGame,
  type TournamentGamesPage,
  type TournamentKind,
  type TournamentSummary,
} from "../../shared/tournament.ts";
import { tokenSecret, verifyToken } from "../auth.ts";
import type { PlayerRef, SeatedPlayer, TournamentGameResult } from "../contracts.ts";
import { errorResponse, failureResponse } from "../http.ts";
import { log } from "../log.ts";
import { INITIAL_RATING } from "../ratings.ts";
import { isBlank } from "../storage.ts";
import { ARENA_RULES, pairArena, type ArenaRules } from "./arena.ts";
import { scoreBye, scoreGame, standings, type GameScore } from "./scoring.ts";
import { TournamentStore, type Entrant, type TournamentConfig, type TournamentProgress } from "./store.ts";
import { pairSwiss } from "./swiss.ts";

/**
 * The clocks of a tournament (the first two can be set with PLY_TOURNAMENT_PAIR_DELAY_MS and
 * PLY_TOURNAMENT_ROUND_GAP_MS; the arena's wait before a repeat, ARENA_RULES, with
 * PLY_TOURNAMENT_REPEAT_AFTER_MS).
 */
export const TOURNAMENT_TIMES = {
  /** An arena pairs this long after a player comes free, so a few who finish together are paired by score. */
  arenaPairDelayMs: 150,
  /** The pause between a Swiss round's last game and the next round. */
  swissGapMs: 5_000,
  /** A match creation that failed (threw) is tried again after this. */
  retryMs: 2_000,
  /** The feed's standings go out at most this often. */
  broadcastMs: 1_000,
  /** The tournament list hears of a changing number of players at most this often. */
  listRefreshMs: 5_000,
} as const;

/** Timer kinds (one row each in `timers`); `resign:<matchId>:<pid>` rows are per withdrawal. */
const RESIGN = "resign:";

/** What the route hands `create` (already validated). */
export interface TournamentInput {
  readonly name: string;
  readonly gameId: string;
  readonly options: JsonValue;
  readonly kind: TournamentKind;
  readonly timeControl: TimeControl;
  readonly graceMs: number | null;
  readonly rated: boolean;
  readonly isPrivate: boolean;
  readonly code: string | null;
  readonly creator: PlayerRef;
  readonly maxPlayers: number;
  readonly startsAt: number;
  readonly durationMs: number | null;
  readonly rounds: number | null;
  readonly roundMs: number | null;
}

/** What a feed socket is: a player (by id) or a spectator. Kept in its tags, so it survives hibernation. */
const PLAYER_TAG = "p:";
const SPECTATOR_TAG = "spectator";

/** A Swiss round waits this long for its games unless the creator said otherwise: long enough for two full clocks. */
export function defaultRoundMs(control: TimeControl): number {
  switch (control.kind) {
    case "move":
      return Math.min(TOURNAMENT_LIMITS.maxRoundMs, control.ms * 120 + 60_000);
    case "fischer":
      return Math.min(TOURNAMENT_LIMITS.maxRoundMs, 2 * (control.baseMs + 60 * control.incrementMs) + 60_000);
    case "delay":
      return Math.min(TOURNAMENT_LIMITS.maxRoundMs, 2 * (control.baseMs + 60 * control.delayMs) + 60_000);
    case "correspondence":
      return TOURNAMENT_LIMITS.maxRoundMs;
  }
}

type Loaded = { config: TournamentConfig; progress: TournamentProgress };

export class Tournament extends DurableObject<Env> {
  readonly #store: TournamentStore;
  /** Match creations in flight, so a retry pass doesn't start a second one. */
  readonly #creating = new Set<string>();
  /** A feed broadcast waiting to go out (see `#changed`). */
  #broadcastTimer: ReturnType<typeof setTimeout> | null = null;
  /** When the list was last told of this tournament by this instance. */
  #listedAt = 0;
  /** A run of due timers waiting to go (see `#soon`). */
  #soonTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new TournamentStore(ctx.storage.sql, ctx.storage);
    // An unknown id stays blank: asking about it must not create tables.
    if (!isBlank(ctx.storage.sql)) this.#store.migrate();
  }

  /** A duration from the environment, or its default. */
  #setting(value: string | undefined, fallback: number): number {
    const parsed = Number(value);
    return value !== undefined && Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
  }

  get #pairDelayMs(): number {
    return this.#setting(this.env.PLY_TOURNAMENT_PAIR_DELAY_MS, TOURNAMENT_TIMES.arenaPairDelayMs);
  }

  /** The arena's rules; tests put the wait before a repeat out of reach, so a slow pass pairs as a quick one. */
  get #arenaRules(): ArenaRules {
    return { repeatAfterMs: this.#setting(this.env.PLY_TOURNAMENT_REPEAT_AFTER_MS, ARENA_RULES.repeatAfterMs) };
  }

  get #roundGapMs(): number {
    return this.#setting(this.env.PLY_TOURNAMENT_ROUND_GAP_MS, TOURNAMENT_TIMES.swissGapMs);
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
    const config: TournamentConfig = {
      tournamentId: this.ctx.id.name ?? nanoid(),
      name: input.name,
      gameId: input.gameId,
      options: input.options,
      kind: input.kind,
      timeControl: input.timeControl,
      graceMs: input.graceMs,
      rated: input.rated,
      isPrivate: input.isPrivate,
      code: input.code,
      creatorId: input.creator.pid,
      maxPlayers: input.maxPlayers,
      startsAt: input.startsAt,
      durationMs: input.durationMs,
      rounds: input.rounds,
      roundMs: input.kind === "swiss" ? (input.roundMs ?? defaultRoundMs(input.timeControl)) : null,
      createdAt: now,
    };
    this.#store.migrate();
    this.#store.atomically(() => {
      this.#store.insert(config);
      this.#store.arm("start", config.startsAt);
      if (!config.isPrivate) this.#store.arm("list", now);
    });
    await this.#syncAlarm();
    log("info", "tournament-created", { tournamentId: config.tournamentId, kind: config.kind, gameId: config.gameId });
    const loaded = this.#load() as Loaded;
    return ok({ ...this.#summary(loaded), ...(config.code ? { code: config.code } : {}) });
  }

  /** Adds house bots (the game's strongest) as entrants: they play their games on the Match's alarm. */
  async addBots(count: number): Promise<Result<number, "not-found" | "tournament-over" | "bad-bots">> {
    const loaded = this.#load();
    if (!loaded) return fail("not-found", "no such tournament");
    if (loaded.progress.status === "finished") return fail("tournament-over", "the tournament is over");
    const game = findGame(loaded.config.gameId);
    const kind = game ? botsFor(game).at(-1) : undefined;
    if (!kind) return fail("bad-bots", "this game has no bot");
    const now = Date.now();
    const added = this.#store.atomically(() => {
      let n = 0;
      for (let index = 0; index < count && this.#store.count() < loaded.config.maxPlayers; index++) {
        const number = this.#store.entrants().filter((entrant) => entrant.bot !== null).length + 1;
        this.#store.addEntrant(
          { pid: `tbot-${kind}-${number}`, name: `Bot (${kind}) ${number}`, rating: INITIAL_RATING.rating, bot: kind },
          now,
        );
        n++;
      }
      return n;
    });
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
    if (this.#closed(loaded)) return fail("tournament-over", "the tournament takes no more players: it is over");
    if (loaded.config.isPrivate && code?.toUpperCase() !== loaded.config.code) {
      return fail("wrong-code", "this tournament is private: join with its code");
    }
    const existing = this.#store.entrant(player.pid);
    if (existing && existing.state !== "withdrawn") return fail("already-joined", "you are in this tournament already");
    if (this.#store.count() >= loaded.config.maxPlayers) {
      return fail("tournament-full", `the tournament is full (${loaded.config.maxPlayers} players)`);
    }
    const now = Date.now();
    this.#store.atomically(() => {
      if (existing) this.#store.setState(player.pid, "active", now);
      else this.#store.addEntrant({ pid: player.pid, name: player.name, rating, bot: null }, now);
    });
    await this.#afterEntry(loaded);
    return ok(this.#entry(loaded, player.pid));
  }

  /**
   * Leaves the tournament. Before the start the entry is removed; after it the player keeps
   * their score, is paired no more, and resigns the game they are in (they lose it).
   */
  async withdraw(pid: string): Promise<Result<EntryView, "not-found" | "not-entered" | "tournament-over">> {
    const loaded = this.#load();
    if (!loaded) return fail("not-found", "no such tournament");
    const entrant = this.#store.entrant(pid);
    if (!entrant || entrant.state === "withdrawn") return fail("not-entered", "you are not in this tournament");
    if (loaded.progress.status === "finished") return fail("tournament-over", "the tournament is over");
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
    const entrant = this.#store.entrant(pid);
    if (!entrant || entrant.state === "withdrawn") return fail("not-entered", "you are not in this tournament");
    if (loaded.progress.status === "finished") return fail("tournament-over", "the tournament is over");
    this.#store.setState(pid, paused ? "paused" : "active", Date.now());
    await this.#afterEntry(loaded);
    return ok(this.#entry(loaded, pid));
  }

  async summary(): Promise<Result<TournamentSummary, "not-found">> {
    const loaded = this.#load();
    return loaded ? ok(this.#summary(loaded)) : fail("not-found", "no such tournament");
  }

  async standingsPage(offset: number, limit: number): Promise<Result<StandingsPage, "not-found">> {
    const loaded = this.#load();
    if (!loaded) return fail("not-found", "no such tournament");
    const all = this.#standings(loaded);
    const rows = all.slice(offset, offset + limit);
    return ok({
      tournamentId: loaded.config.tournamentId,
      rows,
      total: all.length,
      next: offset + rows.length < all.length ? offset + rows.length : null,
    });
  }

  async gamesPage(offset: number, limit: number): Promise<Result<TournamentGamesPage, "not-found">> {
    const loaded = this.#load();
    if (!loaded) return fail("not-found", "no such tournament");
    const games = this.#store.gamesPage(offset, limit);
    const total = this.#store.gameCount();
    return ok({
      tournamentId: loaded.config.tournamentId,
      games,
      next: offset + games.length < total ? offset + games.length : null,
    });
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
    // An arena game counts if it was paired before the end (no game is paired after it); an
    // aborted game never counts.
    const counts =
      result.outcome !== "aborted" &&
      !(loaded.config.kind === "arena" && game.createdAt >= (loaded.progress.endsAt ?? Infinity));
    const score0: GameScore | null = !counts
      ? null
      : result.outcome === "draw"
        ? 0.5
        : result.winners.includes(game.p0) === result.winners.includes(game.p1)
          ? 0.5
          : result.winners.includes(game.p0)
            ? 1
            : 0;
    this.#store.atomically(() => {
      this.#store.finishGame(game.matchId, score0, result.reason, result.finishedAt);
      for (const [pid, mine] of [
        [game.p0, score0],
        [game.p1, score0 === null ? null : 1 - score0],
      ] as const) {
        const entrant = this.#store.entrant(pid);
        const tally =
          entrant && mine !== null
            ? scoreGame(loaded.config.kind, { score: entrant.score, streak: entrant.streak }, mine as GameScore)
            : null;
        this.#store.release(pid, game.matchId, now, tally);
      }
      this.#afterGame(loaded, game.round, now);
    });
    await this.#syncAlarm();
    this.#changed();
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
      this.#changed();
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
    if (kind === "create") return this.#createPending();
    if (kind === "list") return this.#tellList(loaded);
    if (kind.startsWith(RESIGN)) {
      const [matchId, pid] = kind.slice(RESIGN.length).split(":") as [string, string];
      await this.env.Match.getByName(matchId).resignPlayer(pid);
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
    this.#changed();
  }

  /** One arena pairing pass over whoever is free. */
  async #pairArena(loaded: Loaded, now: number): Promise<void> {
    if (loaded.progress.status !== "live" || now >= (loaded.progress.endsAt ?? 0)) return;
    const free = this.#store.free();
    if (free.length < 2) return;
    // Closeness in score, ties by standing: `order` is the place in the standings.
    const places = new Map(this.#rankByScore().map((pid, index) => [pid, index]));
    const { pairs, retryAt } = pairArena(
      free.map((entrant) => ({
        pid: entrant.pid,
        score: entrant.score,
        order: places.get(entrant.pid) ?? entrant.order,
        lastOpponent: entrant.lastOpponent,
        freeSince: entrant.freeSince,
        seats: entrant.seats,
      })),
      now,
      this.#store.count("active"),
      this.#arenaRules,
    );
    const ids = this.#store.atomically(() => {
      const made = pairs.map(([p0, p1]) => {
        const matchId = nanoid();
        this.#store.addGame(matchId, null, p0, p1, now);
        this.#store.seat(matchId, p0, p1);
        return matchId;
      });
      if (retryAt !== null) this.#store.armBy("pair", retryAt);
      // Should this object die before the creations below, the alarm creates what is left.
      if (made.length > 0) this.#store.armBy("create", now + TOURNAMENT_TIMES.retryMs);
      return made;
    });
    await this.#createGames(loaded, ids);
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
      this.#changed();
      return;
    }
    const games = this.#store.games();
    const byes = this.#store.byes();
    const paired = pairSwiss(
      free.map((entrant) => ({
        pid: entrant.pid,
        score: entrant.score,
        rating: entrant.rating,
        order: entrant.order,
        opponents: games.flatMap((game) =>
          game.p0 === entrant.pid ? [game.p1] : game.p1 === entrant.pid ? [game.p0] : [],
        ),
        byes: byes.filter((pid) => pid === entrant.pid).length,
        seats: entrant.seats,
      })),
    );
    const deadline = now + (config.roundMs ?? defaultRoundMs(config.timeControl));
    const ids = this.#store.atomically(() => {
      this.#store.setRound(round, deadline);
      this.#store.arm("deadline", deadline);
      this.#store.disarm("pair");
      if (paired.bye !== null) {
        const entrant = this.#store.entrant(paired.bye);
        this.#store.addBye(round, paired.bye);
        if (entrant) this.#store.setScore(paired.bye, scoreBye({ score: entrant.score, streak: entrant.streak }));
      }
      // Should this object die before the creations below, the alarm creates what is left.
      if (paired.pairs.length > 0) this.#store.armBy("create", now + TOURNAMENT_TIMES.retryMs);
      return paired.pairs.map(([p0, p1]) => {
        const matchId = nanoid();
        this.#store.addGame(matchId, round, p0, p1, now);
        this.#store.seat(matchId, p0, p1);
        return matchId;
      });
    });
    log("info", "tournament-round", {
      tournamentId: config.tournamentId,
      round,
      games: ids.length,
      repeats: paired.repeats,
    });
    await this.#createGames(this.#load() as Loaded, ids);
    this.#changed();
  }

  /** Creates the matches of new pairings (in parallel) and tells the two players of each. */
  async #createGames(loaded: Loaded, matchIds: readonly string[]): Promise<void> {
    await Promise.all(matchIds.map((matchId) => this.#createGame(loaded, matchId)));
    await this.#syncAlarm();
  }

  /**
   * Creates one game's match. A thrown RPC is retried by the `create` timer as the same creation
   * (the first try may have landed, so `match-exists` then means ours); a refusal undoes the pairing.
   */
  async #createGame(loaded: Loaded, matchId: string): Promise<void> {
    const game = this.#store.game(matchId);
    if (game?.status !== "creating" || this.#creating.has(matchId)) return;
    const { config } = loaded;
    const p0 = this.#store.entrant(game.p0);
    const p1 = this.#store.entrant(game.p1);
    if (!p0 || !p1) return;
    this.#store.attempted(matchId);
    this.#creating.add(matchId);
    try {
      const players = await Promise.all([p0, p1].map((entrant) => this.#seated(config, entrant)));
      const outcome = await this.env.Match.getByName(matchId).createReserved({
        gameId: config.gameId,
        optionsJson: JSON.stringify(config.options),
        players,
        // A game against a bot says nothing about a person's strength.
        rated: config.rated && p0.bot === null && p1.bot === null,
        startNow: true,
        source: "tournament",
        tournament: { id: config.tournamentId },
        timeControl: config.timeControl,
        ...(config.graceMs === null ? {} : { graceMs: config.graceMs }),
      });
      if (outcome.ok || (game.attempts > 0 && outcome.error.code === "match-exists")) {
        this.#store.created(matchId);
        this.#tellPaired(game.matchId, game.round, p0, p1);
      } else {
        log("error", "tournament-create-refused", {
          tournamentId: config.tournamentId,
          matchId,
          code: outcome.error.code,
        });
        this.#store.atomically(() => {
          this.#store.unseat(matchId);
          this.#afterGame(this.#load() as Loaded, game.round, Date.now());
        });
      }
    } catch (error) {
      log("warn", "tournament-create-failed", { tournamentId: config.tournamentId, matchId, error: String(error) });
      this.#store.armBy("create", Date.now() + TOURNAMENT_TIMES.retryMs);
    } finally {
      this.#creating.delete(matchId);
    }
  }

  async #createPending(): Promise<void> {
    const loaded = this.#load();
    if (!loaded) return;
    // Its timer was taken: should this object die during the creations, the next one retries them.
    if (this.#store.creating().length > 0) this.#store.armBy("create", Date.now() + TOURNAMENT_TIMES.retryMs);
    await this.#createGames(
      loaded,
      this.#store.creating().map((game) => game.matchId),
    );
  }

  /** A player as a match seats them: a rated game takes their current rating from their Player object. */
  async #seated(config: TournamentConfig, entrant: Entrant): Promise<SeatedPlayer> {
    if (entrant.bot !== null) {
      return {
        pid: entrant.pid,
        name: entrant.name,
        rating: INITIAL_RATING,
        bot: entrant.bot as SeatedPlayer["bot"] & string,
      };
    }
    const rating = config.rated ? await this.env.Player.getByName(entrant.pid).rating(config.gameId) : INITIAL_RATING;
    return { pid: entrant.pid, name: entrant.name, rating };
  }

  /** The end: standings are final and the podium is kept with the tournament. Call inside a transaction. */
  #finish(loaded: Loaded, now: number): void {
    if (loaded.progress.status === "finished") return;
    const podium = this.#standings(loaded)
      .slice(0, 3)
      .map((row) => ({ playerId: row.playerId, name: row.name, score: row.score }));
    this.#store.setFinished(now, podium);
    for (const kind of ["start", "end", "pair", "deadline"]) this.#store.disarm(kind);
    if (!loaded.config.isPrivate) this.#store.arm("list", now);
    log("info", "tournament-finished", { tournamentId: loaded.config.tournamentId, games: this.#store.gameCount() });
    this.#changed();
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
    this.#changed();
  }

  async #tellList(loaded: Loaded): Promise<void> {
    if (loaded.config.isPrivate) return;
    this.#listedAt = Date.now();
    await this.env.TournamentList.getByName("all").upsert(this.#summary(loaded));
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
  // Views

  #closed(loaded: Loaded): boolean {
    const { progress, config } = loaded;
    if (progress.status === "finished") return true;
    if (config.kind === "arena") return progress.endsAt !== null && Date.now() >= progress.endsAt;
    // A Swiss tournament takes late entrants until its last round is paired.
    return progress.status === "live" && progress.round >= (config.rounds ?? 0);
  }

  /** Player ids by arena score, best first (the order pairing looks for closeness in). */
  #rankByScore(): string[] {
    return this.#store
      .entrants()
      .sort((a, b) => b.score - a.score || a.order - b.order)
      .map((entrant) => entrant.pid);
  }

  #standings(loaded: Loaded): StandingRow[] {
    return standings(loaded.config.kind, this.#store.entrants(), this.#store.games(), this.#store.byes());
  }

  #entry(loaded: Loaded, pid: string): EntryView {
    const entrant = this.#store.entrant(pid);
    return {
      tournamentId: loaded.config.tournamentId,
      playerId: pid,
      state: entrant?.state ?? "withdrawn",
      playing: entrant?.playing ?? null,
    };
  }

  #summary(loaded: Loaded): TournamentSummary {
    const { config, progress } = loaded;
    return {
      tournamentId: config.tournamentId,
      name: config.name,
      gameId: config.gameId,
      kind: config.kind,
      status: progress.status,
      options: config.options,
      timeControl: config.timeControl,
      rated: config.rated,
      private: config.isPrivate,
      creatorId: config.creatorId,
      maxPlayers: config.maxPlayers,
      players: this.#store.count(),
      startsAt: progress.startedAt ?? config.startsAt,
      endsAt: progress.endsAt,
      durationMs: config.durationMs,
      rounds: config.rounds,
      round: progress.round,
      roundDeadline: progress.roundDeadline,
      createdAt: config.createdAt,
      finishedAt: progress.finishedAt,
      podium: progress.podium,
    };
  }

  // -------------------------------------------------------------------------------------------
  // The feed (WebSocket hibernation: the object sleeps while sockets stay open)

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return errorResponse("upgrade-required", "connect with a WebSocket");
    }
    const loaded = this.#load();
    if (!loaded) return errorResponse("not-found", "no such tournament");
    const token = new URL(request.url).searchParams.get("token");
    let pid: string | null = null;
    if (token !== null) {
      const secret = tokenSecret(this.env);
      if (!secret.ok) return failureResponse(secret.error);
      const claims = await verifyToken(secret.value, token);
      if (!claims.ok) return failureResponse(claims.error);
      pid = claims.value.pid;
    }
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [pid === null ? SPECTATOR_TAG : `${PLAYER_TAG}${pid}`]);
    this.#send(server, { type: "welcome", tournamentId: loaded.config.tournamentId, playerId: pid });
    const all = this.#standings(loaded);
    this.#send(
      server,
      this.#stateFrame(loaded, all, pid === null ? null : (all.find((row) => row.playerId === pid) ?? null)),
    );
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string" || message.length > 1_024) {
      return this.#send(socket, { type: "error", code: "too-large", message: "frames here are small text: ping only" });
    }
    let parsed: v.SafeParseResult<typeof TournamentClientFrame>;
    try {
      parsed = v.safeParse(TournamentClientFrame, JSON.parse(message));
    } catch {
      return this.#send(socket, { type: "error", code: "bad-message", message: "the frame is not JSON" });
    }
    if (!parsed.success)
      return this.#send(socket, { type: "error", code: "bad-message", message: describeIssues(parsed.issues) });
    this.#send(socket, {
      type: "pong",
      ...(parsed.output.t === undefined ? {} : { t: parsed.output.t }),
      serverTime: Date.now(),
    });
  }

  override async webSocketClose(socket: WebSocket, code: number): Promise<void> {
    // 1005 (no status) and 1006 (abnormal) are reserved: they can't be sent back.
    try {
      socket.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
    } catch {
      // Already closed: nothing to answer.
    }
  }

  /** The two players hear of their game at once (the rest see it in the next standings frame). */
  #tellPaired(matchId: string, round: number | null, p0: Entrant, p1: Entrant): void {
    for (const [me, other, seat] of [
      [p0, p1, 0],
      [p1, p0, 1],
    ] as const) {
      if (me.bot !== null) continue;
      const frame = JSON.stringify({
        type: "paired",
        matchId,
        seat,
        opponent: { playerId: other.pid, name: other.name },
        round,
      } satisfies TournamentFrame);
      for (const socket of this.ctx.getWebSockets(`${PLAYER_TAG}${me.pid}`)) this.#sendRaw(socket, frame);
    }
    this.#changed();
  }

  /**
   * Something changed: the standings go out within a second, once for all changes in it (a
   * pairing wave of 250 games is one frame, not 250).
   */
  #changed(): void {
    if (this.#broadcastTimer !== null) return;
    this.#broadcastTimer = setTimeout(() => {
      this.#broadcastTimer = null;
      this.#broadcast();
    }, TOURNAMENT_TIMES.broadcastMs);
  }

  #broadcast(): void {
    const loaded = this.#load();
    const sockets = this.ctx.getWebSockets();
    if (!loaded || sockets.length === 0) return;
    const all = this.#standings(loaded);
    // One serialisation for everyone; a player's frame swaps the trailing `"me":null}` for their row.
    const shared = JSON.stringify(this.#stateFrame(loaded, all, null));
    const stem = shared.slice(0, shared.lastIndexOf('"me":null'));
    const tail = shared.slice(shared.lastIndexOf('"me":null') + '"me":null'.length);
    const byPid = new Map(all.map((row) => [row.playerId, row]));
    for (const socket of sockets) {
      const tag = this.ctx.getTags(socket).find((name) => name.startsWith(PLAYER_TAG));
      const row = tag === undefined ? undefined : byPid.get(tag.slice(PLAYER_TAG.length));
      this.#sendRaw(socket, row === undefined ? shared : `${stem}"me":${JSON.stringify(row)}${tail}`);
    }
  }

  #stateFrame(loaded: Loaded, all: readonly StandingRow[], me: StandingRow | null): TournamentFrame {
    const places = new Map(all.map((row) => [row.playerId, row.rank]));
    const place = (game: TournamentGame) =>
      Math.min(places.get(game.players[0].playerId) ?? Infinity, places.get(game.players[1].playerId) ?? Infinity);
    const top = this.#store
      .gamesPage(0, 500, "playing")
      .sort((a, b) => place(a) - place(b))
      .slice(0, TOURNAMENT_LIMITS.feedGames);
    return {
      type: "state",
      tournament: this.#summary(loaded),
      standings: all.slice(0, TOURNAMENT_LIMITS.feedRows),
      me,
      top,
      serverTime: Date.now(),
    };
  }

  #send(socket: WebSocket, frame: TournamentFrame): void {
    this.#sendRaw(socket, JSON.stringify(frame));
  }

  #sendRaw(socket: WebSocket, frame: string): void {
    try {
      socket.send(frame);
    } catch {
      // A socket closing under us: it will get the state again when it reconnects.
    }
  }
}
