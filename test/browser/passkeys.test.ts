/**
 * Passkeys in real Chromium, with the DevTools protocol's virtual authenticator standing in
 * for a phone or a security key: Alice plays a rated game, adds a passkey on her account page,
 * and signs in with it from a fresh browser (the credential copied across, as a synced passkey
 * would be) to find the same name and rating, also from a browser that already made an account
 * of its own. A passkey removed from the account then signs in nobody, and the page says so.
 * WebAuthn refuses IP addresses, so the pages use localhost.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CDPSession } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api } from "../../client/api.ts";
import { legalMoves } from "../../client/bot.ts";
import { MatchClient } from "../../client/sdk.ts";
import { findGame } from "../../shared/games/index.ts";
import type { MatchView, PlayerProfile } from "../../shared/protocol.ts";
import { freePort, startDevServer, type DevServer } from "../e2e/server.ts";
import { openPlayer, screenshot, storedAccount, type Player, screenshotOnFailure } from "./harness.ts";

let server: DevServer;
let persistTo: string;
let origin: string;
const players: Player[] = [];

beforeAll(async () => {
  persistTo = await mkdtemp(join(tmpdir(), "ply-browser-passkeys-"));
  server = await startDevServer(persistTo, await freePort());
  origin = `http://localhost:${server.port}`;
});

afterAll(async () => {
  await Promise.all(players.map((player) => player.close()));
  await server?.stop();
  if (persistTo) await rm(persistTo, { recursive: true, force: true });
});

screenshotOnFailure(
  () => players,
  (player) => `failed-passkeys-${player.name}`,
);

/** A fresh browser with a platform authenticator that holds resident keys and verifies its user. */
async function browserWithAuthenticator(
  name: string,
): Promise<{ player: Player; cdp: CDPSession; authenticatorId: string }> {
  const player = await openPlayer(name, { origin, viewport: { width: 1100, height: 860 } });
  players.push(player);
  const cdp = await player.context.newCDPSession(player.page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
  return { player, cdp, authenticatorId };
}

/** Resolves once the client's view satisfies `ready`. */
function until(client: MatchClient, ready: (view: MatchView) => boolean): Promise<MatchView> {
  return new Promise((resolve) => {
    const check = () => {
      const view = client.view;
      if (view && ready(view)) {
        off();
        resolve(view);
      }
    };
    const off = client.on("change", check);
    check();
  });
}

/**
 * A rated Connect Four game that Alice (in the browser) wins: Brian, a client driven from here,
 * meets her in quick match, makes one move, and resigns.
 */
async function aliceWinsARatedGame(alice: Player): Promise<void> {
  const api = new Api({ origin });
  const brian = await api.createPlayer("Brian");
  if (!brian.ok) throw new Error(brian.error.message);
  const as = api.as(brian.value.token);
  const taken = await as.enqueue("connect-four");
  if (!taken.ok) throw new Error(taken.error.message);
  await alice.page.locator(".game-option[data-game=connect-four] input").check();
  await alice.page.locator("#quick-match").click();
  let ticket = taken.value;
  while (ticket.status === "waiting") {
    const polled = await as.ticket(ticket.ticketId, 25);
    if (!polled.ok) throw new Error(polled.error.message);
    ticket = polled.value;
  }
  if (!ticket.matchId) throw new Error(`the ticket ended ${ticket.status}`);
  await alice.page.waitForURL(`**/m/${ticket.matchId}`);
  const client = new MatchClient({ origin, matchId: ticket.matchId, token: brian.value.token });
  try {
    const game = findGame("connect-four");
    if (!game) throw new Error("no connect-four");
    const start = await until(client, (view) => view.status === "playing" && client.seat !== null);
    // Alice first: she drops a disc, then it is Brian's turn.
    if (!start.turn?.seats.includes(client.seat ?? -1)) {
      await alice.page.getByRole("button", { name: "Column 1", exact: true }).click();
    }
    const mine = await until(client, (view) => view.turn?.seats.includes(client.seat ?? -1) === true);
    const moved = client.move(legalMoves(game, mine, client.seat ?? 0)[0]);
    if (!moved.ok) throw new Error(`Brian's move was refused: ${moved.error.code}`);
    await until(client, (view) => view.moves >= (mine.moves ?? 0) + 1);
    client.resign();
    await until(client, (view) => view.status === "finished");
  } finally {
    client.close();
  }
}

type Browser = Awaited<ReturnType<typeof browserWithAuthenticator>>;

describe("passkeys", () => {
  let aliceId = "";
  let rating = "";
  /** Alice's first browser, where she added the passkey. */
  let first: Browser | undefined;
  /**
   * The browser that used the passkey last. Copies are taken from it: the virtual authenticator
   * counts signatures, and a copy of an older state would rightly be refused as a clone.
   */
  let latest: Browser | undefined;

  it("adds a passkey on the account page and signs in with it on another browser as the same player", async () => {
    first = await browserWithAuthenticator("alice");
    const alice = first.player;
    await alice.page.goto("/");
    await alice.page.getByLabel("Display name", { exact: true }).fill("Alice");
    await alice.page.getByRole("button", { name: "Continue" }).click();
    await alice.page.locator("#quick-match").waitFor();
    aliceId = (await storedAccount(alice.page)).playerId;

    await aliceWinsARatedGame(alice);
    const api = new Api({ origin });
    await expect
      .poll(async () => {
        const profile = await api.profile(aliceId);
        return profile.ok ? (profile.value as PlayerProfile).ratings["connect-four"]?.games : undefined;
      })
      .toBe(1);

    // The header's name leads to the account page.
    await alice.page.locator("#me").click();
    await alice.page.waitForURL("**/account");
    const ratingItem = alice.page.locator('.account-ratings li[data-game="connect-four"] .rating');
    rating = (await ratingItem.textContent()) ?? "";
    // After one game the rating is still provisional ("1662?").
    expect(Number(rating.replace(/\?$/, ""))).toBeGreaterThan(1500);
    await alice.page.locator("#no-passkeys").waitFor();
    await alice.page.getByRole("button", { name: "Add a passkey" }).click();
    await alice.page.getByText("Passkey added.").waitFor();
    await expect.poll(() => alice.page.locator(".passkey-list li").count()).toBe(1);
    await screenshot(alice.page, "passkeys-account");

    // A synced passkey, as a password manager would carry it to another device.
    const { credentials } = await first.cdp.send("WebAuthn.getCredentials", { authenticatorId: first.authenticatorId });
    expect(credentials).toHaveLength(1);
    const credential = credentials[0];
    if (!credential) throw new Error("no credential");
    expect(credential.rpId).toBe("localhost");

    const second = await browserWithAuthenticator("alice-laptop");
    latest = second;
    await second.cdp.send("WebAuthn.addCredential", { authenticatorId: second.authenticatorId, credential });
    const laptop = second.player.page;
    await laptop.goto("/");
    await laptop.getByRole("button", { name: "Sign in with a passkey" }).waitFor();
    await screenshot(laptop, "passkeys-sign-in");
    await laptop.getByRole("button", { name: "Sign in with a passkey" }).click();
    await laptop.locator("#quick-match").waitFor();
    await laptop.getByText("Hi Alice").waitFor();
    const signedIn = await storedAccount(laptop);
    expect(signedIn.playerId).toBe(aliceId);
    expect(signedIn.name).toBe("Alice");
    expect(signedIn.token).not.toBe((await storedAccount(alice.page)).token);

    await laptop.goto("/account");
    await laptop.locator(".account-name").getByText("Alice", { exact: true }).waitFor();
    expect(await laptop.locator('.account-ratings li[data-game="connect-four"] .rating').textContent()).toBe(rating);
    await laptop
      .locator(".passkey-list li")
      .getByText(/last used to sign in/)
      .waitFor();
    await screenshot(laptop, "passkeys-signed-in");
    expect(players.flatMap((player) => player.errors)).toEqual([]);
  });

  it("switches a browser that already made a new account over to Alice's from the account page", async () => {
    if (!latest) throw new Error("the first test did not run");
    const { credentials } = await latest.cdp.send("WebAuthn.getCredentials", {
      authenticatorId: latest.authenticatorId,
    });
    const credential = credentials[0];
    if (!credential) throw new Error("no credential");
    const tablet = await browserWithAuthenticator("alice-tablet");
    await tablet.cdp.send("WebAuthn.addCredential", { authenticatorId: tablet.authenticatorId, credential });
    const page = tablet.player.page;
    await page.goto("/");
    // She types a name before remembering her passkey: a new, empty account.
    await page.getByLabel("Display name", { exact: true }).fill("Ally");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.locator("#quick-match").waitFor();
    expect((await storedAccount(page)).playerId).not.toBe(aliceId);
    await page.goto("/account");
    await page.locator(".account-name").getByText("Ally", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.locator(".account-name").getByText("Alice", { exact: true }).waitFor();
    expect(await page.locator('.account-ratings li[data-game="connect-four"] .rating').textContent()).toBe(rating);
    expect((await storedAccount(page)).playerId).toBe(aliceId);
    await expect.poll(() => page.locator("#me").textContent()).toBe("Alice");
    expect(players.flatMap((player) => player.errors)).toEqual([]);
  });

  it("says so when a passkey belongs to no account here any more", async () => {
    if (!first) throw new Error("the first test did not run");
    const { credentials } = await first.cdp.send("WebAuthn.getCredentials", { authenticatorId: first.authenticatorId });
    const page = first.player.page;
    await page.goto("/account");
    await page
      .locator(".passkey-list li")
      .first()
      .getByRole("button", { name: /^Remove the passkey added/ })
      .click();
    await page.getByText("Passkey removed.").waitFor();
    await page.locator("#no-passkeys").waitFor();

    const third = await browserWithAuthenticator("alice-phone");
    const credential = credentials[0];
    if (!credential) throw new Error("no credential");
    await third.cdp.send("WebAuthn.addCredential", { authenticatorId: third.authenticatorId, credential });
    await third.player.page.goto("/");
    await third.player.page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await third.player.page.getByText("This passkey doesn't belong to any account here.").waitFor();
    // Still signed out: the name form is there, nothing stored.
    await third.player.page.getByLabel("Display name", { exact: true }).waitFor();
    expect(await third.player.page.evaluate("localStorage.getItem('ply:player')")).toBeNull();
    expect(players.flatMap((player) => player.errors)).toEqual([]);
  });
});
