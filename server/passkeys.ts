/**
 * Passkeys: WebAuthn registration and sign-in for player accounts, verified by
 * @simplewebauthn/server (which runs on WebCrypto, so in workerd as in Node).
 *
 * Where things live, and why:
 * - **Credentials** live in the Player object they sign in to (its `passkeys` table). There is
 *   no table of every credential: nothing global to grow hot or to shard.
 * - **Finding the player at sign-in** needs no lookup object either. Registration sets the
 *   WebAuthn user id to the player id and requires a discoverable credential, so the
 *   authenticator hands the id back as the assertion's `userHandle` and the route asks that
 *   one Player. The user handle is not signed, but it only chooses whom to ask: that Player
 *   checks the signature with its own stored key, so a handle naming someone else finds no
 *   such credential there (`unknown-passkey`), and a credential id registered by two accounts
 *   is two different keys that never meet.
 * - **Challenges** are not stored when issued. Each is a ticket signed with a key derived from
 *   PLY_TOKEN_SECRET: its purpose, its expiry, a random nonce and, for registration, the
 *   player it was issued to. So the unauthenticated sign-in options route writes nothing a
 *   caller could flood. The Player an answer is for records the challenge until it expires,
 *   in the same transaction that stores the passkey or moves its counter, so each challenge
 *   is answered at most once per account, and a replayed answer gets `challenge-used`.
 *
 * Functions take the time as `now`, so tests can issue challenges in the past.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/server";
import * as v from "valibot";
import { CHALLENGE_TTL_MS, type AuthenticationResponse, type RegistrationResponse } from "../shared/passkeys.ts";
import { PlayerId } from "../shared/protocol.ts";
import { fail, ok, type Result } from "../shared/result.ts";

/** Who the passkeys are for: the site the request came to. */
export interface RelyingParty {
  /** The host name (no port), which WebAuthn scopes credentials to. */
  readonly id: string;
  /** The exact origin the browser must report. */
  readonly origin: string;
  readonly name: string;
}

/**
 * The relying party of a request, from its own URL: `localhost` in development and the
 * deployed host in production, with no configuration to keep in step. Browsers refuse IP
 * addresses as relying parties, so passkeys work on http://localhost:8787, not 127.0.0.1.
 */
export function relyingParty(url: URL): RelyingParty {
  return { id: url.hostname, origin: url.origin, name: "Ply" };
}

/** Bytes on an ArrayBuffer of their own, as the library's types ask. */
export type Bytes = Uint8Array<ArrayBuffer>;

/** A passkey as a Player stores it. */
export interface StoredPasskey {
  readonly id: string;
  /** The COSE public key, as the authenticator gave it. */
  readonly publicKey: Bytes;
  readonly counter: number;
  readonly transports: readonly string[];
}

/** A verified new passkey, ready to store. */
export interface NewPasskey extends StoredPasskey {
  readonly backedUp: boolean;
}

/** A verified challenge: its value as it appears in clientDataJSON, and when it stops counting. */
export interface Challenge {
  readonly value: string;
  readonly expiresAt: number;
}

export type Purpose = "register" | "login";
const PURPOSES: Record<Purpose, number> = { register: 1, login: 2 };
const VERSION = 1;
/** version (1) + purpose (1) + expiry (8, float64 ms) + nonce (16) + HMAC-SHA-256 (32). */
const SIGNED_BYTES = 26;
const CHALLENGE_BYTES = SIGNED_BYTES + 32;

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

/**
 * The challenge key: HKDF from the token secret with its own label, so a challenge and a
 * player token are never signed with the same key and one can't stand in for the other.
 */
function challengeKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: encoder.encode("ply passkey challenge v1") },
          base,
          { name: "HMAC", hash: "SHA-256", length: 256 },
          false,
          ["sign", "verify"],
        ),
      );
    keys.set(secret, key);
  }
  return key;
}

/** What the MAC covers: the challenge's signed bytes and the player it is bound to ("" for sign-in). */
function macInput(signed: Uint8Array, pid: string | null): Uint8Array {
  const bound = encoder.encode(pid ?? "");
  const input = new Uint8Array(signed.byteLength + bound.byteLength);
  input.set(signed);
  input.set(bound, signed.byteLength);
  return input;
}

