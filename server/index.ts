/**
 * The Worker: JSON routes under /api/*, match WebSockets under /parties/match/<id>, and the
 * static client for everything else (served by Workers assets before this code runs).
 */
import { nanoid } from "nanoid";
import { routePartykitRequest } from "partyserver";
import * as v from "valibot";
import { GAMES } from "../shared/games/index.ts";
import { CreateMatchBody, EventsQuery, JoinMatchBody, MatchId, PROTOCOL_VERSION } from "../shared/protocol.ts";
import { describeIssues } from "../shared/game.ts";
import { errorResponse, failureResponse, json, readBody } from "./http.ts";

export { Match } from "./match.ts";

type Handler = (request: Request, env: Env, params: { id: string }, url: URL) => Promise<Response> | Response;

/** GET /api/games: every game with its limits and default options. */
const listGames: Handler = () =>
  json({
    protocol: PROTOCOL_VERSION,
    games: [...GAMES.values()].map((game) => ({
      id: game.id,
      name: game.name,
      minPlayers: game.minPlayers,
      maxPlayers: game.maxPlayers,
      defaultOptions: v.parse(game.options, {}),
      defaultTurnMs: game.defaultTurnMs,
      hiddenInformation: game.hiddenInformation,
    })),
  });

/** POST /api/matches: creates a match. */
const createMatch: Handler = async (request, env) => {
  const body = await readBody(request, CreateMatchBody);
  if (!body.ok) return failureResponse(body.error);
  if (!GAMES.has(body.value.game)) return errorResponse(400, "unknown-game", `no game called ${body.value.game}`);
  return env.Match.getByName(nanoid()).create({
    gameId: body.value.game,
    options: body.value.options,
    turnMs: body.value.turnMs,
  });
};

/** GET /api/matches/:id: the match summary. */
const getMatch: Handler = (_request, env, { id }) => env.Match.getByName(id).summary();

/** POST /api/matches/:id/join: takes the next free seat. */
const joinMatch: Handler = async (request, env, { id }) => {
  const body = await readBody(request, JoinMatchBody);
  if (!body.ok) return failureResponse(body.error);
  return env.Match.getByName(id).join(body.value.name);
};

/** GET /api/matches/:id/events?after=N&limit=M: a page of the public log. */
const getEvents: Handler = async (_request, env, { id }, url) => {
  const query = v.safeParse(EventsQuery, Object.fromEntries(url.searchParams));
  if (!query.success) return errorResponse(400, "bad-request", describeIssues(query.issues));
  return env.Match.getByName(id).events(query.output.after, query.output.limit);
};

const ROUTES: { pattern: RegExp; methods: Partial<Record<string, Handler>> }[] = [
  { pattern: /^\/api\/games$/, methods: { GET: listGames } },
  { pattern: /^\/api\/matches$/, methods: { POST: createMatch } },
  { pattern: /^\/api\/matches\/([^/]+)$/, methods: { GET: getMatch } },
  { pattern: /^\/api\/matches\/([^/]+)\/join$/, methods: { POST: joinMatch } },
  { pattern: /^\/api\/matches\/([^/]+)\/events$/, methods: { GET: getEvents } },
];

async function routeApi(request: Request, env: Env, url: URL): Promise<Response> {
  for (const route of ROUTES) {
    const match = route.pattern.exec(url.pathname);
    if (!match) continue;
    const handler = route.methods[request.method];
    if (!handler) {
      const allowed = Object.keys(route.methods).join(", ");
      const response = errorResponse(405, "method-not-allowed", `use ${allowed}`);
      response.headers.set("allow", allowed);
      return response;
    }
    const raw = match[1];
    if (raw !== undefined && !v.is(MatchId, raw)) return errorResponse(400, "bad-request", "not a match id");
    return handler(request, env, { id: raw ?? "" }, url);
  }
  return errorResponse(404, "not-found", `no route ${request.method} ${url.pathname}`);
}

export default {
  async fetch(request, env): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (url.pathname.startsWith("/api/")) return await routeApi(request, env, url);
      if (url.pathname.startsWith("/parties/")) {
        // Only matches are parties; anything else gets a JSON 404 rather than PartyServer's text.
        if (!/^\/parties\/match\/[^/]+$/.test(url.pathname)) return errorResponse(404, "not-found", "no such party");
        const routed = await routePartykitRequest(request, env, {
          onBeforeConnect: (_request, lobby) =>
            lobby.className === "Match" && v.is(MatchId, lobby.name)
              ? undefined
              : errorResponse(404, "not-found", "no such match"),
          onBeforeRequest: () => errorResponse(426, "upgrade-required", "connect with a WebSocket"),
        });
        return routed ?? errorResponse(404, "not-found", "no such party");
      }
      return errorResponse(404, "not-found", `no route ${request.method} ${url.pathname}`);
    } catch (error) {
      // A defect: log it for the operator, tell the client nothing about internals.
      console.error(JSON.stringify({ event: "unhandled", path: url.pathname, error: String(error) }));
      return errorResponse(500, "internal", "something went wrong on our side");
    }
  },
} satisfies ExportedHandler<Env>;
