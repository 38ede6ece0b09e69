/**
 * Passkeys in the browser: add one to the stored account, or sign in with one on a browser
 * that has none. Each step answers a sentence for people when it fails, never a bare code.
 */
import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  WebAuthnError,
} from "@simplewebauthn/browser";
import type { ApiError } from "./api.ts";
import { describeError } from "./pages/dom.ts";
import { api, saveAccount, type Account } from "./session.ts";
import type { PasskeySummary } from "../shared/passkeys.ts";

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** What the server's passkey refusals mean to the person at the keyboard. */
const SERVER_MESSAGES: Readonly<Record<string, string>> = {
  "unknown-passkey": "This passkey doesn't belong to any account here. Pick another one, or make a new account.",
  "passkey-refused": "The passkey's answer could not be verified. Try again, or use another passkey.",
  "challenge-expired": "That took too long. Try again.",
  "challenge-used": "That sign-in was already used. Try again.",
  "bad-challenge": "That sign-in was not started here. Try again.",
  "wrong-origin": "The passkey answered for another site. Open this page at its usual address and try again.",
  "passkey-exists": "This passkey is already on your account.",
  "too-many-passkeys": "Your account holds as many passkeys as it can. Remove one first.",
};

function serverMessage(error: ApiError): string {
  return SERVER_MESSAGES[error.code] ?? describeError(error);
}

/** Why passkeys can't work on this page, or null when they can. */
export function passkeysUnavailable(): string | null {
  if (!browserSupportsWebAuthn()) return "This browser does not support passkeys.";
  // Browsers refuse IP addresses as the site a passkey belongs to (WebAuthn wants a domain).
  const host = location.hostname;
  if (/^[\d.]+$/.test(host) || host.includes(":")) {
    const there = `${location.protocol}//localhost${location.port ? `:${location.port}` : ""}`;
    return `Passkeys need a site name, not an IP address: open ${there} instead.`;
  }
  return null;
}

/** A sentence for an error thrown by the browser's passkey prompt. */
function promptMessage(error: unknown): string {
  const code = error instanceof WebAuthnError ? error.code : null;
  // WebAuthnError keeps the name of the DOMException it wraps.
  const name = error instanceof Error ? error.name : "";
  if (code === "ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED")
    return "This device already holds a passkey for your account.";
  if (code === "ERROR_INVALID_DOMAIN" || code === "ERROR_INVALID_RP_ID") {
    return passkeysUnavailable() ?? "Passkeys can't be used at this address.";
  }
  if (name === "NotAllowedError" || name === "AbortError") {
    return "The passkey prompt was closed or timed out. Nothing changed.";
  }
  return `The passkey could not be used: ${error instanceof Error ? error.message : String(error)}`;
}

/** Creates a passkey for the stored account and adds it to the account. */
export async function addPasskey(): Promise<Outcome<PasskeySummary>> {
  const unavailable = passkeysUnavailable();
  if (unavailable) return { ok: false, message: unavailable };
  const options = await api().passkeyRegistrationOptions();
  if (!options.ok) return { ok: false, message: serverMessage(options.error) };
  let response: Awaited<ReturnType<typeof startRegistration>>;
  try {
    response = await startRegistration({ optionsJSON: options.value.options });
  } catch (error) {
    // The prompt failing (closed, refused, unsupported) is expected: say what happened.
    return { ok: false, message: promptMessage(error) };
  }
  const added = await api().addPasskey(response);
  return added.ok ? { ok: true, value: added.value.passkey } : { ok: false, message: serverMessage(added.error) };
}

/** Signs in with a passkey and stores the account it belongs to in this browser. */
export async function signInWithPasskey(): Promise<Outcome<Account>> {
  const unavailable = passkeysUnavailable();
  if (unavailable) return { ok: false, message: unavailable };
  const options = await api().passkeyLoginOptions();
  if (!options.ok) return { ok: false, message: serverMessage(options.error) };
  let response: Awaited<ReturnType<typeof startAuthentication>>;
  try {
    response = await startAuthentication({ optionsJSON: options.value.options });
  } catch (error) {
    // As above: a closed prompt is an answer, not a defect.
    return { ok: false, message: promptMessage(error) };
  }
  const signedIn = await api().signInWithPasskey(response);
  if (!signedIn.ok) return { ok: false, message: serverMessage(signedIn.error) };
  const account = { playerId: signedIn.value.playerId, name: signedIn.value.name, token: signedIn.value.token };
  saveAccount(account);
  return { ok: true, value: account };
}