/** base64url without padding, as WebAuthn writes challenges into clientDataJSON. */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The bytes of base64url text, or null when it isn't any. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    return Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (char) => char.charCodeAt(0));
  } catch {
    // atob throws on impossible lengths: not base64url after all.
    return null;
  }
}

/** A new challenge for `purpose`, bound to `pid` for registration. */
export async function issueChallenge(
  secret: string,
  purpose: Purpose,
  pid: string | null,
  now: number,
): Promise<{ bytes: Bytes; challenge: Challenge }> {
  const expiresAt = now + CHALLENGE_TTL_MS;
  const bytes = new Uint8Array(CHALLENGE_BYTES);
  bytes[0] = VERSION;
  bytes[1] = PURPOSES[purpose];
  new DataView(bytes.buffer).setFloat64(2, expiresAt);
  crypto.getRandomValues(bytes.subarray(10, SIGNED_BYTES));
  const mac = await crypto.subtle.sign(
    "HMAC",
    await challengeKey(secret),
    macInput(bytes.subarray(0, SIGNED_BYTES), pid),
  );
  bytes.set(new Uint8Array(mac), SIGNED_BYTES);
  return { bytes, challenge: { value: toBase64Url(bytes), expiresAt } };
}

/** The challenge `value` if this server issued it for `purpose` (and `pid`) and it has not expired. */
export async function checkChallenge(
  secret: string,
  value: string,
  purpose: Purpose,
  pid: string | null,
  now: number,
): Promise<Result<Challenge, "bad-challenge" | "challenge-expired">> {
  const refused = fail("bad-challenge", "the challenge was not issued by this server for this ceremony");
  const bytes = fromBase64Url(value);
  // One spelling per challenge: the value is also the key that records it as answered.
  if (!bytes || bytes.byteLength !== CHALLENGE_BYTES || toBase64Url(bytes) !== value) return refused;
  if (bytes[0] !== VERSION || bytes[1] !== PURPOSES[purpose]) return refused;
  const signed = bytes.subarray(0, SIGNED_BYTES);
  const genuine = await crypto.subtle.verify(
    "HMAC",
    await challengeKey(secret),
    bytes.subarray(SIGNED_BYTES),
    macInput(signed, pid),
  );
  if (!genuine) return refused;
  const expiresAt = new DataView(bytes.buffer, bytes.byteOffset).getFloat64(2);
  if (!(expiresAt > now)) return fail("challenge-expired", "the challenge has expired: start again");
  return ok({ value, expiresAt });
}

const ClientData = v.object({
  type: v.string(),
  challenge: v.pipe(v.string(), v.maxLength(512)),
  origin: v.pipe(v.string(), v.maxLength(512)),
});

/**
 * The ceremony checks this module makes itself, before the library's, so each refusal has its
 * own code: clientDataJSON is readable, names our origin, and carries a live challenge of ours.
 */
export async function checkClientData(
  secret: string,
  clientDataJSON: string,
  rp: RelyingParty,
  purpose: Purpose,
  pid: string | null,
  now: number,
): Promise<Result<Challenge, "bad-request" | "wrong-origin" | "bad-challenge" | "challenge-expired">> {
  const bytes = fromBase64Url(clientDataJSON);
  let json: unknown = null;
  try {
    json = bytes ? JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes)) : null;
  } catch {
    // Not UTF-8 JSON: refused below like any other shape.
  }
  const data = v.safeParse(ClientData, json);
  if (!data.success) return fail("bad-request", "response.clientDataJSON is not WebAuthn client data");
  if (data.output.origin !== rp.origin) {
    return fail("wrong-origin", `the passkey answered for ${data.output.origin}, not ${rp.origin}`);
  }
  return checkChallenge(secret, data.output.challenge, purpose, pid, now);
}

/** The WebAuthn user id of a player: the player id's bytes. */
export function userIdOf(pid: string): Bytes {
  return Uint8Array.from(encoder.encode(pid));
}

