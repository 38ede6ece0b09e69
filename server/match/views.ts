/**
 * What each recipient sees: pure functions from the loaded match to the frames' views, the
 * public summary and presence. Hidden information is filtered here, per recipient (in the
 * spirit of boardgame.io's filter-player-view); a spectator never gets a seat's view.
 */
import { initialMs } from "../../shared/clock.ts";
import { hasHiddenInformation, type MatchState } from "../../shared/engine.ts";
import type { Seat, Viewer } from "../../shared/game.ts";
import type { MatchSummary, MatchView, Presence, SeatInfo } from "../../shared/protocol.ts";
import { shownClocks } from "./spectator-delay.ts";
import type { Loaded, SeatRow } from "./store.ts";

/** The match at one seq: what a frame describes. */
export interface Point {
  readonly state: MatchState;
  readonly seq: number;
  /** A point shown to spectators behind the players: its clocks are shown as they stood then. */
  readonly delayed?: true;
}

/** Who asked for a rematch, and the new match once it exists. */
export interface RematchInfo {
  readonly offers: boolean[];
  readonly matchId: string | null;
}

/** Offers so far, and the new match once it `exists` (created, or created before a wake). */
export function rematchInfo(loaded: Loaded, exists: boolean): RematchInfo {
  return { offers: loaded.seats.map((seat) => seat.rematch), matchId: exists ? loaded.rematchId : null };
}

export function seatInfo(seats: readonly SeatRow[]): SeatInfo[] {
  return seats.map(({ seat, name, pid, bot }) => ({ seat, name, playerId: pid, ...(bot ? { bot } : {}) }));
}

/**
 * The match as `viewer` may see it at `point`, at server time `now`. Without hidden information
 * every recipient gets the spectator view, so snapshots and events agree byte for byte.
 * `rematch` gives the rematch state, shown once a played match is over (asked only then).
 */
export function viewOf(
  loaded: Loaded,
  viewer: Viewer,
  point: Point,
  rematch: () => RematchInfo,
  now: number,
): MatchView {
  const { engine } = loaded;
  const { state } = point;
  const clock = state.clock;
  const shown = shownClocks(point.delayed ? loaded.config.spectatorDelay : null, state.status, {
    deadline: engine.deadline(state),
    since: clock?.since ?? 0,
    running: clock ? [...clock.running] : [],
  });
  return {
    seq: point.seq,
    status: state.status,
    seats: seatInfo(loaded.seats),
    // Seats the match is for: all of them until it starts, then those who played.
    capacity: state.players > 0 ? state.players : loaded.config.capacity,
    view: engine.view(state, hasHiddenInformation(engine.game) ? viewer : "spectator"),
    turn: state.status === "playing" ? { seats: [...engine.activeSeats(state)], deadline: shown.deadline } : null,
    moves: state.moves,
    clock: clock && {
      control: engine.control,
      remaining: [...clock.remaining],
      running: shown.running,
      since: shown.since,
    },
    drawOffers: [...state.drawOffers],
    result: state.result,
    // Only a match that was played can be played again (not one called off before it began).
    rematch: engine.rematch(state).ok ? rematch() : null,
    serverTime: now,
  };
}

/** The public summary, from the spectators' view (behind the players when the match has a spectator delay). */
export function summaryOf(loaded: Loaded, view: MatchView): MatchSummary {
  const { config } = loaded;
  return {
    matchId: config.matchId,
    gameId: config.gameId,
    options: config.options,
    turnMs: initialMs(config.timeControl),
    timeControl: config.timeControl,
    spectatorDelay: config.spectatorDelay,
    graceMs: config.graceMs,
    status: view.status,
    capacity: view.capacity,
    minPlayers: config.minPlayers,
    private: config.isPrivate,
    rated: config.rated,
    // The first game of a private series is joined by its code; the games after it are reserved.
    inviteCode: config.isPrivate && /^inv_[^.]+$/.test(config.matchId) ? config.matchId.slice(4) : null,
    creatorId: config.creatorId,
    rematchId: view.rematch?.matchId ?? null,
    seats: view.seats,
    seq: view.seq,
    moves: view.moves,
    turn: view.turn,
    result: view.result,
    seed: view.status === "finished" ? loaded.seed : null,
    createdAt: config.createdAt,
    startedAt: loaded.startedAt,
    finishedAt: loaded.finishedAt,
  };
}

/**
 * Who is here: per seat, connected or not (a bot always is) and when its grace period ends;
 * and how many watch. `connections(seat)` counts the seat's open sockets.
 */
export function presenceOf(
  loaded: Loaded | null,
  connections: (seat: Seat) => number,
  graceEnds: ReadonlyMap<Seat, number>,
  spectators: number,
): Presence {
  const seats = loaded ? Math.max(loaded.seats.length, loaded.state.players) : 0;
  const connected: boolean[] = [];
  const forfeitAt: (number | null)[] = [];
  for (let seat = 0; seat < seats; seat++) {
    connected.push(loaded?.seats[seat]?.bot ? true : connections(seat) > 0);
    forfeitAt.push(graceEnds.get(seat) ?? null);
  }
  return { connected, forfeitAt, spectators };
}
