/**
 * A typed client for Ply's HTTP API, for the browser and for Node (bots, tests, benchmarks).
 * Failures are values: every call answers `{ok: true, value}` or `{ok: false, error}` with the
 * server's stable code (or `network` when the server could not be reached).
 */
import type {
  EventsPage,
  JoinResult,
  LeaderboardPage,
  LivePage,
  MatchCreated,
  MatchSummary,
  PlayerCreated,
  PlayerProfile,
  SpectatorDelay,
  TicketView,
} from "../shared/protocol.ts";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/browser";
import type { PasskeyList, PasskeySummary } from "../shared/passkeys.ts";
import type { BotKind } from "../shared/bots.ts";
import type { TimeControl } from "../shared/clock.ts";

/** Why a call failed: the HTTP status (0 for no answer) and the server's code. */
export interface ApiError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export type ApiResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiError };

/** What GET /api/games lists for each game. */
export interface GameInfo {
  readonly id: string;
  readonly name: string;
  readonly minPlayers: number;
  readonly maxPlayers: number;
  readonly defaultOptions: unknown;
  readonly defaultTimeControl: TimeControl;
  readonly hiddenInformation: boolean;
}

/** What POST /api/matches takes. */
export interface NewMatch {
  readonly game: string;
  readonly options?: Record<string, unknown>;
  readonly turnMs?: number;
  /** Not together with `turnMs`. */
  readonly timeControl?: TimeControl;
  readonly spectatorDelay?: SpectatorDelay;
  /** Server-side bots for the seats after the creator's; the match starts once they sit. */
  readonly bots?: readonly BotKind[];
  readonly graceMs?: number;
  readonly private?: boolean;
}

export interface ApiOptions {
  /** Where the server is, e.g. `http://127.0.0.1:8787`; empty for the page's own origin. */
  readonly origin?: string;
  /** The player token, for the calls that act as a player. */
  readonly token?: string | null;
  readonly fetch?: typeof fetch;
}

/** The HTTP API, bound to an origin and (optionally) a player's token. */
export class Api {
  readonly origin: string;
  readonly token: string | null;
  readonly #fetch: typeof fetch;

  constructor(options: ApiOptions = {}) {
    // Paths start with a slash: an origin given with a trailing one must not double it.
    this.origin = (options.origin ?? "").replace(/\/+$/, "");
    this.token = options.token ?? null;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** The same API acting as the player with `token`. */
  as(token: string | null): Api {
    return new Api({ origin: this.origin, token, fetch: this.#fetch });
  }

  /** One call to any route of the API, for clients of route groups kept elsewhere (tournaments). */
  request<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<ApiResult<T>> {
    return this.#call(method, path, body);
  }

  async #call<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<ApiResult<T>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await this.#fetch(`${this.origin}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      return {
        ok: false,
        error: { status: 0, code: "network", message: `could not reach the server: ${String(error)}` },
      };
    }
    let json: unknown = null;
    let readable = true;
    try {
      json = await response.json();
    } catch {
      // A body that is not JSON (a proxy's error page), or one cut off mid-way.
      readable = false;
    }
    if (response.ok) {
      // A success whose body never fully arrived (the server died after the status line) is
      // no success the caller can use: report it like a lost connection, so it can retry.
      if (!readable || json === null) {
        return { ok: false, error: { status: 0, code: "network", message: "the answer was cut off" } };
      }
      return { ok: true, value: json as T };
    }
    const error = (json as { error?: Partial<ApiError> } | null)?.error;
    return {
      ok: false,
      error: {
        status: response.status,
        code: error?.code ?? "http-error",
        message: error?.message ?? response.statusText,
      },
    };
  }

  games(): Promise<ApiResult<{ protocol: number; games: GameInfo[] }>> {
    return this.#call("GET", "/api/games");
  }

  createPlayer(name: string): Promise<ApiResult<PlayerCreated>> {
    return this.#call("POST", "/api/players", { name });
  }

  profile(playerId: string): Promise<ApiResult<PlayerProfile>> {
    return this.#call("GET", `/api/players/${encodeURIComponent(playerId)}`);
  }

