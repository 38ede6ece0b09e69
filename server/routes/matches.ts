/** Routes for games, matches (create, join, invite, start, summary, log) and the live lobby. */
import { customAlphabet, nanoid } from "nanoid";
import * as v from "valibot";
import { hasHiddenInformation } from "../../shared/engine.ts";
import { describeIssues } from "../../shared/schema-issues.ts";
import { GAMES, findGame } from "../../shared/games/index.ts";
import {
  CreateMatchBody,
  EventsQuery,
  GameId,
  INVITE_ALPHABET,
  InviteCode,
  MatchId,
  PROTOCOL_VERSION,
  seriesOf,
  type MatchCreated,
  inviteMatchId,
} from "../../shared/protocol.ts";
import type { LiveMatch } from "../contracts.ts";
import type { DirectoryCursor } from "../directory.ts";
import { authenticate, errorResponse, failureResponse, json, NoBody, rateLimited, readBody, respond } from "../http.ts";
import type { Handler, Route } from "../router.ts";

const inviteCode = customAlphabet(INVITE_ALPHABET, 6);

/** The object that holds a match: every game of a series is played in its first game's object. */
function matchObject(env: Env, matchId: string) {
  return env.Match.getByName(seriesOf(matchId));
}

/** Runs `handler` only for a well-formed match id (the first path parameter). */
function withMatchId(
  handler: (request: Request, env: Env, matchId: string, url: URL) => Promise<Response> | Response,
): Handler {
  return (request, env, [raw], url) =>
    raw !== undefined && v.is(MatchId, raw)
      ? handler(request, env, raw, url)
      : errorResponse("bad-request", "not a match id");
}

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
      defaultTimeControl: game.defaultTimeControl,
      hiddenInformation: hasHiddenInformation(game),
    })),
  });

/** POST /api/matches: creates a match with the caller in seat 0 (private ones get an invite code). */
const createMatch: Handler = async (request, env) => {
  const player = await authenticate(request, env);
  if (!player.ok) return failureResponse(player.error);
  const limited = await rateLimited(env, `matches:${player.value.pid}`);
  if (limited) return limited;
  const body = await readBody(request, CreateMatchBody);
  if (!body.ok) return failureResponse(body.error);
  if (!GAMES.has(body.value.game)) return errorResponse("unknown-game", `no game called ${body.value.game}`);
  const { turnMs, timeControl } = body.value;
  if (turnMs !== undefined && timeControl !== undefined) {
    return errorResponse("bad-request", "give turnMs or timeControl, not both");
  }
  const input = {
    gameId: body.value.game,
    options: body.value.options,
    timeControl: timeControl ?? (turnMs === undefined ? undefined : { kind: "move" as const, ms: turnMs }),
    spectatorDelay: body.value.spectatorDelay,
    graceMs: body.value.graceMs,
    isPrivate: body.value.private,
    creator: { pid: player.value.pid, name: player.value.name },
    bots: body.value.bots ?? [],
  };
  if (!body.value.private) return respond(await env.Match.getByName(nanoid()).create(input), 201);
  // A private match lives at the id its invite code names; on the rare taken code, draw again.
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = inviteCode();
    const created = await env.Match.getByName(inviteMatchId(code)).create(input);
    if (created.ok) {
      // The link to share: the browser game's invite page on this server.
      const inviteUrl = new URL(`/i/${code}`, request.url).href;
      return json({ ...created.value, inviteUrl } satisfies MatchCreated, 201);
    }
    if (created.error.code !== "match-exists") return failureResponse(created.error);
  }
  return errorResponse("internal", "could not find a free invite code");
};

