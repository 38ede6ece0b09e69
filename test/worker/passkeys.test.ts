/**
 * Passkeys through the Worker, with a software authenticator making real attestations and
 * signed assertions: a player adds a passkey and signs in with it as the same player; bad
 * bodies, expired, reused, forged or foreign answers and other origins are refused with
 * their documented codes and change nothing.
 */
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { verifyToken } from "../../server/auth.ts";
import type { MatchReport } from "../../server/contracts.ts";
import { STATUS } from "../../server/http.ts";
import { checkChallenge, issueChallenge, toBase64Url } from "../../server/passkeys.ts";
import { CHALLENGE_TTL_MS, type PasskeyList } from "../../shared/passkeys.ts";
import { HTTP_ERRORS, type PlayerCreated, type PlayerProfile } from "../../shared/protocol.ts";
import { TEST_TOKEN_SECRET } from "../secret.ts";
import { handleOf, SoftAuthenticator } from "./authenticator.ts";
import { api, as, createMatch, newPlayer, ORIGIN, type TestPlayer } from "./helpers.ts";

type Answer = Awaited<ReturnType<typeof api>>;
type CreationOptions = { challenge: string; rp: { id?: string; name: string }; user: { id: string; name: string } };
type RequestOptions = { challenge: string; rpId?: string; userVerification?: string };

/** A refusal with `code`, the status STATUS gives it, and a message for people. */
function expectError(answer: Answer, code: string): void {
  const error = (answer.body as { error?: { code: string; message: string } } | null)?.error;
  expect({ status: answer.status, code: error?.code }).toEqual({ status: STATUS[code as keyof typeof STATUS], code });
  expect(HTTP_ERRORS).toContain(code);
  expect(error?.message.length).toBeGreaterThan(0);
}

/** Its own client address per call, so the per-address limit never couples tests. */
function fromSomewhere(): Record<string, string> {
  return { "cf-connecting-ip": `passkey-test-${crypto.randomUUID()}` };
}

async function registrationOptions(player: TestPlayer): Promise<CreationOptions> {
  const answer = await api<{ options: CreationOptions }>("/api/passkeys/register/options", {
    method: "POST",
    headers: as(player),
  });
  expect(answer.status).toBe(200);
  return answer.body.options;
}

async function loginOptions(): Promise<RequestOptions> {
  const answer = await api<{ options: RequestOptions }>("/api/passkeys/login/options", {
    method: "POST",
    headers: fromSomewhere(),
  });
  expect(answer.status).toBe(200);
  return answer.body.options;
}

function registerVerify(player: TestPlayer, response: unknown): Promise<Answer> {
  return api("/api/passkeys/register/verify", { body: { response }, headers: as(player) });
}

function loginVerify(response: unknown): Promise<Answer> {
  return api("/api/passkeys/login/verify", { body: { response } });
}

/** A player with one passkey on a fresh authenticator. */
async function playerWithPasskey(name: string): Promise<{ player: TestPlayer; authenticator: SoftAuthenticator }> {
  const player = await newPlayer(name);
  const authenticator = await SoftAuthenticator.create();
  const added = await registerVerify(player, await authenticator.register(await registrationOptions(player), ORIGIN));
  expect(added.status).toBe(201);
  return { player, authenticator };
}

async function passkeysOf(player: TestPlayer): Promise<PasskeyList> {
  const list = await api<PasskeyList>("/api/passkeys", { headers: as(player) });
  expect(list.status).toBe(200);
  return list.body;
}

