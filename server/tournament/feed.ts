/**
 * The Tournament object's WebSocket feed (hibernation API: the object sleeps while sockets stay
 * open): who a socket is (in its tags, so it survives hibernation), the welcome and state frames,
 * the pairing notice, the throttled standings broadcast, and the ping/pong of the client frames.
 */
import * as v from "valibot";
import { describeIssues } from "../../shared/schema-issues.ts";
import {
  TOURNAMENT_LIMITS,
  TournamentClientFrame,
  type StandingRow,
  type TournamentFrame,
  type TournamentGame,
} from "../../shared/tournament.ts";
import { tokenSecret, verifyToken } from "../auth.ts";
import { errorResponse, failureResponse } from "../http.ts";
import { TOURNAMENT_TIMES } from "./config.ts";
import type { Entrant, TournamentStore } from "./store.ts";
import { standingsOf, summaryOf, type Loaded } from "./views.ts";

/** What a feed socket is: a player (by id) or a spectator. Kept in its tags, so it survives hibernation. */
const PLAYER_TAG = "p:";
const SPECTATOR_TAG = "spectator";

export class TournamentFeed {
  /** A feed broadcast waiting to go out (see `changed`). */
  #broadcastTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly store: TournamentStore,
    private readonly load: () => Loaded | null,
  ) {}

  /** A socket asks to follow: a token makes it a player's, none a spectator's. */
  async accept(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return errorResponse("upgrade-required", "connect with a WebSocket");
    }
    const loaded = this.load();
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
    const all = standingsOf(this.store, loaded);
    this.#send(
      server,
      this.#stateFrame(loaded, all, pid === null ? null : (all.find((row) => row.playerId === pid) ?? null)),
    );
    return new Response(null, { status: 101, webSocket: client });
  }

  /** A client frame: only pings are heard. */
  message(socket: WebSocket, message: string | ArrayBuffer): void {
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

  close(socket: WebSocket, code: number): void {
    // 1005 (no status) and 1006 (abnormal) are reserved: they can't be sent back.
    try {
      socket.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
    } catch {
      // Already closed: nothing to answer.
    }
  }

  /** The two players hear of their game at once (the rest see it in the next standings frame). */
  tellPaired(matchId: string, round: number | null, p0: Entrant, p1: Entrant): void {
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
    this.changed();
  }

  /**
   * Something changed: the standings go out within a second, once for all changes in it (a
   * pairing wave of 250 games is one frame, not 250).
   */
  changed(): void {
    if (this.#broadcastTimer !== null) return;
    this.#broadcastTimer = setTimeout(() => {
      this.#broadcastTimer = null;
      this.#broadcast();
    }, TOURNAMENT_TIMES.broadcastMs);
  }

  #broadcast(): void {
    const loaded = this.load();
    const sockets = this.ctx.getWebSockets();
    if (!loaded || sockets.length === 0) return;
    const all = standingsOf(this.store, loaded);
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
    const top = this.store
      .gamesPage(0, 500, "playing")
      .sort((a, b) => place(a) - place(b))
      .slice(0, TOURNAMENT_LIMITS.feedGames);
    return {
      type: "state",
      tournament: summaryOf(this.store, loaded),
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
