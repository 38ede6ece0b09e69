/**
 * Player tokens: `base64url(claims JSON) "." base64url(HMAC-SHA256(secret, first part))`.
 * One token per anonymous player, for every HTTP call and WebSocket; a match maps the
 * player id to the seat it holds. Signed and checked with WebCrypto
 * (`crypto.subtle.verify` compares in constant time).
 */
import * as v from "valibot";
import { PlayerId } from "../shared/protocol.ts";
import { fail, ok, type Result } from "../shared/result.ts";

/** How long a player token stays valid: the token is the anonymous account. */
export const TOKEN_TTL_MS = 365 * 24 * 60 * 60 * 1000;
/** Shorter secrets are refused: a guessable secret forges every seat. */
export const MIN_SECRET_LENGTH = 32;

const Claims = v.strictObject({
  v: v.literal(1),
  /** Player id. */
  pid: PlayerId,
  /** Display name, as given when the player was created (already validated then). */
  name: v.pipe(v.string(), v.maxLength(200)),
  iat: v.number(),
  exp: v.number(),
});
export type Claims = v.InferOutput<typeof Claims>;

export type AuthError = "unauthorized" | "server-misconfigured";

const keys = new Map<string, Promise<CryptoKey>>();
const encoder = new TextEncoder();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(secret, key);
  }
  return key;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    // atob throws on impossible lengths; that is just a malformed token.
    return null;
  }
}

/** The secret from the environment, or why it can't be used. */
export function tokenSecret(env: { PLY_TOKEN_SECRET?: string }): Result<string, AuthError> {
  const secret = env.PLY_TOKEN_SECRET;
  if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) {
    return fail("server-misconfigured", `PLY_TOKEN_SECRET must be set to at least ${MIN_SECRET_LENGTH} characters`);
  }
  return ok(secret);
}

/** Signs a token for a player. */
export async function signToken(
  secret: string,
  claims: Omit<Claims, "v" | "iat" | "exp">,
  now = Date.now(),
): Promise<string> {
  const full: Claims = { v: 1, ...claims, iat: now, exp: now + TOKEN_TTL_MS };
  const payload = toBase64Url(encoder.encode(JSON.stringify(full)));
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(payload));
  return `${payload}.${toBase64Url(new Uint8Array(signature))}`;
}

/** The claims of a genuine, unexpired token; `unauthorized` for anything else. */
export async function verifyToken(
  secret: string,
  token: string,
  now = Date.now(),
): Promise<Result<Claims, "unauthorized">> {
  const refused = fail("unauthorized", "the token is not valid");
  if (token.length > 1024) return refused;
  const [payload, signature, extra] = token.split(".");
  if (payload === undefined || signature === undefined || extra !== undefined) return refused;
  const signatureBytes = fromBase64Url(signature);
  const payloadBytes = fromBase64Url(payload);
  if (!signatureBytes || !payloadBytes) return refused;
  // base64url has several spellings of the same bytes (unused trailing bits): accept only the
  // one we issue, so a token is exactly one string.
  if (toBase64Url(signatureBytes) !== signature) return refused;
  const genuine = await crypto.subtle.verify("HMAC", await hmacKey(secret), signatureBytes, encoder.encode(payload));
  if (!genuine) return refused;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(payloadBytes));
  } catch {
    return refused;
  }
  const claims = v.safeParse(Claims, json);
  if (!claims.success) return refused;
  if (claims.output.exp <= now) return fail("unauthorized", "the token has expired");
  return ok(claims.output);
}