describe("adding a passkey and signing in with it", () => {
  it("asks for a discoverable, user-verified passkey whose user id is the player id, on the request's host", async () => {
    const player = await newPlayer("Ada");
    const options = await registrationOptions(player);
    expect(options.rp).toEqual({ id: "ply.test", name: "Ply" });
    expect(options.user).toMatchObject({ id: handleOf(player.playerId), name: "Ada" });
    expect(options).toMatchObject({
      authenticatorSelection: { residentKey: "required", userVerification: "required" },
      attestation: "none",
      timeout: CHALLENGE_TTL_MS,
    });
  });

  it("signs in on another browser as the same player: a fresh token, and the rating, history and seats follow", async () => {
    const { player, authenticator } = await playerWithPasskey("Ada");
    // A rated result on the account, as a match reports it.
    const report: MatchReport = {
      matchId: "passkeyMatch01",
      gameId: "tic-tac-toe",
      seat: 0,
      rated: true,
      outcome: "win",
      reason: "line",
      finishedAt: Date.now(),
      opponents: [
        { pid: "somebodyElse01", name: "Brian", seat: 1, rating: { rating: 1500, rd: 350, vol: 0.06 }, score: 1 },
      ],
    };
    await env.Player.getByName(player.playerId).recordMatch(report);
    // An open match Ada sits in.
    const open = await createMatch("tic-tac-toe", player);

    const signedIn = await loginVerify(await authenticator.authenticate(await loginOptions(), ORIGIN));
    expect(signedIn.status).toBe(200);
    const account = signedIn.body as PlayerCreated;
    expect(account).toMatchObject({ playerId: player.playerId, name: "Ada" });
    expect(account.token).not.toBe(player.token);
    const claims = await verifyToken(TEST_TOKEN_SECRET, account.token);
    expect(claims.ok && claims.value.pid).toBe(player.playerId);

    const profile = await api<PlayerProfile>(`/api/players/${account.playerId}`);
    expect(profile.body.ratings["tic-tac-toe"]?.games).toBe(1);
    expect(profile.body.recent.map((record) => record.matchId)).toEqual(["passkeyMatch01"]);
    // The match knows the new token's holder as the player already in seat 0.
    const again = await api(`/api/matches/${open.matchId}/join`, { method: "POST", headers: as(account) });
    expectError(again, "already-joined");

    const [passkey] = (await passkeysOf(account)).passkeys;
    expect(passkey).toMatchObject({ id: authenticator.id, backedUp: false });
    expect(passkey?.lastUsedAt).toBeTypeOf("number");
  });

  it.each(["ES256", "EdDSA", "RS256"] as const)(
    "verifies %s passkeys, each algorithm the options offer",
    async (algorithm) => {
      const player = await newPlayer("Ada");
      const authenticator = await SoftAuthenticator.create(algorithm);
      const added = await registerVerify(
        player,
        await authenticator.register(await registrationOptions(player), ORIGIN),
      );
      expect(added.status).toBe(201);
      const signedIn = await loginVerify(await authenticator.authenticate(await loginOptions(), ORIGIN));
      expect({ status: signedIn.status, playerId: (signedIn.body as PlayerCreated).playerId }).toEqual({
        status: 200,
        playerId: player.playerId,
      });
      const forger = await SoftAuthenticator.keyPair(algorithm);
      expectError(
        await loginVerify(await authenticator.authenticate(await loginOptions(), ORIGIN, { signWith: forger })),
        "passkey-refused",
      );
    },
  );

  it("lists and removes passkeys; a removed passkey signs in nobody", async () => {
    const { player, authenticator } = await playerWithPasskey("Ada");
    expect((await passkeysOf(player)).passkeys.map((passkey) => passkey.id)).toEqual([authenticator.id]);
    const removed = await api(`/api/passkeys/${authenticator.id}`, { method: "DELETE", headers: as(player) });
    expect(removed.status).toBe(200);
    expect((await passkeysOf(player)).passkeys).toEqual([]);
    expectError(await api(`/api/passkeys/${authenticator.id}`, { method: "DELETE", headers: as(player) }), "not-found");
    expectError(await loginVerify(await authenticator.authenticate(await loginOptions(), ORIGIN)), "unknown-passkey");
  });

  it("refuses a second copy of the same passkey and names the ones held in excludeCredentials", async () => {
    const { player, authenticator } = await playerWithPasskey("Ada");
    const options = await registrationOptions(player);
    expect((options as { excludeCredentials?: { id: string }[] }).excludeCredentials?.map((c) => c.id)).toEqual([
      authenticator.id,
    ]);
    expectError(await registerVerify(player, await authenticator.register(options, ORIGIN)), "passkey-exists");
    expect((await passkeysOf(player)).passkeys).toHaveLength(1);
  });
});