/** The player an assertion's user handle names, or null when it names none. */
export function playerOfUserHandle(userHandle: string | undefined): string | null {
  const bytes = userHandle === undefined ? null : fromBase64Url(userHandle);
  if (!bytes) return null;
  let pid: string;
  try {
    pid = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    // Not text: not a handle this server gave out.
    return null;
  }
  return v.is(PlayerId, pid) ? pid : null;
}

/** Options for `startRegistration()`: a discoverable, user-verified passkey for this player. */
export function registrationOptions(
  rp: RelyingParty,
  player: { pid: string; name: string },
  existing: readonly { readonly id: string; readonly transports: readonly string[] }[],
  challenge: Bytes,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: player.name,
    userDisplayName: player.name,
    userID: userIdOf(player.pid),
    challenge,
    timeout: CHALLENGE_TTL_MS,
    attestationType: "none",
    // The authenticator refuses to make a second passkey for this account on the same device.
    excludeCredentials: existing.map((passkey) => ({ id: passkey.id, transports: [...passkey.transports] })),
    // Discoverable: sign-in on another browser starts with no name, and the passkey alone says
    // who it is (its user handle). Verified: the passkey is the whole credential.
    authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
  });
}

/** Options for `startAuthentication()`: any of this site's passkeys may answer. */
export function authenticationOptions(
  rp: RelyingParty,
  challenge: Bytes,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.id,
    challenge,
    timeout: CHALLENGE_TTL_MS,
    userVerification: "required",
  });
}

/** The library reports a failed verification by throwing; here it is an expected refusal. */
function refusal(error: unknown): Result<never, "passkey-refused"> {
  const reason = error instanceof Error ? error.message : String(error);
  return fail("passkey-refused", `the passkey's answer did not verify: ${reason.slice(0, 300)}`);
}

/** Checks an attestation against the challenge already checked by `checkClientData`. */
export async function verifyRegistration(
  response: RegistrationResponse,
  rp: RelyingParty,
  challenge: Challenge,
): Promise<Result<NewPasskey, "passkey-refused">> {
  try {
    const verified = await verifyRegistrationResponse({
      response: { ...response, clientExtensionResults: {} },
      expectedChallenge: challenge.value,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
    if (!verified.verified) return fail("passkey-refused", "the passkey's attestation did not verify");
    const { credential, credentialBackedUp } = verified.registrationInfo;
    return ok({
      id: credential.id,
      publicKey: credential.publicKey,
      counter: credential.counter,
      transports: credential.transports ?? [],
      backedUp: credentialBackedUp,
    });
  } catch (error) {
    return refusal(error);
  }
}

/** Checks an assertion against the stored passkey; the new counter and backup state when it holds. */
export async function verifyAssertion(
  response: AuthenticationResponse,
  rp: RelyingParty,
  challenge: Challenge,
  passkey: StoredPasskey,
): Promise<Result<{ counter: number; backedUp: boolean }, "passkey-refused">> {
  try {
    const verified = await verifyAuthenticationResponse({
      response: { ...response, clientExtensionResults: {} },
      expectedChallenge: challenge.value,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      // Counter 0 turns off the library's counter check: the Player applies the rule itself
      // (`counterMovedOn`), in the transaction that answers the challenge, against the counter
      // as it is then rather than as it was read before this await. So a replay is reported as
      // the reused challenge it is.
      credential: { id: passkey.id, publicKey: passkey.publicKey, counter: 0 },
      requireUserVerification: true,
    });
    if (!verified.verified) return fail("passkey-refused", "the passkey's signature did not verify");
    return ok({
      counter: verified.authenticationInfo.newCounter,
      backedUp: verified.authenticationInfo.credentialBackedUp,
    });
  } catch (error) {
    return refusal(error);
  }
}

/**
 * The signature counter rule (WebAuthn §6.1.1): authenticators that count must count up, or the
 * key may have been cloned. Synced passkeys report 0 every time, which is allowed.
 */
export function counterMovedOn(stored: number, reported: number): boolean {
  return (stored === 0 && reported === 0) || reported > stored;
}