  leaderboard(game: string, offset = 0, limit = 50): Promise<ApiResult<LeaderboardPage>> {
    return this.#call("GET", `/api/leaderboard/${encodeURIComponent(game)}?offset=${offset}&limit=${limit}`);
  }

  /** Creates a match with this player in seat 0; a private one comes with its invite code and link. */
  createMatch(match: NewMatch): Promise<ApiResult<MatchCreated>> {
    return this.#call("POST", "/api/matches", match);
  }

  match(matchId: string): Promise<ApiResult<MatchSummary>> {
    return this.#call("GET", `/api/matches/${encodeURIComponent(matchId)}`);
  }

  join(matchId: string): Promise<ApiResult<JoinResult>> {
    return this.#call("POST", `/api/matches/${encodeURIComponent(matchId)}/join`);
  }

  joinInvite(code: string): Promise<ApiResult<JoinResult>> {
    return this.#call("POST", `/api/invites/${encodeURIComponent(code)}/join`);
  }

  start(matchId: string): Promise<ApiResult<MatchSummary>> {
    return this.#call("POST", `/api/matches/${encodeURIComponent(matchId)}/start`);
  }

  events(matchId: string, after = 0, limit = 500): Promise<ApiResult<EventsPage>> {
    return this.#call("GET", `/api/matches/${encodeURIComponent(matchId)}/events?after=${after}&limit=${limit}`);
  }

  live(query: { game?: string; limit?: number; cursor?: string } = {}): Promise<ApiResult<LivePage>> {
    const params = new URLSearchParams({ status: "live" });
    if (query.game) params.set("game", query.game);
    if (query.limit) params.set("limit", String(query.limit));
    if (query.cursor) params.set("cursor", query.cursor);
    return this.#call("GET", `/api/matches?${params}`);
  }

  /** Queues for a quick match; with `botAfterMs`, a server-side bot plays if nobody comes by then (unrated). */
  enqueue(
    game: string,
    options?: Record<string, unknown>,
    extra: { botAfterMs?: number } = {},
  ): Promise<ApiResult<TicketView>> {
    return this.#call("POST", "/api/matchmaking/tickets", {
      game,
      ...(options === undefined ? {} : { options }),
      ...extra,
    });
  }

  /** The ticket, waiting up to `waitSeconds` (0–30) for it to change: a long poll. */
  ticket(ticketId: string, waitSeconds = 0): Promise<ApiResult<TicketView>> {
    return this.#call("GET", `/api/matchmaking/tickets/${encodeURIComponent(ticketId)}?wait=${waitSeconds}`);
  }

  cancelTicket(ticketId: string): Promise<ApiResult<TicketView>> {
    return this.#call("DELETE", `/api/matchmaking/tickets/${encodeURIComponent(ticketId)}`);
  }

  /** What the browser needs to create a passkey for this player (needs the token). */
  passkeyRegistrationOptions(): Promise<ApiResult<{ options: PublicKeyCredentialCreationOptionsJSON }>> {
    return this.#call("POST", "/api/passkeys/register/options");
  }

  /** Adds the passkey the browser created to this player's account. */
  addPasskey(response: RegistrationResponseJSON): Promise<ApiResult<{ passkey: PasskeySummary }>> {
    return this.#call("POST", "/api/passkeys/register/verify", { response });
  }

  /** A sign-in challenge any of this site's passkeys may answer. */
  passkeyLoginOptions(): Promise<ApiResult<{ options: PublicKeyCredentialRequestOptionsJSON }>> {
    return this.#call("POST", "/api/passkeys/login/options");
  }

  /** Signs in with the browser's answer: a fresh token for the player the passkey belongs to. */
  signInWithPasskey(response: AuthenticationResponseJSON): Promise<ApiResult<PlayerCreated>> {
    return this.#call("POST", "/api/passkeys/login/verify", { response });
  }

  passkeys(): Promise<ApiResult<PasskeyList>> {
    return this.#call("GET", "/api/passkeys");
  }

  removePasskey(id: string): Promise<ApiResult<{ removed: string }>> {
    return this.#call("DELETE", `/api/passkeys/${encodeURIComponent(id)}`);
  }
}
