import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MIN_SECRET_LENGTH, signToken, tokenSecret, TOKEN_TTL_MS, verifyToken } from "../../server/auth.ts";

const SECRET = "unit-test-secret-unit-test-secret-0123456789";
const OTHER_SECRET = "another-secret-another-secret-another-0123";
const NOW = Date.UTC(2030, 0, 1);
const CLAIMS = { pid: "player_7f3a-9Qx", name: "Zoë" };
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Signs any payload text the way a token is signed, with Node's own crypto (independent of auth.ts). */
function signRaw(secret: string, payloadText: string): string {
  const payload = Buffer.from(payloadText, "utf8").toString("base64url");
  const signature = createHmac("sha256", secret).update(payload).digest("base64url");
  return `${payload}.${signature}`;
}

function parts(token: string): [payload: string, signature: string] {
  const [payload, signature, ...rest] = token.split(".");
  if (payload === undefined || signature === undefined || rest.length > 0)
    throw new Error(`not a two-part token: ${token}`);
  return [payload, signature];
}

/** Every string that differs from `text` in exactly one character, within the base64url alphabet. */
function singleEdits(text: string): string[] {
  const edits: string[] = [];
  for (let i = 0; i < text.length; i++) {
    for (const char of BASE64URL) if (char !== text[i]) edits.push(text.slice(0, i) + char + text.slice(i + 1));
  }
  return edits;
}

async function refusal(token: string, now = NOW, secret = SECRET): Promise<string> {
  const result = await verifyToken(secret, token, now);
  return result.ok ? "accepted" : `${result.error.code}: ${result.error.message}`;
}

const claimsArb = fc.record({
  pid: fc.stringMatching(/^[A-Za-z0-9_-]{8,32}$/),
  name: fc.string({ unit: "binary", maxLength: 200 }).filter((name) => name.length <= 200),
});

