/**
 * The SDK's public types: a pending move, a refusal, the connection's status, the events a
 * listener may be told, and the options of a MatchClient (client/sdk.ts re-exports them all).
 */
import type { LoggedEvent } from "../shared/protocol.ts";
import type { MatchClient } from "./sdk.ts";

/** A move the client sent (or will send) and the server has not answered yet. */
export interface PendingMove {
  readonly id: string;
  readonly seq: number;
  readonly move: unknown;
}

/** Why a move was refused: before sending (by the shared rules) or by the server. */
export interface MoveRefusal {
  readonly id: string | null;
  /** The move that was refused. */
  readonly move: unknown;
  readonly code: string;
  readonly message: string;
  readonly reason?: string;
}

/**
 * `open` once the server has welcomed this socket and sent the match as it is now (so `view`
 * is current, up to the log's catch-up); `connecting` before that and while reconnecting;
 * `closed` for good (closed by us, or by the server for flooding).
 */
export type ConnectionStatus = "connecting" | "open" | "closed";

/** Everything a listener may be told. */
export interface MatchClientEvents {
  /** The view changed: a snapshot, an event, a sync, presence, a rematch, a pending move. */
  change: MatchClient;
  /** A new event entered the log (in seq order, never twice). */
  event: LoggedEvent;
  /** A move of ours was refused, before sending or by the server; it was rolled back. */
  refused: MoveRefusal;
  /** An error that answers no move of ours (a frame the server refused, or the HTTP log failed). */
  error: { code: string; message: string };
  connection: ConnectionStatus;
  /**
   * The socket now carries `matchId`, a later game of the series of `from` (a rematch started,
   * or the client asked for an earlier game of the series): `matchId`, `role` and `seat` are
   * the new game's, its log starts empty, and its snapshot follows.
   */
  "next-game": { from: string; matchId: string };
}

export interface MatchClientOptions {
  /** Where the server is, e.g. `http://127.0.0.1:8787` or the page's `location.origin`. */
  readonly origin: string;
  /** The match to connect to; the server may move the client on to a later game of its series. */
  readonly matchId: string;
  /** The player's token; without one (or without a seat in this match) the client watches. */
  readonly token?: string | null;
  /** A WebSocket class, where the platform has none of its own. */
  readonly WebSocket?: unknown;
  /** How many moves may wait while offline (default 8). */
  readonly maxQueued?: number;
  /** Move ids, unique per seat and match (default: random). */
  readonly newId?: () => string;
  /** A fetch function, for the HTTP log (default: the platform's). */
  readonly fetch?: typeof fetch;
}
