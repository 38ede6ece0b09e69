/**
 * Quick match over HTTP: take a ticket, long-poll it until it is matched, or cancel it.
 * The Worker only checks and routes; each queue is a Matchmaker object (see matchmaker.ts).
 */
import * as v from "valibot";
import { describeIssues, parseOptions } from "../../shared/schema-issues.ts";
import { findGame } from "../../shared/games/index.ts";
import { GameId, LIMITS, MatchOptions } from "../../shared/protocol.ts";
import { authenticate, errorResponse, failureResponse, NoBody, rateLimited, readBody, respond } from "../http.ts";
import { MATCHMAKING_TIMES, queueName, queueOfTicket } from "../matchmaking/queues.ts";
import type { Route } from "../router.ts";

const TicketBody = v.strictObject({
  game: GameId,
  options: v.optional(MatchOptions),
  /** After this long without a match, a server-side bot takes the other seat(s); the match is not rated. */
  botAfterMs: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(LIMITS.minBotAfterMs), v.maxValue(LIMITS.maxBotAfterMs)),
  ),
});

const MAX_WAIT_SECONDS = MATCHMAKING_TIMES.maxWaitMs / 1000;

/** `?wait=N`: whole seconds to hold a poll open, 0–30, 0 when absent. */
const WaitQuery = v.optional(
  v.pipe(
    v.string(),
    v.regex(/^\d{1,2}$/, `wait is whole seconds from 0 to ${MAX_WAIT_SECONDS}`),
    v.transform(Number),
    v.maxValue(MAX_WAIT_SECONDS, `wait is whole seconds from 0 to ${MAX_WAIT_SECONDS}`),
  ),
  "0",
);

async function createTicket(request: Request, env: Env): Promise<Response> {
  const claims = await authenticate(request, env);
  if (!claims.ok) return failureResponse(claims.error);
  const { pid, name } = claims.value;
  const limited = await rateLimited(env, `tickets:${pid}`);
  if (limited) return limited;
  const body = await readBody(request, TicketBody);
  if (!body.ok) return failureResponse(body.error);
  const game = findGame(body.value.game);
  if (!game) return errorResponse("unknown-game", `no game ${body.value.game}`);
  const options = parseOptions(game, body.value.options);
  if (!options.ok) return failureResponse(options.error);
  const optionsJson = JSON.stringify(options.value);
  const rating = await env.Player.getByName(pid).rating(game.id);
  const queue = env.Matchmaker.getByName(await queueName(game.id, optionsJson));
  const ticket = await queue.enqueue({
    player: { pid, name },
    rating: { rating: rating.rating, rd: rating.rd, vol: rating.vol },
    gameId: game.id,
    optionsJson,
    botAfterMs: body.value.botAfterMs,
  });
  return respond(ticket, 201);
}

/** The queue of a well-formed ticket id from the path, or the 400 for a malformed one. */
function ticketQueue(ticketId: string): { queue: string } | { refused: Response } {
  const queue = queueOfTicket(ticketId);
  return queue === null ? { refused: errorResponse("bad-request", "not a ticket id") } : { queue };
}

async function pollTicket(request: Request, env: Env, params: readonly string[], url: URL): Promise<Response> {
  const ticketId = params[0] ?? "";
  const routed = ticketQueue(ticketId);
  if ("refused" in routed) return routed.refused;
  const wait = v.safeParse(WaitQuery, url.searchParams.get("wait") ?? undefined);
  if (!wait.success) return errorResponse("bad-request", describeIssues(wait.issues));
  const claims = await authenticate(request, env);
  if (!claims.ok) return failureResponse(claims.error);
  return respond(await env.Matchmaker.getByName(routed.queue).poll(ticketId, claims.value.pid, wait.output * 1000));
}

async function cancelTicket(request: Request, env: Env, params: readonly string[]): Promise<Response> {
  const ticketId = params[0] ?? "";
  const routed = ticketQueue(ticketId);
  if ("refused" in routed) return routed.refused;
  const claims = await authenticate(request, env);
  if (!claims.ok) return failureResponse(claims.error);
  const body = await readBody(request, NoBody);
  if (!body.ok) return failureResponse(body.error);
  return respond(await env.Matchmaker.getByName(routed.queue).cancel(ticketId, claims.value.pid));
}

export const MATCHMAKING_ROUTES: readonly Route[] = [
  { pattern: /^\/api\/matchmaking\/tickets$/, methods: { POST: createTicket } },
  { pattern: /^\/api\/matchmaking\/tickets\/([^/]+)$/, methods: { GET: pollTicket, DELETE: cancelTicket } },
];
