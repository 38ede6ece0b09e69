/**
 * Spectator delay: spectators see the match from the same log, some moves or seconds behind the
 * players, and catch up at the end. The pure part says how far they may see and how their clocks
 * look; `SpectatorFeed` keeps where they stand (in SQLite too, so a wake loses nothing) and sends
 * them what comes within their view.
 */
import type { MatchStatus } from "../../shared/engine.ts";
import type { LoggedEvent } from "../../shared/events.ts";
import type { Seat } from "../../shared/game.ts";
import type { SpectatorDelay } from "../../shared/protocol.ts";
import type { Loaded, MatchStore } from "./store.ts";
import type { Point } from "./views.ts";

/** What the horizon needs of the log. */
export interface DelayLog {
  /** The seq of the `n`th move (0-based), or null when there are not that many. */
  nthMoveSeq(n: number): number | null;
  /** The last seq logged at or before `cutoff`, or up to the start, whichever is later. */
  lastSeqBy(cutoff: number): number;
}

/**
 * The last seq spectators may see at `now`: everything before the start (who plays is no
 * secret) and everything once the match is over; in between, `moves` moves or `seconds` behind.
 */
export function horizon(
  delay: SpectatorDelay | null,
  match: { readonly status: MatchStatus; readonly seq: number; readonly moves: number },
  log: DelayLog,
  now: number,
): number {
  if (!delay || match.status !== "playing") return match.seq;
  if ("moves" in delay) {
    // Just before the move that would put spectators fewer than `moves` behind.
    const next = log.nthMoveSeq(Math.max(0, match.moves - delay.moves));
    return next === null ? match.seq : next - 1;
  }
  return log.lastSeqBy(now - delay.seconds * 1000);
}

/** The turn deadline and running clocks as a frame shows them. */
export interface Clocks {
  readonly deadline: number | null;
  readonly since: number;
  readonly running: Seat[];
}

/** The clocks as spectators behind the players see them (`delay` null: as they are). */
export function shownClocks(delay: SpectatorDelay | null, status: MatchStatus, clocks: Clocks): Clocks {
  if (!delay || status !== "playing") return clocks;
  // Exactly this far behind: the clocks tick for spectators as they ticked then.
  if ("seconds" in delay) {
    const behind = delay.seconds * 1000;
    return {
      ...clocks,
      since: clocks.since + behind,
      deadline: clocks.deadline === null ? null : clocks.deadline + behind,
    };
  }
  // Some moves behind, at no fixed time: the clocks are shown standing, as they stood.
  return { ...clocks, running: [], deadline: null };
}

/** Where the spectators of a delayed match stand, and the events released to them. */
export class SpectatorFeed {
  readonly #store: MatchStore;
  /** The point spectators have been shown (null: not read since the wake). */
  #point: Point | null = null;

  constructor(store: MatchStore) {
    this.#store = store;
  }

  /** Where spectators stand: the live match, or (with a delay) the point they have been shown. */
  point(loaded: Loaded, now: number): Point {
    if (loaded.config.spectatorDelay === null) return loaded;
    if (this.#point === null) {
      const seq = Math.min(this.#store.spectatorSeq() ?? this.#horizon(loaded, now), loaded.seq);
      this.#point = { seq, state: loaded.engine.replay(this.#store.eventsAfter(0, seq)), delayed: true };
    }
    return this.#point;
  }

  #horizon(loaded: Loaded, now: number): number {
    const { state, seq } = loaded;
    return horizon(loaded.config.spectatorDelay, { status: state.status, seq, moves: state.moves }, this.#store, now);
  }

  /**
   * Sends spectators (through `send`) the events that have come within their view. Returns when
   * the next one comes due (with a delay in seconds), for the caller to arm; null otherwise.
   */
  advance(loaded: Loaded, now: number, send: (event: LoggedEvent, point: Point) => void): number | null {
    const delay = loaded.config.spectatorDelay;
    if (!delay) return null;
    const from = this.point(loaded, now);
    let point = from;
    const until = this.#horizon(loaded, now);
    for (const event of until > point.seq ? this.#store.eventsAfter(point.seq, until) : []) {
      point = { seq: event.seq, state: loaded.engine.apply(point.state, event, event.at), delayed: true };
      send(event, point);
    }
    this.#point = point;
    // After the frames: a crash in between sends them again, and clients drop what they have.
    if (point.seq !== from.seq) this.#store.setSpectatorSeq(point.seq);
    if ("seconds" in delay && point.seq < loaded.seq) return this.#store.eventAt(point.seq + 1) + delay.seconds * 1000;
    return null;
  }
}
