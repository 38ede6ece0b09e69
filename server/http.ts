/** JSON responses and request bodies for the HTTP API, validated at the boundary. */
import * as v from "valibot";
import { describeIssues } from "../shared/schema-issues.ts";
import { LIMITS, type ErrorBody, type HttpError } from "../shared/protocol.ts";
import { fail, ok, type Failure, type Result } from "../shared/result.ts";
import { tokenSecret, verifyToken, type Claims } from "./auth.ts";

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

/** A JSON response. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
}

/** The HTTP status for each error code a route can produce: the one place a code's status is stated. */
export const STATUS: Record<HttpError, number> = {
  "bad-request": 400,
  "bad-options": 400,
  "bad-bots": 400,
  "unknown-game": 400,
  unauthorized: 401,
  "not-found": 404,
  "method-not-allowed": 405,
  "match-full": 409,
  "match-exists": 409,
  "already-joined": 409,
  "not-enough-players": 409,
  "duplicate-ticket": 409,
  "already-matched": 409,
  "already-started": 409,
  "not-creator": 403,
  "tournament-full": 409,
  "tournament-over": 409,
  "not-entered": 409,
  "wrong-code": 403,
  "too-large": 413,
  "upgrade-required": 426,
  "rate-limited": 429,
  internal: 500,
  "server-misconfigured": 500,
  "bad-challenge": 400,
  "challenge-expired": 400,
  "wrong-origin": 400,
  "unknown-passkey": 401,
  "passkey-refused": 401,
  "challenge-used": 409,
  "passkey-exists": 409,
  "too-many-passkeys": 409,
};

/** `{error: {code, message}}` with the code's status from STATUS. */
export function errorResponse(code: HttpError, message: string): Response {
  return json({ error: { code, message } } satisfies ErrorBody, STATUS[code]);
}

/** Maps a failure to its response. */
export function failureResponse(error: Failure<HttpError>): Response {
  return errorResponse(error.code, error.message);
}

/** The response for a result: its value as JSON with `status`, or its error with the code's status. */
export function respond<T>(result: Result<T, HttpError>, status = 200): Response {
  return result.ok ? json(result.value, status) : failureResponse(result.error);
}

/**
 * Keys refused anywhere in a body. Schemas built on records drop them silently (valibot
 * guards against prototype pollution that way), so a body holding one would succeed with
 * less than it said; refusing them up front gives every route the same 400.
 */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** The body of a route that takes none: empty, or `{}`; anything else is a 400, and over the limit a 413. */
export const NoBody = v.strictObject({});

/** Reads a JSON body of bounded size and checks it against `schema`. */
export async function readBody<T>(
  request: Request,
  schema: v.GenericSchema<unknown, T>,
): Promise<Result<T, "bad-request" | "too-large">> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > LIMITS.bodyBytes) return fail("too-large", `bodies are limited to ${LIMITS.bodyBytes} bytes`);
  const bytes = await readBounded(request, LIMITS.bodyBytes);
  if (!bytes) return fail("too-large", `bodies are limited to ${LIMITS.bodyBytes} bytes`);
  let body: unknown;
  let forbidden: string | undefined;
  try {
    body =
      bytes.byteLength === 0
        ? {}
        : JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes), (key, value) => {
            if (FORBIDDEN_KEYS.has(key)) forbidden ??= key;
            return value;
          });
  } catch {
    return fail("bad-request", "the body is not UTF-8 JSON");
  }
  if (forbidden !== undefined) return fail("bad-request", `a body may not hold the key "${forbidden}"`);
  const parsed = v.safeParse(schema, body);
  return parsed.success ? ok(parsed.output) : fail("bad-request", describeIssues(parsed.issues));
}

/** The body's bytes, or null once it passes `limit` (a chunked body declares no length). */
async function readBounded(request: Request, limit: number): Promise<Uint8Array | null> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** The player a request's `Authorization: Bearer <token>` names, or why not. */
export async function authenticate(
  request: Request,
  env: Env,
): Promise<Result<Claims, "unauthorized" | "server-misconfigured">> {
  const secret = tokenSecret(env);
  if (!secret.ok) return secret;
  const header = request.headers.get("authorization");
  // A header without the Bearer scheme is a client that doesn't know how to send the token;
  // a malformed token after it (padding, spaces, too long) is just an invalid token.
  if (header === null || !header.startsWith("Bearer "))
    return fail("unauthorized", "send the player token as Authorization: Bearer <token> (POST /api/players gives one)");
  return verifyToken(secret.value, header.slice("Bearer ".length));
}

/**
 * A per-client limit on routes that create things, keyed by player (or address when anonymous).
 * Null when the request may go on.
 */
export async function rateLimited(env: Env, key: string): Promise<Response | null> {
  const { success } = await env.CREATE_LIMITER.limit({ key });
  return success ? null : errorResponse("rate-limited", "too many requests: try again in a minute");
}