describe("refusals", () => {
  it("refuses bad bodies and missing tokens, changing nothing", async () => {
    const player = await newPlayer("Ada");
    const authenticator = await SoftAuthenticator.create();
    const good = await authenticator.register(await registrationOptions(player), ORIGIN);
    expectError(await api("/api/passkeys/register/verify", { body: {}, headers: as(player) }), "bad-request");
    expectError(
      await api("/api/passkeys/register/verify", { body: { response: good, extra: 1 }, headers: as(player) }),
      "bad-request",
    );
    expectError(await registerVerify(player, { ...good, type: "password" }), "bad-request");
    expectError(
      await registerVerify(player, { ...good, response: { ...good.response, clientDataJSON: "not base64url!" } }),
      "bad-request",
    );
    expectError(
      await registerVerify(player, {
        ...good,
        response: { ...good.response, clientDataJSON: toBase64Url(new Uint8Array([1, 2])) },
      }),
      "bad-request",
    );
    expectError(await api("/api/passkeys/register/verify", { raw: "{not json", headers: as(player) }), "bad-request");
    expectError(await api("/api/passkeys/register/verify", { body: { response: good } }), "unauthorized");
    expectError(await api("/api/passkeys/register/options", { method: "POST" }), "unauthorized");
    expectError(
      await api("/api/passkeys/login/options", { body: { user: "Ada" }, headers: fromSomewhere() }),
      "bad-request",
    );
    expectError(await api("/api/passkeys/login/verify", { body: { response: { id: "x" } } }), "bad-request");
    expectError(await api("/api/passkeys/login/options", { method: "GET" }), "method-not-allowed");
    expect((await passkeysOf(player)).passkeys).toEqual([]);
    // The good answer still works afterwards: nothing above used its challenge.
    expect((await registerVerify(player, good)).status).toBe(201);
  });

  it("refuses an expired challenge, for registration and for sign-in", async () => {
    const player = await newPlayer("Ada");
    const authenticator = await SoftAuthenticator.create();
    const past = Date.now() - CHALLENGE_TTL_MS - 1;
    const options = await registrationOptions(player);
    const stale = await issueChallenge(TEST_TOKEN_SECRET, "register", player.playerId, past);
    expectError(
      await registerVerify(
        player,
        await authenticator.register({ ...options, challenge: stale.challenge.value }, ORIGIN),
      ),
      "challenge-expired",
    );
    expect((await passkeysOf(player)).passkeys).toEqual([]);

    expect((await registerVerify(player, await authenticator.register(options, ORIGIN))).status).toBe(201);
    const oldLogin = await issueChallenge(TEST_TOKEN_SECRET, "login", null, past);
    expectError(
      await loginVerify(await authenticator.authenticate({ challenge: oldLogin.challenge.value }, ORIGIN)),
      "challenge-expired",
    );
  });

  it("refuses a replayed sign-in and any second answer to one challenge", async () => {
    const { authenticator } = await playerWithPasskey("Ada");
    const options = await loginOptions();
    const answer = await authenticator.authenticate(options, ORIGIN);
    expect((await loginVerify(answer)).status).toBe(200);
    expectError(await loginVerify(answer), "challenge-used");
    // A fresh signature (counter moved on) over the same challenge is still a second answer.
    expectError(await loginVerify(await authenticator.authenticate(options, ORIGIN)), "challenge-used");
  });

  it("answers two copies of one sign-in sent at once exactly once", async () => {
    const { authenticator } = await playerWithPasskey("Ada");
    const answer = await authenticator.authenticate(await loginOptions(), ORIGIN);
    const both = await Promise.all([loginVerify(answer), loginVerify(answer)]);
    expect(both.map((one) => one.status).sort()).toEqual([200, 409]);
  });

  it("refuses a replayed registration", async () => {
    const player = await newPlayer("Ada");
    const answer = await (await SoftAuthenticator.create()).register(await registrationOptions(player), ORIGIN);
    expect((await registerVerify(player, answer)).status).toBe(201);
    expectError(await registerVerify(player, answer), "challenge-used");
  });

  it("refuses a foreign passkey: unknown to the account its user handle names, or naming none", async () => {
    const { player: ada } = await playerWithPasskey("Ada");
    const { authenticator: brians } = await playerWithPasskey("Brian");
    const stranger = await SoftAuthenticator.create();
    expectError(
      await loginVerify(
        await stranger.authenticate(await loginOptions(), ORIGIN, { userHandle: handleOf(ada.playerId) }),
      ),
      "unknown-passkey",
    );
    // Brian's own passkey, claiming to be Ada's.
    expectError(
      await loginVerify(
        await brians.authenticate(await loginOptions(), ORIGIN, { userHandle: handleOf(ada.playerId) }),
      ),
      "unknown-passkey",
    );
    expectError(
      await loginVerify(await brians.authenticate(await loginOptions(), ORIGIN, { userHandle: null })),
      "unknown-passkey",
    );
    expectError(
      await loginVerify(
        await stranger.authenticate(await loginOptions(), ORIGIN, { userHandle: handleOf("neverCreated001") }),
      ),
      "unknown-passkey",
    );
  });

  it("refuses forged answers: another key's signature, a challenge it did not issue, a lowered counter, no user verification", async () => {
    const { player, authenticator } = await playerWithPasskey("Ada");
    const forger = await SoftAuthenticator.keyPair();
    expectError(
      await loginVerify(await authenticator.authenticate(await loginOptions(), ORIGIN, { signWith: forger })),
      "passkey-refused",
    );
    const made = toBase64Url(crypto.getRandomValues(new Uint8Array(58)));
    expectError(await loginVerify(await authenticator.authenticate({ challenge: made }, ORIGIN)), "bad-challenge");
    // A registration challenge is no sign-in challenge, and one issued to Ada registers nothing for Brian.
    const registration = await registrationOptions(player);
    expectError(await loginVerify(await authenticator.authenticate(registration, ORIGIN)), "bad-challenge");
    const brian = await newPlayer("Brian");
    expectError(
      await registerVerify(brian, await (await SoftAuthenticator.create()).register(registration, ORIGIN)),
      "bad-challenge",
    );
    expectError(
      await loginVerify(await authenticator.authenticate(await loginOptions(), ORIGIN, { verified: false })),
      "passkey-refused",
    );
    expect(
      (await loginVerify(await authenticator.authenticate(await loginOptions(), ORIGIN, { counter: 10 }))).status,
    ).toBe(200);
    expectError(
      await loginVerify(await authenticator.authenticate(await loginOptions(), ORIGIN, { counter: 9 })),
      "passkey-refused",
    );
    expect((await passkeysOf(brian)).passkeys).toEqual([]);
  });

  it("refuses answers made for another origin or relying party", async () => {
    const player = await newPlayer("Ada");
    const authenticator = await SoftAuthenticator.create();
    const options = await registrationOptions(player);
    expectError(
      await registerVerify(player, await authenticator.register(options, ORIGIN, { origin: "https://evil.test" })),
      "wrong-origin",
    );
    expectError(
      await registerVerify(player, await authenticator.register(options, ORIGIN, { rpId: "evil.test" })),
      "passkey-refused",
    );
    expect((await passkeysOf(player)).passkeys).toEqual([]);
    const fresh = await registrationOptions(player);
    expect((await registerVerify(player, await authenticator.register(fresh, ORIGIN))).status).toBe(201);
    expectError(
      await loginVerify(
        await authenticator.authenticate(await loginOptions(), ORIGIN, { origin: "http://ply.test:8080" }),
      ),
      "wrong-origin",
    );
    expectError(
      await loginVerify(await authenticator.authenticate(await loginOptions(), ORIGIN, { rpId: "evil.test" })),
      "passkey-refused",
    );
  });
});

