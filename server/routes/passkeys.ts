/**
 * Routes for passkeys: a player adds one to their account (with their token), then signs in
 * with it on another browser and gets a fresh token for the same player id. Verification is in
 * server/passkeys.ts; the rows are kept by the player's own Player object.
 */
import * as v from "valibot";
import { CredentialId, LoginVerifyBody, RegisterVerifyBody, type PasskeyList } from "../../shared/passkeys.ts";
import type { HttpError, PlayerCreated } from "../../shared/protocol.ts";
import { ok, type Result } from "../../shared/result.ts";
import { signToken, tokenSecret } from "../auth.ts";
import { authenticate, errorResponse, failureResponse, json, rateLimited, readBody } from "../http.ts";
import {
  authenticationOptions,
  type Challenge,
  checkClientData,
  issueChallenge,
  playerOfUserHandle,
  type Purpose,
  type RelyingParty,
  registrationOptions,
  relyingParty,
  verifyAssertion,
  verifyRegistration,
} from "../passkeys.ts";
import type { Handler, Route } from "../router.ts";

/** The options routes take no fields; an empty body is `{}`. */
const NoFields = v.strictObject({});

/** An authenticator's answer: the body read with `schema`, its client data checked against a challenge we signed. */
async function readAnswer<T extends { response: { response: { clientDataJSON: string } } }>(
  request: Request,
  env: Env,
  url: URL,
  schema: v.GenericSchema<unknown, T>,
  purpose: Purpose,
  pid: string | null,
): Promise<Result<{ body: T; secret: string; rp: RelyingParty; challenge: Challenge; now: number }, HttpError>> {
  const body = await readBody(request, schema);
  if (!body.ok) return body;
  const secret = tokenSecret(env);
  if (!secret.ok) return secret;
  const now = Date.now();
  const rp = relyingParty(url);
  const clientData = body.value.response.response.clientDataJSON;
  const challenge = await checkClientData(secret.value, clientData, rp, purpose, pid, now);
  if (!challenge.ok) return challenge;
  return ok({ body: body.value, secret: secret.value, rp, challenge: challenge.value, now });
}

/** POST /api/passkeys/register/options (token): what the browser needs to create a passkey. */
const registerOptions: Handler = async (request, env, _params, url) => {
  const claims = await authenticate(request, env);
  if (!claims.ok) return failureResponse(claims.error);
  const { pid } = claims.value;
  const limited = await rateLimited(env, `passkeys:${pid}`);
  if (limited) return limited;
  const body = await readBody(request, NoFields);
  if (!body.ok) return failureResponse(body.error);
  const secret = tokenSecret(env);
  if (!secret.ok) return failureResponse(secret.error);
  const account = await env.Player.getByName(pid).passkeyAccount();
  if (!account) return errorResponse("not-found", "no such player");
  const { bytes } = await issueChallenge(secret.value, "register", pid, Date.now());
  return json({ options: await registrationOptions(relyingParty(url), account, account.passkeys, bytes) });
};

/** POST /api/passkeys/register/verify (token) {response}: stores the new passkey. */
const registerVerify: Handler = async (request, env, _params, url) => {
  const claims = await authenticate(request, env);
  if (!claims.ok) return failureResponse(claims.error);
  const { pid } = claims.value;
  const answer = await readAnswer(request, env, url, RegisterVerifyBody, "register", pid);
  if (!answer.ok) return failureResponse(answer.error);
  const { body, rp, challenge, now } = answer.value;
  const passkey = await verifyRegistration(body.response, rp, challenge);
  if (!passkey.ok) return failureResponse(passkey.error);
  const added = await env.Player.getByName(pid).addPasskey(passkey.value, challenge, now);
  if (!added.ok) return failureResponse(added.error);
  return json({ passkey: added.value }, 201);
};

/** POST /api/passkeys/login/options: a challenge any of this site's passkeys may answer. */
const loginOptions: Handler = async (request, env, _params, url) => {
  // Keyed by address: nobody is signed in yet.
  const limited = await rateLimited(env, `passkeys:${request.headers.get("cf-connecting-ip") ?? "local"}`);
  if (limited) return limited;
  const body = await readBody(request, NoFields);
  if (!body.ok) return failureResponse(body.error);
  const secret = tokenSecret(env);
  if (!secret.ok) return failureResponse(secret.error);
  const { bytes } = await issueChallenge(secret.value, "login", null, Date.now());
  return json({ options: await authenticationOptions(relyingParty(url), bytes) });
};

/** POST /api/passkeys/login/verify {response}: a fresh token for the player the passkey belongs to. */
const loginVerify: Handler = async (request, env, _params, url) => {
  const answer = await readAnswer(request, env, url, LoginVerifyBody, "login", null);
  if (!answer.ok) return failureResponse(answer.error);
  const { body, secret, rp, challenge, now } = answer.value;
  const { response } = body;
  const pid = playerOfUserHandle(response.response.userHandle);
  if (pid === null) return errorResponse("unknown-passkey", "the passkey did not say which account it is for");
  const player = env.Player.getByName(pid);
  const key = await player.passkeyKey(response.id);
  if (!key) return errorResponse("unknown-passkey", "no account holds this passkey");
  const verified = await verifyAssertion(response, rp, challenge, key);
  if (!verified.ok) return failureResponse(verified.error);
  const signedIn = await player.signInWithPasskey({ id: key.id, ...verified.value }, challenge, now);
  if (!signedIn.ok) return failureResponse(signedIn.error);
  const token = await signToken(secret, signedIn.value);
  return json({ playerId: signedIn.value.pid, name: signedIn.value.name, token } satisfies PlayerCreated);
};

/** GET /api/passkeys (token): the passkeys on your account. */
const listPasskeys: Handler = async (request, env) => {
  const claims = await authenticate(request, env);
  if (!claims.ok) return failureResponse(claims.error);
  const account = await env.Player.getByName(claims.value.pid).passkeyAccount();
  if (!account) return errorResponse("not-found", "no such player");
  const passkeys = account.passkeys.map(({ id, createdAt, lastUsedAt, backedUp }) => ({
    id,
    createdAt,
    lastUsedAt,
    backedUp,
  }));
  return json({ passkeys } satisfies PasskeyList);
};

/** DELETE /api/passkeys/:id (token): removes one of your passkeys. */
const removePasskey: Handler = async (request, env, [id]) => {
  const claims = await authenticate(request, env);
  if (!claims.ok) return failureResponse(claims.error);
  if (id === undefined || !v.is(CredentialId, id)) return errorResponse("bad-request", "not a credential id");
  const removed = await env.Player.getByName(claims.value.pid).removePasskey(id);
  if (!removed) return errorResponse("not-found", "no such passkey on your account");
  return json({ removed: id });
};

export const PASSKEY_ROUTES: readonly Route[] = [
  { pattern: /^\/api\/passkeys$/, methods: { GET: listPasskeys } },
  { pattern: /^\/api\/passkeys\/register\/options$/, methods: { POST: registerOptions } },
  { pattern: /^\/api\/passkeys\/register\/verify$/, methods: { POST: registerVerify } },
  { pattern: /^\/api\/passkeys\/login\/options$/, methods: { POST: loginOptions } },
  { pattern: /^\/api\/passkeys\/login\/verify$/, methods: { POST: loginVerify } },
  { pattern: /^\/api\/passkeys\/([^/]+)$/, methods: { DELETE: removePasskey } },
];
