/**
 * Passkeys over HTTP: the bodies the /api/passkeys routes take and the answers they give. The
 * WebAuthn options themselves are built by @simplewebauthn/server and read by
 * @simplewebauthn/browser; only what comes back from a browser is checked here.
 */
import * as v from "valibot";

/** The most passkeys one account may hold (each is a row the account's object keeps). */
export const MAX_PASSKEYS = 10;

/** How long a ceremony's challenge can be answered. */
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;

/** base64url without padding, as WebAuthn's JSON forms use it; bounded by `max` characters. */
function base64url(max: number, what: string) {
  return v.pipe(
    v.string(),
    v.regex(/^[A-Za-z0-9_-]+$/, `${what} is not base64url`),
    v.maxLength(max, `${what} is too long`),
  );
}

/** A credential id: at most 1023 bytes (WebAuthn's limit), so 1364 base64url characters. */
export const CredentialId = base64url(1364, "the credential id");

const Transports = v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(32))), v.maxLength(8)));
const Attachment = v.optional(v.picklist(["platform", "cross-platform"]));
/** Extension outputs are not used: accepted so browsers that report some aren't refused, then dropped. */
const Extensions = v.optional(v.looseObject({}));

/**
 * What `startRegistration()` answers. Inner objects are not strict: browsers add fields to
 * these over time, and a field the server does not read does no harm; unknown ones are dropped.
 */
export const RegistrationResponse = v.object({
  id: CredentialId,
  rawId: CredentialId,
  type: v.literal("public-key"),
  response: v.object({
    clientDataJSON: base64url(4096, "clientDataJSON"),
    attestationObject: base64url(6000, "attestationObject"),
    authenticatorData: v.optional(base64url(6000, "authenticatorData")),
    transports: Transports,
    publicKeyAlgorithm: v.optional(v.pipe(v.number(), v.integer())),
    publicKey: v.optional(base64url(2048, "publicKey")),
  }),
  authenticatorAttachment: Attachment,
  clientExtensionResults: Extensions,
});
export type RegistrationResponse = v.InferOutput<typeof RegistrationResponse>;

/** What `startAuthentication()` answers. */
export const AuthenticationResponse = v.object({
  id: CredentialId,
  rawId: CredentialId,
  type: v.literal("public-key"),
  response: v.object({
    clientDataJSON: base64url(4096, "clientDataJSON"),
    authenticatorData: base64url(2048, "authenticatorData"),
    signature: base64url(1024, "signature"),
    userHandle: v.optional(base64url(128, "userHandle")),
  }),
  authenticatorAttachment: Attachment,
  clientExtensionResults: Extensions,
});
export type AuthenticationResponse = v.InferOutput<typeof AuthenticationResponse>;

/** POST /api/passkeys/register/verify. */
export const RegisterVerifyBody = v.strictObject({ response: RegistrationResponse });
/** POST /api/passkeys/login/verify. */
export const LoginVerifyBody = v.strictObject({ response: AuthenticationResponse });

/** A passkey as its owner sees it in the list (never the key itself). */
export interface PasskeySummary {
  readonly id: string;
  readonly createdAt: number;
  /** The last sign-in with it, or null if it has only been added. */
  readonly lastUsedAt: number | null;
  /** The authenticator says the key is backed up (synced), so it survives losing the device. */
  readonly backedUp: boolean;
}

/** GET /api/passkeys. */
export interface PasskeyList {
  readonly passkeys: readonly PasskeySummary[];
}
