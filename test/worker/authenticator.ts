/**
 * A software WebAuthn authenticator for tests: an ES256, EdDSA or RS256 key made with WebCrypto, real
 * attestations ("none" format) and real signed assertions, built byte for byte as the spec
 * lays them out. Tests can bend any part (origin, RP id, counter, signing key, user handle).
 */
import { isoCBOR } from "@simplewebauthn/server/helpers";
import type { AuthenticationResponse, RegistrationResponse } from "../../shared/passkeys.ts";

const encoder = new TextEncoder();

export function b64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromB64url(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (char) => char.charCodeAt(0));
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", Uint8Array.from(bytes)));
}

function uint32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return bytes;
}

/** One DER INTEGER from a big-endian unsigned number: no leading zeros, but a 0 before a high bit. */
function derInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const body = (trimmed[0] ?? 0) & 0x80 ? concat(new Uint8Array([0]), trimmed) : trimmed;
  return concat(new Uint8Array([0x02, body.length]), body);
}

/** WebCrypto signs ECDSA as r‖s; WebAuthn wants an ASN.1 DER SEQUENCE of two INTEGERs. */
function derSignature(raw: Uint8Array): Uint8Array<ArrayBuffer> {
  const body = concat(derInteger(raw.subarray(0, 32)), derInteger(raw.subarray(32)));
  return concat(new Uint8Array([0x30, body.length]), body);
}

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

/** What a test can change about one answer. */
export interface Bend {
  readonly origin?: string;
  readonly rpId?: string;
  readonly counter?: number;
  /** Sign with another key than the registered one. */
  readonly signWith?: CryptoKeyPair;
  /** The user handle to report (base64url), or null for none. */
  readonly userHandle?: string | null;
  /** User verification flag (default set). */
  readonly verified?: boolean;
}

/** The COSE algorithms the server offers: ES256, EdDSA (Ed25519) and RS256. */
export type Algorithm = "ES256" | "EdDSA" | "RS256";

const KEY_PARAMS: Record<Algorithm, Parameters<typeof crypto.subtle.generateKey>[0] & { name: string }> = {
  ES256: { name: "ECDSA", namedCurve: "P-256" },
  EdDSA: { name: "Ed25519" },
  RS256: { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
};

export class SoftAuthenticator {
  readonly credentialId: Uint8Array<ArrayBuffer>;
  /** The user handle it stored at registration (base64url). */
  userHandle: string | null = null;
  counter = 0;

  private constructor(
    readonly algorithm: Algorithm,
    readonly keys: CryptoKeyPair,
    credentialId: Uint8Array<ArrayBuffer>,
  ) {
    this.credentialId = credentialId;
  }

  static async create(algorithm: Algorithm = "ES256"): Promise<SoftAuthenticator> {
    return new SoftAuthenticator(
      algorithm,
      await SoftAuthenticator.keyPair(algorithm),
      crypto.getRandomValues(new Uint8Array(32)),
    );
  }

  static async keyPair(algorithm: Algorithm = "ES256"): Promise<CryptoKeyPair> {
    return (await crypto.subtle.generateKey(KEY_PARAMS[algorithm], true, ["sign", "verify"])) as CryptoKeyPair;
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  async #coseKey(): Promise<Uint8Array> {
    if (this.algorithm === "RS256") {
      const jwk = (await crypto.subtle.exportKey("jwk", this.keys.publicKey)) as JsonWebKey;
      return isoCBOR.encode(
        new Map<number, number | Uint8Array>([
          [1, 3],
          [3, -257],
          [-1, fromB64url(jwk.n ?? "")],
          [-2, fromB64url(jwk.e ?? "")],
        ]),
      );
    }
    const raw = new Uint8Array((await crypto.subtle.exportKey("raw", this.keys.publicKey)) as ArrayBuffer);
    if (this.algorithm === "EdDSA") {
      return isoCBOR.encode(
        new Map<number, number | Uint8Array>([
          [1, 1],
          [3, -8],
          [-1, 6],
          [-2, raw],
        ]),
      );
    }
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, raw.slice(1, 33)],
        [-3, raw.slice(33, 65)],
      ]),
    );
  }

  /** A signature as WebAuthn carries it for this algorithm. */
  async #sign(key: CryptoKey, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
    if (this.algorithm === "ES256") {
      return derSignature(new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, data)));
    }
    return new Uint8Array(await crypto.subtle.sign(KEY_PARAMS[this.algorithm].name, key, data));
  }

  /** Answers `navigator.credentials.create()` with the options the server gave. */
  async register(
    options: { challenge: string; rp: { id?: string }; user: { id: string } },
    origin: string,
    bend: Bend = {},
  ): Promise<RegistrationResponse> {
    this.userHandle = options.user.id;
    const rpId = bend.rpId ?? options.rp.id ?? new URL(origin).hostname;
    const clientData = encoder.encode(
      JSON.stringify({ type: "webauthn.create", challenge: options.challenge, origin: bend.origin ?? origin }),
    );
    const flags = UP | AT | (bend.verified === false ? 0 : UV);
    const authData = concat(
      await sha256(encoder.encode(rpId)),
      new Uint8Array([flags]),
      uint32(this.counter),
      new Uint8Array(16),
      new Uint8Array([this.credentialId.length >> 8, this.credentialId.length & 0xff]),
      this.credentialId,
      await this.#coseKey(),
    );
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ["fmt", "none"],
        ["attStmt", new Map<string, string>()],
        ["authData", authData],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientData),
        attestationObject: b64url(attestationObject),
        transports: ["internal"],
      },
      clientExtensionResults: {},
    };
  }

  /** Answers `navigator.credentials.get()` with the options the server gave. */
  async authenticate(
    options: { challenge: string; rpId?: string },
    origin: string,
    bend: Bend = {},
  ): Promise<AuthenticationResponse> {
    this.counter = bend.counter ?? this.counter + 1;
    const rpId = bend.rpId ?? options.rpId ?? new URL(origin).hostname;
    const clientData = encoder.encode(
      JSON.stringify({ type: "webauthn.get", challenge: options.challenge, origin: bend.origin ?? origin }),
    );
    const authData = concat(
      await sha256(encoder.encode(rpId)),
      new Uint8Array([UP | (bend.verified === false ? 0 : UV)]),
      uint32(this.counter),
    );
    const signed = concat(authData, await sha256(clientData));
    const signature = await this.#sign((bend.signWith ?? this.keys).privateKey, signed);
    const userHandle = bend.userHandle === undefined ? this.userHandle : bend.userHandle;
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientData),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      clientExtensionResults: {},
    };
  }
}

/** The base64url of a player id, as a user handle. */
export function handleOf(pid: string): string {
  return b64url(encoder.encode(pid));
}

export { fromB64url };
