/**
 * The workerd floor: the least a Durable Object server can do for the bench's driver while
 * keeping every move durable. It answers the question "what does the runtime allow?": the
 * Node floor (bench/floor.ts) does the same work in memory in one Node process; this does it
 * in workerd, one SQLite-backed Durable Object per match, with hibernatable WebSockets.
 *
 * Per move: check the turn and the rules (shared/games/connect-four.ts), one SQLite INSERT of
 * the event (the implicit transaction commits at the end of the event handler and the output
 * gate holds the sends until it has), serialise the frame once, send it to the match's
 * sockets. Nothing else: no partyserver, no schema library on the hot path, no rate limits,
 * no lobby, no ratings, no snapshot rows (the state is rebuilt from the log when an object wakes).
 * Spectators (a socket without a token) get every frame the players get; a broadcast is
 * serialised once and sent to each of `ctx.getWebSockets()`.
 *
 * Turn timers only for a match created with `turnMs` (the bench's idle scenario asks for one;
 * its throughput and spectator runs don't, so their moves set no alarm): each start and move
 * sets the object's alarm to the turn's deadline (carried in the logged event, so a woken object
 * knows it), and the alarm ends the match by `timeout` (the seat on turn loses) and tells the
 * sockets, as Ply's Match does.
 *
 * It speaks the subset of Ply's protocol bench/floor.ts speaks (POST /api/matches, POST
 * /api/matches/:id/join, GET /api/matches/:id(/events), GET /api/games and /parties/match/:id
 * sockets with welcome, snapshot, move → event, rematch), so bench/lib/bot.ts drives it
 * unchanged. Tokens are checked with Ply's verifyToken, in the Worker, as floor.ts checks them
 * in its HTTP handler. Unlike floor.ts, a rematch is the next game in the same object (see #onRematch).
 *
 * With FLOOR_MEMORY=1 it touches no SQLite (the log is an array, lost on eviction): not
 * durable, only to split the workerd floor's cost between the runtime and its storage.
 *
 * Chess too (the wake scenario): a match created with `{ "game": "chess" }` checks and applies
 * UCI moves with chess.js and logs the FEN each move leads to.
 *
 *   npm run bench (bare workerd: bench/lib/workerd.ts), or
 *   wrangler dev --config bench/workerd-floor/wrangler.jsonc --var PLY_TOKEN_SECRET:<32+ chars>
 */
import { verifyToken } from "../../server/auth.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { type Answer, failure, type FloorEnv, json, newMatchId, PID_HEADER, type Player } from "./match.ts";

/** The Durable Object class, exported from the main module for wrangler and workerd. */
export { FloorMatch } from "./match.ts";

async function caller(secret: string, token: string | null | undefined): Promise<Player | null> {
  if (!token) return null;
  const claims = await verifyToken(secret, token);
  return claims.ok ? { pid: claims.value.pid, name: claims.value.name } : null;
}

function respond(answer: Answer): Response {
  return new Response(answer.body, { status: answer.status, headers: { "content-type": "application/json" } });
}

const ID = /^[A-Za-z0-9_-]{8,32}$/;

export default {
  async fetch(request, env): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    const secret = env.PLY_TOKEN_SECRET;
    if (path === "/api/games")
      return respond(json(200, { protocol: PROTOCOL_VERSION, games: [{ id: "connect-four" }] }));
    const bearer = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
    if (path === "/api/matches" && request.method === "POST") {
      const player = await caller(secret, bearer);
      if (!player) return respond(failure(401, "unauthorized", "token"));
      const id = newMatchId();
      // An optional turn limit (the idle scenario's timers): { turnMs } in the body.
      const body = (await request.json().catch(() => null)) as { turnMs?: unknown; game?: unknown } | null;
      const turnMs =
        typeof body?.turnMs === "number" && Number.isInteger(body.turnMs) && body.turnMs >= 1_000 ? body.turnMs : null;
      const game = body?.game === "chess" ? "chess" : "connect-four";
      return respond(await env.MATCH.get(env.MATCH.idFromName(id)).create(id, player, turnMs, game));
    }
    const socket = /^\/parties\/match\/([^/]+)$/.exec(path);
    if (socket) {
      if (!ID.test(socket[1]!)) return new Response("no such match", { status: 404 });
      const token = url.searchParams.get("token");
      const headers = new Headers(request.headers);
      headers.delete(PID_HEADER);
      if (token !== null) {
        const player = await caller(secret, token);
        if (!player) return new Response("unauthorized", { status: 401 });
        headers.set(PID_HEADER, player.pid);
      }
      return env.MATCH.get(env.MATCH.idFromName(socket[1]!)).fetch(new Request(request, { headers }));
    }
    const route = /^\/api\/matches\/([^/]+)(\/join|\/events)?$/.exec(path);
    if (!route || !ID.test(route[1]!)) return respond(failure(404, "not-found", path));
    const stub = env.MATCH.get(env.MATCH.idFromName(route[1]!));
    if (route[2] === "/join" && request.method === "POST") {
      const player = await caller(secret, bearer);
      if (!player) return respond(failure(401, "unauthorized", "token"));
      return respond(await stub.join(player));
    }
    if (route[2] === "/events") {
      const after = Number(url.searchParams.get("after") ?? 0);
      const limit = Math.min(Number(url.searchParams.get("limit") ?? 500), 500);
      return respond(await stub.events(after, limit));
    }
    return respond(await stub.summary());
  },
} satisfies ExportedHandler<FloorEnv>;
