/**
 * Creating the matches of new pairings over the Match object's RPC (seats reserved, started at
 * once). A thrown RPC is retried by the `create` timer as the same creation; a refusal undoes
 * the pairing. The Tournament object hears of each outcome through the hooks it passes in.
 */
import { log } from "../log.ts";
import type { SeatedPlayer } from "../contracts.ts";
import { INITIAL_RATING } from "../ratings.ts";
import { TOURNAMENT_TIMES } from "./config.ts";
import type { Entrant, TournamentConfig, TournamentStore } from "./store.ts";
import type { Loaded } from "./views.ts";

/** What the Tournament object does around a creation. */
export interface CreationHooks {
  readonly load: () => Loaded | null;
  /** The match exists: its two players hear of it. */
  readonly created: (matchId: string, round: number | null, p0: Entrant, p1: Entrant) => void;
  /** The match was refused and its players unseated (inside that transaction): pair again or move on. */
  readonly refused: (loaded: Loaded, round: number | null, now: number) => void;
  readonly syncAlarm: () => Promise<void>;
}

export class GameCreator {
  /** Match creations in flight, so a retry pass doesn't start a second one. */
  readonly #creating = new Set<string>();

  constructor(
    private readonly env: Env,
    private readonly store: TournamentStore,
    private readonly hooks: CreationHooks,
  ) {}

  /** Creates the matches of new pairings (in parallel) and tells the two players of each. */
  async createGames(loaded: Loaded, matchIds: readonly string[]): Promise<void> {
    await Promise.all(matchIds.map((matchId) => this.#createGame(loaded, matchId)));
    await this.hooks.syncAlarm();
  }

  /**
   * Creates one game's match. A thrown RPC is retried by the `create` timer as the same creation
   * (the first try may have landed, so `match-exists` then means ours); a refusal undoes the pairing.
   */
  async #createGame(loaded: Loaded, matchId: string): Promise<void> {
    const game = this.store.game(matchId);
    if (game?.status !== "creating" || this.#creating.has(matchId)) return;
    const { config } = loaded;
    const p0 = this.store.entrant(game.p0);
    const p1 = this.store.entrant(game.p1);
    if (!p0 || !p1) return;
    this.store.attempted(matchId);
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
        this.store.created(matchId);
        this.hooks.created(game.matchId, game.round, p0, p1);
      } else {
        log("error", "tournament-create-refused", {
          tournamentId: config.tournamentId,
          matchId,
          code: outcome.error.code,
        });
        this.store.atomically(() => {
          this.store.unseat(matchId);
          this.hooks.refused(this.hooks.load() as Loaded, game.round, Date.now());
        });
      }
    } catch (error) {
      log("warn", "tournament-create-failed", { tournamentId: config.tournamentId, matchId, error: String(error) });
      this.store.armBy("create", Date.now() + TOURNAMENT_TIMES.retryMs);
    } finally {
      this.#creating.delete(matchId);
    }
  }

  /** The `create` timer: every creation still pending. */
  async createPending(): Promise<void> {
    const loaded = this.hooks.load();
    if (!loaded) return;
    // Its timer was taken: should this object die during the creations, the next one retries them.
    if (this.store.creating().length > 0) this.store.armBy("create", Date.now() + TOURNAMENT_TIMES.retryMs);
    await this.createGames(
      loaded,
      this.store.creating().map((game) => game.matchId),
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
}
