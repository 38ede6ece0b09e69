/**
 * The Worker: JSON routes under /api/*, match WebSockets under /parties/match/<id>, and the
 * static client for everything else (served by Workers assets before this code runs).
 */
import { routePartykitRequest } from "partyserver";
import * as v from "valibot";
import { MatchId, seriesOf } from "../shared/protocol.ts";
import { errorResponse } from "./http.ts";
import { log } from "./log.ts";
import type { Route } from "./router.ts";
import { MATCH_ROUTES } from "./routes/matches.ts";
import { MATCHMAKING_ROUTES } from "./routes/matchmaking.ts";
import { PASSKEY_ROUTES } from "./routes/passkeys.ts";
import { PLAYER_ROUTES } from "./routes/players.ts";
import { TOURNAMENT_ROUTES, tournamentSocket } from "./routes/tournaments.ts";

export { Directory } from "./directory.ts";
export { Leaderboard } from "./leaderboard.ts";
export { Match } from "./match/match.ts";
export { Matchmaker } from "./matchmaker.ts";
export { Player } from "./player.ts";
export { TournamentList } from "./tournament/list.ts";
export { Tournament } from "./tournament/tournament.ts";

const ROUTES: readonly Route[] = [
  ...MATCH_ROUTES,
  ...PLAYER_ROUTES,
  ...MATCHMAKING_ROUTES,
  ...PASSKEY_ROUTES,
  ...TOURNAMENT_ROUTES,
];

async function routeApi(request: Request, env: Env, url: URL): Promise<Response> {
  for (const route of ROUTES) {
    const match = route.pattern.exec(url.pathname);
    if (!match) continue;
    const handler = route.methods[request.method as keyof Route["methods"]];
    if (!handler) {
      const allowed = Object.keys(route.methods).join(", ");
      const response = errorResponse("method-not-allowed", `use ${allowed}`);
      response.headers.set("allow", allowed);
      return response;
    }
    return handler(request, env, match.slice(1), url);
  }
  return errorResponse("not-found", `no route ${request.method} ${url.pathname}`);
}

export default {
  async fetch(request, env): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (url.pathname.startsWith("/api/")) return await routeApi(request, env, url);
      const tournament = /^\/parties\/tournament\/([^/]+)$/.exec(url.pathname);
      if (tournament?.[1] !== undefined) return await tournamentSocket(request, env, tournament[1]);
      if (url.pathname.startsWith("/parties/")) {
        // Only matches are parties; anything else gets a JSON 404 rather than PartyServer's text.
        if (!/^\/parties\/match\/[^/]+$/.test(url.pathname)) return errorResponse("not-found", "no such party");
        // Every game of a series lives in its first game's object (a later game's socket goes there).
        const name = url.pathname.slice("/parties/match/".length);
        const series = v.is(MatchId, name) ? seriesOf(name) : name;
        const toSeries =
          series === name ? request : new Request(new URL(`/parties/match/${series}${url.search}`, url), request);
        const routed = await routePartykitRequest(toSeries, env, {
          onBeforeConnect: (_request, lobby) =>
            lobby.className === "Match" && v.is(MatchId, lobby.name)
              ? undefined
              : errorResponse("not-found", "no such match"),
          onBeforeRequest: () => errorResponse("upgrade-required", "connect with a WebSocket"),
        });
        return routed ?? errorResponse("not-found", "no such party");
      }
      return errorResponse("not-found", `no route ${request.method} ${url.pathname}`);
    } catch (error) {
      // A defect: log it for the operator, tell the client nothing about internals.
      log("error", "unhandled", { path: url.pathname, error: String(error) });
      return errorResponse("internal", "something went wrong on our side");
    }
  },
} satisfies ExportedHandler<Env>;