describe("challenges", () => {
  it("holds until it expires, and only for its purpose, its player and its exact bytes", async () => {
    const now = 1_800_000_000_000;
    const { challenge } = await issueChallenge(TEST_TOKEN_SECRET, "register", "adaPlayerId01", now);
    const check = (value: string, at: number, purpose: "register" | "login" = "register", pid = "adaPlayerId01") =>
      checkChallenge(TEST_TOKEN_SECRET, value, purpose, pid, at).then((result) =>
        result.ok ? "ok" : result.error.code,
      );
    expect(await check(challenge.value, now)).toBe("ok");
    expect(await check(challenge.value, now + CHALLENGE_TTL_MS - 1)).toBe("ok");
    expect(await check(challenge.value, now + CHALLENGE_TTL_MS)).toBe("challenge-expired");
    expect(await check(challenge.value, now, "login")).toBe("bad-challenge");
    expect(await check(challenge.value, now, "register", "brianPlayer01")).toBe("bad-challenge");
    const flipped = challenge.value[20] === "A" ? "B" : "A";
    expect(await check(challenge.value.slice(0, 20) + flipped + challenge.value.slice(21), now)).toBe("bad-challenge");
    expect(
      await checkChallenge("another-secret-another-secret-another", challenge.value, "register", "adaPlayerId01", now),
    ).toMatchObject({ ok: false, error: { code: "bad-challenge" } });
  });
});

