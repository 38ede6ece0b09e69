/** Routes for players and leaderboards: creating an anonymous player, profiles, rankings. */
import { nanoid } from "nanoid";
import * as v from "valibot";
import { describeIssues } from "../../shared/schema-issues.ts";
import { findGame } from "../../shared/games/index.ts";
import { CreatePlayerBody, PlayerId } from "../../shared/protocol.ts";
import { signToken, tokenSecret } from "../auth.ts";
import { errorResponse, failureResponse, json, rateLimited, readBody, respond } from "../http.ts";
import { MAX_PAGE } from "../leaderboard.ts";
import type { Handler, Route } from "../router.ts";

/** The page size when the query names none. */
export const DEFAULT_PAGE = 50;

/** GET /api/leaderboard/:game?offset&limit. */
export const LeaderboardQuery = v.object({
  offset: v.optional(v.pipe(v.string(), v.regex(/^\d{1,9}$/, "offset is a whole number"), v.transform(Number)), "0"),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,3}$/, "limit is a whole number"),
      v.transform(Number),
      v.minValue(1, "limit is at least 1"),
      v.maxValue(MAX_PAGE, `limit is at most ${MAX_PAGE}`),
    ),
    String(DEFAULT_PAGE),
  ),
});

/** POST /api/players {name}: a new anonymous player and the token that acts for them. */
const createPlayer: Handler = async (request, env) => {
  // Keyed by address: there is no player yet. "local" covers calls without one (tests, dev).
  const limited = await rateLimited(env, `players:${request.headers.get("cf-connecting-ip") ?? "local"}`);
  if (limited) return limited;
  const body = await readBody(request, CreatePlayerBody);
  if (!body.ok) return failureResponse(body.error);
  // Checked before creating anything: a player without a token is no use to anyone.
  const secret = tokenSecret(env);
  if (!secret.ok) return failureResponse(secret.error);
  const ref = { pid: nanoid(), name: body.value.name };
  await env.Player.getByName(ref.pid).create(ref);
  const token = await signToken(secret.value, ref);
  return json({ playerId: ref.pid, name: ref.name, token }, 201);
};

/** GET /api/players/:id: the public profile. */
const getPlayer: Handler = async (_request, env, [id]) => {
  if (id === undefined || !v.is(PlayerId, id)) return errorResponse("bad-request", "not a player id");
  return respond(await env.Player.getByName(id).profile());
};

/** GET /api/leaderboard/:game: a page of a game's rankings. */
const getLeaderboard: Handler = async (_request, env, [gameId], url) => {
  const game = gameId === undefined ? undefined : findGame(gameId);
  if (!game) return errorResponse("not-found", "no such game");
  const query = v.safeParse(LeaderboardQuery, Object.fromEntries(url.searchParams));
  if (!query.success) return errorResponse("bad-request", describeIssues(query.issues));
  return json(await env.Leaderboard.getByName(game.id).page(query.output.offset, query.output.limit));
};

export const PLAYER_ROUTES: readonly Route[] = [
  { pattern: /^\/api\/players$/, methods: { POST: createPlayer } },
  { pattern: /^\/api\/players\/([^/]+)$/, methods: { GET: getPlayer } },
  { pattern: /^\/api\/leaderboard\/([^/]+)$/, methods: { GET: getLeaderboard } },
];
