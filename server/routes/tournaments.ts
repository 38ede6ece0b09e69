/**
 * Routes for tournaments: create, list, one tournament's summary, standings and games, join,
 * withdraw, pause; and its WebSocket feed at /parties/tournament/<id>. The Tournament object
 * answers with Result values; this module turns them into HTTP.
 */
import { customAlphabet, nanoid } from "nanoid";
import * as v from "valibot";
import { describeIssues, parseOptions } from "../../shared/schema-issues.ts";
import { findGame } from "../../shared/games/index.ts";
import { INVITE_ALPHABET } from "../../shared/protocol.ts";
import {
  CreateTournamentBody,
  JoinTournamentBody,
  PauseTournamentBody,
  TOURNAMENT_LIMITS,
  TOURNAMENT_STATUSES,
  TournamentId,
  type JsonValue,
  type TournamentListPage,
} from "../../shared/tournament.ts";
import { authenticate, errorResponse, failureResponse, json, NoBody, rateLimited, readBody, respond } from "../http.ts";
import type { Handler, Route } from "../router.ts";

const privateCode = customAlphabet(INVITE_ALPHABET, 6);

/** A tournament starts this long after its creation unless the body says when. */
export const DEFAULT_LEAD_MS = 5 * 60 * 1000;

function withTournamentId(
  handler: (request: Request, env: Env, id: string, url: URL) => Promise<Response> | Response,
): Handler {
  return (request, env, [raw], url) =>
    raw !== undefined && v.is(TournamentId, raw)
      ? handler(request, env, raw, url)
      : errorResponse("bad-request", "not a tournament id");
}

const Paging = v.object({
  offset: v.optional(v.pipe(v.string(), v.regex(/^\d{1,9}$/, "offset is a whole number"), v.transform(Number)), "0"),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,3}$/, "limit is a whole number"),
      v.transform(Number),
      v.minValue(1, "limit is at least 1"),
      v.maxValue(TOURNAMENT_LIMITS.maxPage, `limit is at most ${TOURNAMENT_LIMITS.maxPage}`),
    ),
    "50",
  ),
});

const ListQuery = v.object({
  status: v.optional(v.picklist(TOURNAMENT_STATUSES, "status is upcoming, live or finished"), "upcoming"),
  limit: Paging.entries.limit,
  /** The `next` of the previous page. */
  cursor: v.optional(v.pipe(v.string(), v.regex(/^\d{1,9}$/, "not a cursor"), v.transform(Number)), "0"),
});

/** POST /api/tournaments. */
const createTournament: Handler = async (request, env) => {
  const player = await authenticate(request, env);
  if (!player.ok) return failureResponse(player.error);
  const limited = await rateLimited(env, `tournaments:${player.value.pid}`);
  if (limited) return limited;
  const body = await readBody(request, CreateTournamentBody);
  if (!body.ok) return failureResponse(body.error);
  const input = body.value;
  const game = findGame(input.game);
  if (!game) return errorResponse("unknown-game", `no game called ${input.game}`);
  if (game.minPlayers > 2 || game.maxPlayers < 2) {
    return errorResponse("bad-request", `${game.name} is not played by two: tournaments pair two players a game`);
  }
  const options = parseOptions(game, input.options);
  if (!options.ok) return failureResponse(options.error);
  const now = Date.now();
  const startsAt = input.startsAt ?? now + (input.startsInMs ?? DEFAULT_LEAD_MS);
  if (startsAt < now - 60_000) return errorResponse("bad-request", "startsAt is in the past");
  if (startsAt > now + TOURNAMENT_LIMITS.maxLeadMs) return errorResponse("bad-request", "startsAt is too far ahead");
  const id = nanoid();
  const tournament = env.Tournament.getByName(id);
  const created = await tournament.create({
    name: input.name,
    gameId: game.id,
    // Options are parsed from JSON by a valibot schema: plain JSON again.
    options: options.value as JsonValue,
    kind: input.kind,
    timeControl: input.timeControl ?? game.defaultTimeControl,
    graceMs: input.graceMs ?? null,
    rated: input.rated,
    isPrivate: input.private,
    code: input.private ? privateCode() : null,
    creator: { pid: player.value.pid, name: player.value.name },
    maxPlayers: input.maxPlayers,
    startsAt,
    durationMs: input.durationMs ?? null,
    rounds: input.rounds ?? null,
    roundMs: input.roundMs ?? null,
  });
  if (!created.ok) return failureResponse(created.error);
  if (input.bots > 0) {
    const bots = await tournament.addBots(input.bots);
    if (!bots.ok) return failureResponse(bots.error);
    const summary = await tournament.summary();
    if (summary.ok) return json({ ...created.value, players: summary.value.players }, 201);
  }
  return json(created.value, 201);
};