/** GET /api/matches?status=live&game=…&limit=…&cursor=…: live public matches, newest first. */
const LiveQuery = v.object({
  status: v.optional(v.literal("live", "only status=live is listed"), "live"),
  game: v.optional(GameId),
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,3}$/, "limit is a number"), v.transform(Number), v.minValue(1), v.maxValue(100)),
    "20",
  ),
  /** `<startedAt>.<matchId>` of the last match of the previous page. */
  cursor: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,15}\.[A-Za-z0-9_-]{8,32}(\.\d{1,6})?$/, "not a cursor"),
      v.transform((text): DirectoryCursor => {
        const dot = text.indexOf(".");
        return { startedAt: Number(text.slice(0, dot)), matchId: text.slice(dot + 1) };
      }),
    ),
  ),
});
const listLive: Handler = async (_request, env, _params, url) => {
  const query = v.safeParse(LiveQuery, Object.fromEntries(url.searchParams));
  if (!query.success) return errorResponse("bad-request", describeIssues(query.issues));
  const { game, limit, cursor } = query.output;
  if (game !== undefined && !findGame(game)) return errorResponse("unknown-game", `no game called ${game}`);
  // One directory per game: a page across games merges each one's newest.
  const games = game === undefined ? [...GAMES.keys()] : [game];
  const pages = await Promise.all(games.map((id) => env.Directory.getByName(id).page(cursor ?? null, limit)));
  const matches: LiveMatch[] = pages
    .flat()
    .sort((a, b) => b.startedAt - a.startedAt || (b.matchId < a.matchId ? -1 : b.matchId > a.matchId ? 1 : 0))
    .slice(0, limit);
  const last = matches.at(-1);
  const more = pages.flat().length > matches.length || pages.some((page) => page.length === limit);
  return json({ matches, next: last && more ? `${last.startedAt}.${last.matchId}` : null });
};

/** GET /api/matches/:id: the match summary. */
const getMatch = withMatchId(async (_request, env, id) => respond(await matchObject(env, id).summary(id)));

/** POST /api/matches/:id/join: the caller takes the next free seat. */
const joinMatch = withMatchId(async (request, env, id) => {
  const player = await authenticate(request, env);
  if (!player.ok) return failureResponse(player.error);
  const body = await readBody(request, NoBody);
  if (!body.ok) return failureResponse(body.error);
  return respond(await matchObject(env, id).join({ pid: player.value.pid, name: player.value.name }, id));
});

/** POST /api/invites/:code/join: joins the private match an invite code names. */
const joinByInvite: Handler = async (request, env, [raw]) => {
  const code = v.safeParse(InviteCode, decodeURIComponent(raw ?? ""));
  if (!code.success) return errorResponse("bad-request", describeIssues(code.issues));
  const player = await authenticate(request, env);
  if (!player.ok) return failureResponse(player.error);
  const body = await readBody(request, NoBody);
  if (!body.ok) return failureResponse(body.error);
  const joined = await env.Match.getByName(inviteMatchId(code.output)).join({
    pid: player.value.pid,
    name: player.value.name,
  });
  return respond(joined);
};

/** POST /api/matches/:id/start: the creator starts before every seat is taken. */
const startMatch = withMatchId(async (request, env, id) => {
  const player = await authenticate(request, env);
  if (!player.ok) return failureResponse(player.error);
  const body = await readBody(request, NoBody);
  if (!body.ok) return failureResponse(body.error);
  return respond(await matchObject(env, id).startBy(player.value.pid, id));
});

/** GET /api/matches/:id/events?after=N&limit=M: a page of the public log. */
const getEvents = withMatchId(async (_request, env, id, url): Promise<Response> => {
  const query = v.safeParse(EventsQuery, Object.fromEntries(url.searchParams));
  if (!query.success) return errorResponse("bad-request", describeIssues(query.issues));
  return respond(await matchObject(env, id).events(query.output.after, query.output.limit, id));
});

export const MATCH_ROUTES: readonly Route[] = [
  { pattern: /^\/api\/games$/, methods: { GET: listGames } },
  { pattern: /^\/api\/matches$/, methods: { GET: listLive, POST: createMatch } },
  { pattern: /^\/api\/matches\/([^/]+)$/, methods: { GET: getMatch } },
  { pattern: /^\/api\/matches\/([^/]+)\/join$/, methods: { POST: joinMatch } },
  { pattern: /^\/api\/matches\/([^/]+)\/start$/, methods: { POST: startMatch } },
  { pattern: /^\/api\/matches\/([^/]+)\/events$/, methods: { GET: getEvents } },
  { pattern: /^\/api\/invites\/([^/]+)\/join$/, methods: { POST: joinByInvite } },
];
