/** The Match's data as the store reads and writes it: the match's config, seats, the cache, a series' archive. */
import type { BotKind } from "../../shared/bots/kinds.ts";
import type { TimeControl } from "../../shared/clock.ts";
import type { Engine, MatchState } from "../../shared/engine.ts";
import type { Seat } from "../../shared/game.ts";
import type { MatchSummary, SpectatorDelay } from "../../shared/protocol.ts";
import type { MatchReport, PlayerRef } from "../contracts.ts";
import type { Rating } from "../ratings.ts";

/** Fixed at creation. */
export interface MatchConfig {
  readonly matchId: string;
  readonly gameId: string;
  readonly options: unknown;
  readonly capacity: number;
  readonly minPlayers: number;
  readonly timeControl: TimeControl;
  /** Spectators see the match this far behind the players; null: live. */
  readonly spectatorDelay: SpectatorDelay | null;
  readonly graceMs: number;
  readonly createdAt: number;
  readonly creatorId: string | null;
  readonly isPrivate: boolean;
  readonly rated: boolean;
  /** Seats assigned by a Matchmaker; the match starts when it says so. */
  readonly reserved: boolean;
  /** The tournament this match is a game of: it hears the result (outbox "tournament"). */
  readonly tournamentId: string | null;
}

/** A seat and who holds it. */
export interface SeatRow {
  readonly seat: Seat;
  readonly pid: string;
  readonly name: string;
  /** The rating the holder brought to a rated match. */
  readonly rating: Rating | null;
  /** The server-side bot playing this seat; null for a person. */
  readonly bot: BotKind | null;
  rematch: boolean;
}

/** The in-memory cache of the match, rebuilt from SQLite on wake. */
export interface Loaded {
  readonly config: MatchConfig;
  readonly engine: Engine;
  /** Published with the summary once the match is over (replays of hidden deals need it). */
  readonly seed: string;
  state: MatchState;
  seq: number;
  seats: SeatRow[];
  startedAt: number | null;
  finishedAt: number | null;
  rematchId: string | null;
  /** Where the game's log starts among the object's events (a series stores its games one after another). */
  base: number;
}

/** A finished game as the series archives it: its summary, and the reports its players have yet to hear. */
export interface Archived {
  readonly summary: MatchSummary;
  readonly reports: readonly PlayerReport[];
}

/** An earlier game of the series as its id still serves it: its final summary, and where its events lie. */
export interface Archive {
  readonly summary: MatchSummary;
  readonly base: number;
}

/** A player's report of a finished game, addressed to them. */
export type PlayerReport = { readonly pid: string; readonly report: MatchReport };

/** A player about to take a seat. */
export type NewSeat = PlayerRef & { readonly rating: Rating | null; readonly bot?: BotKind | undefined };
