/**
 * The tournament routes of the HTTP API, typed, for the browser and for Node (bench bots).
 * Kept beside api.ts (same result shape) so the tournament pages are one self-contained part.
 */
import type { TimeControl } from "../shared/clock.ts";
import type {
  EntryView,
  StandingsPage,
  TournamentCreated,
  TournamentGamesPage,
  TournamentKind,
  TournamentListPage,
  TournamentStatus,
  TournamentSummary,
} from "../shared/tournament.ts";
import { Api, type ApiResult } from "./api.ts";

/** What POST /api/tournaments takes. */
export interface NewTournament {
  readonly name: string;
  readonly game: string;
  readonly kind: TournamentKind;
  readonly timeControl?: TimeControl;
  readonly startsInMs?: number;
  readonly startsAt?: number;
  readonly durationMs?: number;
  readonly rounds?: number;
  readonly rated?: boolean;
  readonly private?: boolean;
  readonly maxPlayers?: number;
  readonly bots?: number;
  readonly graceMs?: number;
}

/** Tournament calls against `origin`, acting as the player with `token` when given. */
export class TournamentApi {
  readonly origin: string;
  readonly token: string | null;

  // The one request helper (headers, token, Result shape) lives in api.ts.
  readonly #api: Api;

  // Plain fields, not parameter properties: Node runs this file with type stripping only.
  constructor(origin: string, token: string | null) {
    this.origin = origin;
    this.token = token;
    this.#api = new Api({ origin, token });
  }

  #call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<ApiResult<T>> {
    return this.#api.request<T>(method, path, body);
  }

  create(tournament: NewTournament): Promise<ApiResult<TournamentCreated>> {
    return this.#call("POST", "/api/tournaments", tournament);
  }

  list(status: TournamentStatus, cursor?: string, limit = 20): Promise<ApiResult<TournamentListPage>> {
    const params = new URLSearchParams({ status, limit: String(limit), ...(cursor ? { cursor } : {}) });
    return this.#call("GET", `/api/tournaments?${params}`);
  }

  get(id: string): Promise<ApiResult<TournamentSummary>> {
    return this.#call("GET", `/api/tournaments/${encodeURIComponent(id)}`);
  }

  standings(id: string, offset = 0, limit = 50): Promise<ApiResult<StandingsPage>> {
    return this.#call("GET", `/api/tournaments/${encodeURIComponent(id)}/standings?offset=${offset}&limit=${limit}`);
  }

  games(id: string, offset = 0, limit = 50): Promise<ApiResult<TournamentGamesPage>> {
    return this.#call("GET", `/api/tournaments/${encodeURIComponent(id)}/games?offset=${offset}&limit=${limit}`);
  }

  join(id: string, code?: string): Promise<ApiResult<EntryView>> {
    return this.#call("POST", `/api/tournaments/${encodeURIComponent(id)}/join`, code ? { code } : {});
  }

  withdraw(id: string): Promise<ApiResult<EntryView>> {
    return this.#call("POST", `/api/tournaments/${encodeURIComponent(id)}/withdraw`, {});
  }

  pause(id: string, paused: boolean): Promise<ApiResult<EntryView>> {
    return this.#call("POST", `/api/tournaments/${encodeURIComponent(id)}/pause`, { paused });
  }

  /** The feed's address (ws: or wss:), as the player when a token is given. */
  feedUrl(id: string): string {
    // In a browser an empty origin is the page's own; Node callers always give one.
    const base = this.origin || ((globalThis as { location?: { origin: string } }).location?.origin ?? "");
    const url = new URL(`/parties/tournament/${encodeURIComponent(id)}`, base);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    if (this.token) url.searchParams.set("token", this.token);
    return url.href;
  }
}