describe("signToken and verifyToken", () => {
  it("verifies a signed token and yields its claims with issue and expiry times", async () => {
    const token = await signToken(SECRET, CLAIMS, NOW);
    const result = await verifyToken(SECRET, token, NOW);
    expect(result).toEqual({ ok: true, value: { v: 1, ...CLAIMS, iat: NOW, exp: NOW + TOKEN_TTL_MS } });
  });

  it("writes base64url JSON claims and an HMAC-SHA256 of them, as Node's crypto computes it", async () => {
    const token = await signToken(SECRET, CLAIMS, NOW);
    const [payload, signature] = parts(token);
    expect(payload).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))).toEqual({
      v: 1,
      ...CLAIMS,
      iat: NOW,
      exp: NOW + TOKEN_TTL_MS,
    });
    expect(signature).toBe(createHmac("sha256", SECRET).update(payload).digest("base64url"));
  });

  it("round-trips any valid claims", async () => {
    await fc.assert(
      fc.asyncProperty(claimsArb, fc.integer({ min: 0, max: 4_000_000_000_000 }), async (claims, now) => {
        const token = await signToken(SECRET, claims, now);
        const result = await verifyToken(SECRET, token, now + 1);
        expect(result).toEqual({ ok: true, value: { v: 1, ...claims, iat: now, exp: now + TOKEN_TTL_MS } });
      }),
    );
  });

  it("accepts claims it did not sign itself when the signature is right", async () => {
    const claims = { v: 1, ...CLAIMS, iat: NOW, exp: NOW + 1000 };
    const result = await verifyToken(SECRET, signRaw(SECRET, JSON.stringify(claims)), NOW);
    expect(result).toEqual({ ok: true, value: claims });
  });

  it("refuses every single-character change to the payload", async () => {
    const [payload, signature] = parts(await signToken(SECRET, CLAIMS, NOW));
    const accepted: string[] = [];
    for (const edited of singleEdits(payload)) {
      const token = `${edited}.${signature}`;
      if ((await verifyToken(SECRET, token, NOW)).ok) accepted.push(token);
    }
    expect(accepted).toEqual([]);
  });

  it("refuses a random single-character change to the payload of any token", async () => {
    await fc.assert(
      fc.asyncProperty(claimsArb, fc.nat(), fc.constantFrom(...BASE64URL), async (claims, at, char) => {
        const [payload, signature] = parts(await signToken(SECRET, claims, NOW));
        const i = at % payload.length;
        fc.pre(payload[i] !== char);
        const token = `${payload.slice(0, i)}${char}${payload.slice(i + 1)}.${signature}`;
        expect(await refusal(token)).toBe("unauthorized: the token is not valid");
      }),
    );
  });

  it("refuses every single-character change to the signature that changes its bytes", async () => {
    const [payload, signature] = parts(await signToken(SECRET, CLAIMS, NOW));
    const original = Buffer.from(signature, "base64url");
    const accepted: string[] = [];
    let tried = 0;
    for (const edited of singleEdits(signature)) {
      if (Buffer.from(edited, "base64url").equals(original)) continue;
      tried++;
      const token = `${payload}.${edited}`;
      if ((await verifyToken(SECRET, token, NOW)).ok) accepted.push(token);
    }
    expect(tried).toBeGreaterThan(40 * 63);
    expect(accepted).toEqual([]);
  });

  it("refuses a signature respelled with different trailing bits (only one spelling of the bytes is genuine)", async () => {
    // 32 signature bytes take 43 base64url characters; the last carries 4 bits and 2 unused ones.
    // A token must have one spelling, or it can be altered and still pass (e.g. a revocation list
    // keyed by token text, or a cache, would be bypassed).
    const token = await signToken(SECRET, CLAIMS, NOW);
    const [payload, signature] = parts(token);
    const original = Buffer.from(signature, "base64url");
    const respelled = singleEdits(signature).filter((edited) => Buffer.from(edited, "base64url").equals(original));
    expect(respelled).toHaveLength(3);
    const accepted: string[] = [];
    for (const edited of respelled)
      if ((await verifyToken(SECRET, `${payload}.${edited}`, NOW)).ok) accepted.push(edited);
    expect(accepted).toEqual([]);
  });

  it("refuses a token signed with another secret", async () => {
    const token = await signToken(OTHER_SECRET, CLAIMS, NOW);
    expect(await refusal(token)).toBe("unauthorized: the token is not valid");
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: MIN_SECRET_LENGTH, maxLength: 64 }), async (secret) => {
        fc.pre(secret !== SECRET);
        expect(await refusal(await signToken(secret, CLAIMS, NOW))).toBe("unauthorized: the token is not valid");
      }),
      { numRuns: 50 },
    );
  });

  it("refuses every truncation of a token, from either end", async () => {
    const token = await signToken(SECRET, CLAIMS, NOW);
    const accepted: string[] = [];
    for (let n = 0; n < token.length; n++) {
      for (const cut of [token.slice(0, n), token.slice(token.length - n)])
        if ((await verifyToken(SECRET, cut, NOW)).ok) accepted.push(cut);
    }
    expect(accepted).toEqual([]);
  });

  it("refuses a token with an extra dot-separated part", async () => {
    const token = await signToken(SECRET, CLAIMS, NOW);
    const [payload, signature] = parts(token);
    for (const extended of [
      `${token}.`,
      `${token}.x`,
      `${token}.${signature}`,
      `${payload}.${payload}.${signature}`,
      `x.${token}`,
      `${payload}..${signature}`,
    ]) {
      expect(await refusal(extended)).toBe("unauthorized: the token is not valid");
    }
  });

  it("refuses padded, spaced and otherwise re-encoded forms of a genuine token", async () => {
    const token = await signToken(SECRET, CLAIMS, NOW);
    const [payload, signature] = parts(token);
    const forms = [
      `${token}=`,
      `${payload}.${signature}=`,
      ` ${token}`,
      `${token}\n`,
      token.replaceAll("-", "+").replaceAll("_", "/"),
    ];
    for (const form of forms.filter((f) => f !== token))
      expect(await refusal(form)).toBe("unauthorized: the token is not valid");
  });

  it("refuses garbage without throwing", async () => {
    const garbage = fc.oneof(
      fc.string(),
      fc.string({ unit: "binary", maxLength: 2000 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{0,200}(\.[A-Za-z0-9_-]{0,60}){0,3}$/),
      fc.tuple(fc.base64String(), fc.base64String()).map(([a, b]) => `${a}.${b}`),
    );
    await fc.assert(
      fc.asyncProperty(garbage, async (token) => {
        expect(await refusal(token)).toBe("unauthorized: the token is not valid");
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ["a wrong version", { v: 2, ...CLAIMS, iat: NOW, exp: NOW + 1000 }],
    ["an extra claim", { v: 1, ...CLAIMS, iat: NOW, exp: NOW + 1000, admin: true }],
    ["no expiry", { v: 1, ...CLAIMS, iat: NOW }],
    ["a string expiry", { v: 1, ...CLAIMS, iat: NOW, exp: String(NOW + 1000) }],
    ["a player id too short", { v: 1, ...CLAIMS, pid: "short", iat: NOW, exp: NOW + 1000 }],
    ["a player id with a dot", { v: 1, ...CLAIMS, pid: "player.7f3a9Qx", iat: NOW, exp: NOW + 1000 }],
    ["a 33-character player id", { v: 1, ...CLAIMS, pid: "p".repeat(33), iat: NOW, exp: NOW + 1000 }],
    ["no name", { v: 1, pid: CLAIMS.pid, iat: NOW, exp: NOW + 1000 }],
    ["a 201-character name", { v: 1, ...CLAIMS, name: "n".repeat(201), iat: NOW, exp: NOW + 1000 }],
    ["an array", [1, CLAIMS.pid]],
    ["null", null],
  ])("refuses a correctly signed token whose claims have %s", async (_name, claims) => {
    expect(await refusal(signRaw(SECRET, JSON.stringify(claims)))).toBe("unauthorized: the token is not valid");
  });

  it("refuses a correctly signed payload that is not JSON", async () => {
    expect(await refusal(signRaw(SECRET, "{not json"))).toBe("unauthorized: the token is not valid");
    expect(await refusal(signRaw(SECRET, ""))).toBe("unauthorized: the token is not valid");
  });

  it("refuses an expired token with an expired message, from the instant of expiry on", async () => {
    const token = await signToken(SECRET, CLAIMS, NOW);
    const exp = NOW + TOKEN_TTL_MS;
    expect((await verifyToken(SECRET, token, exp - 1)).ok).toBe(true);
    for (const now of [exp, exp + 1, exp + TOKEN_TTL_MS]) {
      const result = await verifyToken(SECRET, token, now);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe("unauthorized");
        expect(result.error.message).toMatch(/expired/);
      }
    }
  });

  it("does not call a forged token expired", async () => {
    const [payload, signature] = parts(await signToken(SECRET, CLAIMS, NOW));
    const forged = `${payload}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
    const result = await verifyToken(SECRET, forged, NOW + 2 * TOKEN_TTL_MS);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).not.toMatch(/expired/);
  });
});

describe("tokenSecret", () => {
  it.each([
    ["missing", {}],
    ["undefined", { PLY_TOKEN_SECRET: undefined }],
    ["empty", { PLY_TOKEN_SECRET: "" }],
    ["one character short", { PLY_TOKEN_SECRET: "s".repeat(MIN_SECRET_LENGTH - 1) }],
    ["not a string", { PLY_TOKEN_SECRET: 1234567890123456 as unknown as string }],
  ])("refuses a %s secret with server-misconfigured", (_name, env) => {
    const result = tokenSecret(env);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("server-misconfigured");
      expect(result.error.message).toContain("PLY_TOKEN_SECRET");
    }
  });

  it.each([MIN_SECRET_LENGTH, MIN_SECRET_LENGTH + 1, 128])("accepts a secret of %i characters", (length) => {
    const secret = "k".repeat(length);
    expect(tokenSecret({ PLY_TOKEN_SECRET: secret })).toEqual({ ok: true, value: secret });
  });

  it("requires at least 32 characters", () => {
    expect(MIN_SECRET_LENGTH).toBeGreaterThanOrEqual(32);
  });
});
