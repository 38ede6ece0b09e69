/**
 * What the Match tells its sockets, built from the loaded game: each recipient's view (through
 * the spectator delay), welcomes and snapshots, resyncs, events, presence and the summary. The
 * views themselves are the pure views.ts; sending is audience.ts.
 */
import type { Connection } from "partyserver";
import { hasHiddenInformation } from "../../shared/engine.ts";
import type { LoggedEvent } from "../../shared/events.ts";
import type { Seat, Viewer } from "../../shared/game.ts";
import { LIMITS, PROTOCOL_VERSION, type MatchSummary, type MatchView, type Presence } from "../../shared/protocol.ts";
import type { ServerMessage } from "../../shared/protocol.ts";
import type { Role } from "./admission.ts";
import { eventFrame, type Audience, type Recipients } from "./audience.ts";
import type { SpectatorFeed } from "./spectator-delay.ts";
import type { Loaded, MatchStore } from "./store.ts";
import type { Timers } from "./timers.ts";
import { presenceOf, rematchInfo, summaryOf, viewOf, type Point } from "./views.ts";

export class Outgoing {
  readonly #audience: Audience;
  readonly #feed: SpectatorFeed;
  readonly #store: MatchStore;
  readonly #timers: Timers;
  readonly #loaded: () => Loaded | null;

  constructor(audience: Audience, feed: SpectatorFeed, store: MatchStore, timers: Timers, loaded: () => Loaded | null) {
    this.#audience = audience;
    this.#feed = feed;
    this.#store = store;
    this.#timers = timers;
    this.#loaded = loaded;
  }

  /** The game as `viewer` sees it at `point`, with its rematch offers (the next game is announced by `welcome`). */
  view(loaded: Loaded, viewer: Viewer, point: Point = loaded): MatchView {
    return viewOf(loaded, viewer, point, () => rematchInfo(loaded, false), Date.now());
  }

  /** Where spectators of `loaded` may see up to now (behind the players with a spectator delay). */
  spectatorPoint(loaded: Loaded): Point {
    return this.#feed.point(loaded, Date.now());
  }

  summary(loaded: Loaded): MatchSummary {
    return summaryOf(loaded, this.view(loaded, "spectator", this.spectatorPoint(loaded)));
  }

  /**
   * The summary a finished game keeps once the next game of its series has started: all of it
   * (the game is over), naming the next game.
   */
  finalSummary(loaded: Loaded): MatchSummary {
    return summaryOf(
      loaded,
      viewOf(loaded, "spectator", loaded, () => rematchInfo(loaded, true), Date.now()),
    );
  }

  rematchFrame(loaded: Loaded): ServerMessage {
    return { type: "rematch", ...rematchInfo(loaded, false) };
  }

  presence(closing?: WebSocket): Presence {
    const connections = (seat: Seat) => this.#audience.seatConnections(seat, closing);
    return presenceOf(this.#loaded(), connections, this.#timers.graceEnds(), this.#audience.spectators());
  }

  /**
   * Tells a socket it carries `loaded` (on connecting, and when the series' next game starts): a
   * welcome with its player's seat in this game, then the snapshot.
   */
  welcome(connection: Connection<Role>, loaded: Loaded): void {
    const role = connection.state;
    const seat = role?.role === "player" ? loaded.seats.find((row) => row.pid === role.pid)?.seat : undefined;
    if (role?.role === "player" && seat !== undefined && seat !== role.seat) connection.setState({ ...role, seat });
    const { matchId, gameId } = loaded.config;
    const as = role?.role ?? "spectator";
    this.#audience.send(connection, {
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      matchId,
      gameId,
      role: as,
      seat: seat ?? null,
    });
    const state =
      seat === undefined ? this.view(loaded, "spectator", this.spectatorPoint(loaded)) : this.view(loaded, seat);
    this.#audience.send(connection, { type: "snapshot", state, presence: this.presence() });
  }

  /** Answers a resync from `from`: the events since (a sync) when few enough, else a snapshot. */
  resync(connection: Connection<Role>, loaded: Loaded, role: Role, from: number): void {
    const viewer = role.role === "player" ? role.seat : "spectator";
    // Spectators of a delayed match catch up to where they may see, no further.
    const point = viewer === "spectator" ? this.spectatorPoint(loaded) : loaded;
    const state = this.view(loaded, viewer, point);
    const events =
      from > point.seq || point.seq - from > LIMITS.resyncEvents ? null : this.#store.eventsAfter(from, point.seq);
    this.#audience.send(
      connection,
      events ? { type: "sync", from, events, state } : { type: "snapshot", state, presence: this.presence() },
    );
  }

  /** An event with the match after it, as each recipient may see it. */
  event(loaded: Loaded, event: LoggedEvent, point: Point, to: Recipients): void {
    const frame = (viewer: Viewer) => eventFrame(event, this.view(loaded, viewer, point));
    this.#audience.event(hasHiddenInformation(loaded.engine.game), loaded.seats.length, to, frame);
  }

  /** Sends delayed spectators what has come within their view; returns when the next release is armed for. */
  advanceSpectators(loaded: Loaded): number | null {
    const next = this.#feed.advance(loaded, Date.now(), (event, point) =>
      this.event(loaded, event, point, "spectators"),
    );
    if (next !== null) this.#timers.arm({ kind: "spectators" }, next);
    return next;
  }
}
