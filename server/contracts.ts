/**
 * What the Durable Objects promise each other over RPC. Only plain, structured-cloneable data
 * crosses these boundaries (no `unknown`: Workers RPC types need serialisable shapes).
 */
import type { BotKind } from "../shared/bots.ts";
import type { TimeControl } from "../shared/clock.ts";
import type { Rating, SpectatorDelay } from "../shared/protocol.ts";

export type { LiveMatch } from "../shared/protocol.ts";

/** A JSON value, opaque: what an `unknown` field of a protocol type holds when it crosses an RPC boundary. */
export type Json = NonNullable<unknown> | null;

/**
 * `T` as Workers RPC types can carry it: the RPC typings refuse `unknown` (the success side of a
 * result holding one collapses to `never`), so each `unknown` (game options, moves) reads as Json.
 */
export type OverRpc<T> = unknown extends T ? Json : T extends object ? { [K in keyof T]: OverRpc<T[K]> } : T;

/** Marks protocol data (JSON-shaped by construction: it is sent as JSON too) as fit for RPC. */
export function overRpc<T>(value: T): OverRpc<T> {
  return value as OverRpc<T>;
}

/** A player as the token names them. */
export interface PlayerRef {
  readonly pid: string;
  readonly name: string;
}

/** A player a Matchmaker seats, with the rating the queue paired them on. */
export interface SeatedPlayer extends PlayerRef {
  readonly rating: Rating;
  /** Set when a server-side bot holds the seat. */
  readonly bot?: BotKind;
}

/** Match.createReserved: a match whose seats are assigned up front (quick match, rematch). */
export interface ReservedMatch {
  readonly gameId: string;
  /** Options as JSON text (already valid for the game). */
  readonly optionsJson: string;
  readonly players: readonly SeatedPlayer[];
  readonly rated: boolean;
  /** True: start at once (rematch). False: wait for `startReserved` (quick match collects first). */
  readonly startNow: boolean;
  /** Who asked for it. */
  readonly source: "matchmaking" | "rematch" | "tournament";
  /** A tournament's game: its result is told to that Tournament object too (see TournamentGameResult). */
  readonly tournament?: { readonly id: string };
  /** A rematch keeps the old match's settings; a quick match takes the game's defaults. */
  readonly private?: boolean;
  readonly turnMs?: number;
  readonly timeControl?: TimeControl;
  readonly spectatorDelay?: SpectatorDelay | null;
  readonly graceMs?: number;
}

/** Player.recordMatch(es): one finished match from one player's side. Idempotent per matchId. */
export interface MatchReport {
  readonly matchId: string;
  readonly gameId: string;
  readonly finishedAt: number;
  /** Counts for ratings (a rated match that had at least one move). */
  readonly rated: boolean;
  readonly seat: number;
  readonly outcome: "win" | "loss" | "draw" | "aborted";
  /** Why it ended: the game's reason, or resign, timeout, abandoned, not-collected, ... */
  readonly reason: string;
  /** Everyone else in the match, with their rating before it and this player's score against them. */
  readonly opponents: readonly {
    readonly pid: string;
    readonly name: string;
    readonly seat: number;
    readonly rating: Rating;
    /** 1 when this player beat them, 0.5 for a draw (or both winners), 0 when they won. */
    readonly score: 0 | 0.5 | 1;
  }[];
}

/** Tournament.recordResult: how a tournament's game ended, told by its Match at least once. */
export interface TournamentGameResult {
  readonly tournamentId: string;
  readonly matchId: string;
  readonly finishedAt: number;
  readonly outcome: "win" | "draw" | "aborted";
  /** The winners' player ids (empty unless `outcome` is win). */
  readonly winners: readonly string[];
  readonly reason: string;
}

/** One row of a game's leaderboard. */
export interface LeaderboardEntry {
  readonly pid: string;
  readonly name: string;
  readonly rating: number;
  readonly rd: number;
  readonly games: number;
}
