/**
 * What the Tournament object shows of itself, read from its store: the summary, the standings,
 * a player's entry, and whether it still takes players. Reads only.
 */
import type {
  EntryView,
  StandingRow,
  StandingsPage,
  TournamentGamesPage,
  TournamentSummary,
} from "../../shared/tournament.ts";
import { standings } from "./scoring.ts";
import type { TournamentConfig, TournamentProgress, TournamentStore } from "./store.ts";

/** A tournament as loaded from its row. */
export type Loaded = { config: TournamentConfig; progress: TournamentProgress };

/** True once the tournament takes no more players. */
export function isClosed(loaded: Loaded, now: number): boolean {
  const { progress, config } = loaded;
  if (progress.status === "finished") return true;
  if (config.kind === "arena") return progress.endsAt !== null && now >= progress.endsAt;
  // A Swiss tournament takes late entrants until its last round is paired.
  return progress.status === "live" && progress.round >= (config.rounds ?? 0);
}

/** Player ids by arena score, best first (the order pairing looks for closeness in). */
export function rankByScore(store: TournamentStore): string[] {
  return store
    .entrants()
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map((entrant) => entrant.pid);
}

export function standingsOf(store: TournamentStore, loaded: Loaded): StandingRow[] {
  return standings(loaded.config.kind, store.entrants(), store.games(), store.byes());
}

export function entryOf(store: TournamentStore, loaded: Loaded, pid: string): EntryView {
  const entrant = store.entrant(pid);
  return {
    tournamentId: loaded.config.tournamentId,
    playerId: pid,
    state: entrant?.state ?? "withdrawn",
    playing: entrant?.playing ?? null,
  };
}

export function summaryOf(store: TournamentStore, loaded: Loaded): TournamentSummary {
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
    players: store.count(),
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

/** A page of the standings, from `offset`. */
export function standingsPageOf(store: TournamentStore, loaded: Loaded, offset: number, limit: number): StandingsPage {
  const all = standingsOf(store, loaded);
  const rows = all.slice(offset, offset + limit);
  return {
    tournamentId: loaded.config.tournamentId,
    rows,
    total: all.length,
    next: offset + rows.length < all.length ? offset + rows.length : null,
  };
}

/** A page of the games, from `offset`. */
export function gamesPageOf(
  store: TournamentStore,
  loaded: Loaded,
  offset: number,
  limit: number,
): TournamentGamesPage {
  const games = store.gamesPage(offset, limit);
  const total = store.gameCount();
  return {
    tournamentId: loaded.config.tournamentId,
    games,
    next: offset + games.length < total ? offset + games.length : null,
  };
}

/** The top three, kept with a finished tournament. */
export function podiumOf(store: TournamentStore, loaded: Loaded): TournamentSummary["podium"] {
  return standingsOf(store, loaded)
    .slice(0, 3)
    .map((row) => ({ playerId: row.playerId, name: row.name, score: row.score }));
}