/** GET /api/tournaments?status=upcoming|live|finished&limit&cursor. */
const listTournaments: Handler = async (_request, env, _params, url) => {
  const query = v.safeParse(ListQuery, Object.fromEntries(url.searchParams));
  if (!query.success) return errorResponse("bad-request", describeIssues(query.issues));
  const { status, limit, cursor } = query.output;
  const page = await env.TournamentList.getByName("all").page(status, cursor, limit);
  return json({
    tournaments: page.tournaments,
    next: page.next === null ? null : String(page.next),
  } satisfies TournamentListPage);
};

const getTournament = withTournamentId(async (_request, env, id) =>
  respond(await env.Tournament.getByName(id).summary()),
);

const getStandings = withTournamentId(async (_request, env, id, url) => {
  const query = v.safeParse(Paging, Object.fromEntries(url.searchParams));
  if (!query.success) return errorResponse("bad-request", describeIssues(query.issues));
  return respond(await env.Tournament.getByName(id).standingsPage(query.output.offset, query.output.limit));
});

const getGames = withTournamentId(async (_request, env, id, url) => {
  const query = v.safeParse(Paging, Object.fromEntries(url.searchParams));
  if (!query.success) return errorResponse("bad-request", describeIssues(query.issues));
  return respond(await env.Tournament.getByName(id).gamesPage(query.output.offset, query.output.limit));
});

/** POST /api/tournaments/:id/join {code?}. */
const joinTournament = withTournamentId(async (request, env, id) => {
  const player = await authenticate(request, env);
  if (!player.ok) return failureResponse(player.error);
  const body = await readBody(request, JoinTournamentBody);
  if (!body.ok) return failureResponse(body.error);
  const tournament = env.Tournament.getByName(id);
  const summary = await tournament.summary();
  if (!summary.ok) return failureResponse(summary.error);
  // Seeded (and, in arenas, tie-broken) by the rating they bring.
  const rating = await env.Player.getByName(player.value.pid).rating(summary.value.gameId);
  return respond(
    await tournament.join({ pid: player.value.pid, name: player.value.name }, rating.rating, body.value.code),
  );
});

const withdrawTournament = withTournamentId(async (request, env, id) => {
  const player = await authenticate(request, env);
  if (!player.ok) return failureResponse(player.error);
  const body = await readBody(request, NoBody);
  if (!body.ok) return failureResponse(body.error);
  return respond(await env.Tournament.getByName(id).withdraw(player.value.pid));
});

const pauseTournament = withTournamentId(async (request, env, id) => {
  const player = await authenticate(request, env);
  if (!player.ok) return failureResponse(player.error);
  const body = await readBody(request, PauseTournamentBody);
  if (!body.ok) return failureResponse(body.error);
  return respond(await env.Tournament.getByName(id).pause(player.value.pid, body.value.paused));
});

/** /parties/tournament/<id>: the feed, answered by the Tournament object itself. */
export async function tournamentSocket(request: Request, env: Env, raw: string): Promise<Response> {
  if (!v.is(TournamentId, raw)) return errorResponse("not-found", "no such tournament");
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    return errorResponse("upgrade-required", "connect with a WebSocket");
  }
  return env.Tournament.getByName(raw).fetch(request);
}

export const TOURNAMENT_ROUTES: readonly Route[] = [
  { pattern: /^\/api\/tournaments$/, methods: { GET: listTournaments, POST: createTournament } },
  { pattern: /^\/api\/tournaments\/([^/]+)$/, methods: { GET: getTournament } },
  { pattern: /^\/api\/tournaments\/([^/]+)\/standings$/, methods: { GET: getStandings } },
  { pattern: /^\/api\/tournaments\/([^/]+)\/games$/, methods: { GET: getGames } },
  { pattern: /^\/api\/tournaments\/([^/]+)\/join$/, methods: { POST: joinTournament } },
  { pattern: /^\/api\/tournaments\/([^/]+)\/withdraw$/, methods: { POST: withdrawTournament } },
  { pattern: /^\/api\/tournaments\/([^/]+)\/pause$/, methods: { POST: pauseTournament } },
];
