/**
 * A tournament's settings: its clocks, what the route hands `create`, and the config written
 * from it. Pure: nothing here touches storage.
 */
import type { TimeControl } from "../../shared/clock.ts";
import { TOURNAMENT_LIMITS } from "../../shared/tournament.ts";
import type { PlayerRef } from "../contracts.ts";
import type { TournamentConfig } from "./store.ts";

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
export const RESIGN = "resign:";

/** What the route hands `create` (already validated): the config less what creation itself fixes, and the creator. */
export type TournamentInput = Omit<TournamentConfig, "tournamentId" | "creatorId" | "createdAt"> & {
  readonly creator: PlayerRef;
};

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

/** The config `create` writes for a new tournament. */
export function newConfig(input: TournamentInput, tournamentId: string, now: number): TournamentConfig {
  return {
    tournamentId,
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
}