/** A change to one field of an answer: another JSON value, one character changed, or cut short. */
function mutation(fields: readonly string[]) {
  return fc.record({
    path: fc.constantFrom(...fields),
    how: fc.oneof(
      fc.record({ kind: fc.constant("replace" as const), value: fc.jsonValue({ maxDepth: 2 }) }),
      fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), to: fc.constantFrom("A", "_", "-", "z", "0") }),
      fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
    ),
  });
}

function mutate(answer: object, change: ReturnType<typeof mutation> extends fc.Arbitrary<infer T> ? T : never) {
  const copy = structuredClone(answer) as Record<string, unknown>;
  const [head, tail] = change.path.split(".") as [string, string | undefined];
  const holder = (tail === undefined ? copy : copy[head]) as Record<string, unknown>;
  const key = tail ?? head;
  const current = holder[key];
  const { how } = change;
  if (how.kind === "replace" || typeof current !== "string" || current.length === 0) {
    holder[key] = how.kind === "replace" ? how.value : null;
  } else if (how.kind === "flip") {
    const at = how.at % current.length;
    holder[key] = current.slice(0, at) + (current[at] === how.to ? "B" : how.to) + current.slice(at + 1);
  } else {
    holder[key] = current.slice(0, how.at % current.length);
  }
  return copy;
}

describe("fuzzing answers", () => {
  it("refuses every mutation of a used answer with a documented code, and never a 500", {
    timeout: 120_000,
  }, async () => {
    const player = await newPlayer("Ada");
    const authenticator = await SoftAuthenticator.create();
    const registration = await authenticator.register(await registrationOptions(player), ORIGIN);
    expect((await registerVerify(player, registration)).status).toBe(201);
    const assertion = await authenticator.authenticate(await loginOptions(), ORIGIN);
    expect((await loginVerify(assertion)).status).toBe(200);
    const check = (answer: Answer, what: string) => {
      const code = (answer.body as { error?: { code?: string } } | null)?.error?.code ?? "";
      expect({ what, status: answer.status, known: HTTP_ERRORS.includes(code as never) }).toEqual({
        what,
        status: STATUS[code as keyof typeof STATUS],
        known: true,
      });
    };
    const loginFields = [
      "id",
      "rawId",
      "type",
      "response.clientDataJSON",
      "response.authenticatorData",
      "response.signature",
      "response.userHandle",
      "clientExtensionResults",
    ];
    for (const change of fc.sample(mutation(loginFields), { numRuns: 120, seed: 13 })) {
      check(await loginVerify(mutate(assertion, change)), `login ${JSON.stringify(change)}`);
    }
    const registerFields = [
      "id",
      "rawId",
      "type",
      "response.clientDataJSON",
      "response.attestationObject",
      "response.transports",
    ];
    for (const change of fc.sample(mutation(registerFields), { numRuns: 120, seed: 13 })) {
      check(await registerVerify(player, mutate(registration, change)), `register ${JSON.stringify(change)}`);
    }
    expect((await passkeysOf(player)).passkeys).toHaveLength(1);
  });
});
