/**
 * Players always know where they stand, in real Chromium against a real `wrangler dev`: the
 * turn line, messages, result and actions of every game are in view at 1280×800 and 390×844;
 * chess reads as numbered SAN pairs with its FEN to copy and its PGN to download (on the match
 * and the replay); bots are named by strength and never cut; a name of spaces gets a message
 * and refusals show no machine code; a rated quick match says "Rated", shows provisional
 * ratings and then each player's rating change; and a lost connection shows on the player's
 * own page within 3 s and as "connection lost" to the opponent within 10 s, with a move made
 * offline shown as not sent and delivered once back. The tests run in order.
 */
import { readFile, rm } from "node:fs/promises";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startDevServer, type DevServer } from "../e2e/server.ts";
import {
  ARTIFACTS,
  moveList,
  openPlayer,
  screenshot,
  storedAccount,
  type Player,
  screenshotOnFailure,
  signUp,
  post,
} from "./harness.ts";

let server: DevServer;
let persistTo: string;
/** A laptop at 1280×800 and a phone at 390×844: the sizes the page must fit. */
let ada: Player;
let bo: Player;

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

beforeAll(async () => {
  for (const player of ["ada", "bo"]) await rm(join(ARTIFACTS, `failed-${player}.png`), { force: true });
  persistTo = await mkdtemp(join(tmpdir(), "ply-browser-standing-"));
  server = await startDevServer(persistTo, await freePort());
  [ada, bo] = await Promise.all([
    openPlayer("Ada", { origin: server.origin, viewport: DESKTOP }),
    openPlayer("Bo", { origin: server.origin, viewport: PHONE }),
  ]);
});

afterAll(async () => {
  await Promise.all([ada, bo].map((player) => player?.close()));
  await server?.stop();
  if (persistTo) await rm(persistTo, { recursive: true, force: true });
});

screenshotOnFailure(() => [ada, bo]);

/** Creates a match of `game` for `player` against random bots and opens it. */
async function playBots(player: Player, game: string, bots: string[] = ["random"]): Promise<string> {
  const { token } = await storedAccount(player.page);
  const created = await post(server.origin, "/api/matches", { game, bots }, token);
  const id = String(created.matchId);
  await player.page.goto(`/m/${id}`);
  // A table for more (Crazy Eights) waits for its creator to start it.
  await player.page.locator('.match[data-status="playing"], #start-match:not([hidden])').first().waitFor();
  if (await player.page.locator("#start-match").isVisible()) await player.page.locator("#start-match").click();
  await player.page.locator('.match[data-status="playing"][data-my-seat="0"]').waitFor();
  return id;
}

/** Asserts `locator` is visible and wholly inside the window, with the page scrolled to the top. */
async function inView(page: Page, locator: Locator, what: string): Promise<void> {
  await locator.waitFor();
  expect(await page.evaluate("window.scrollY"), `${what}: the page scrolled`).toBe(0);
  const box = await locator.boundingBox();
  const size = page.viewportSize()!;
  expect(box, `${what} has no box`).not.toBeNull();
  const where = `${what} at x ${box!.x}–${box!.x + box!.width}, y ${box!.y}–${box!.y + box!.height} in ${size.width}×${size.height}`;
  expect(box!.y >= 0 && box!.x >= 0, where).toBe(true);
  expect(box!.y + box!.height <= size.height && box!.x + box!.width <= size.width, where).toBe(true);
  // Nothing is wider than the screen (a header that overflows makes the whole page scroll sideways).
  expect(
    await page.evaluate("document.documentElement.scrollWidth"),
    `${what}: the page is wider than the screen`,
  ).toBe(size.width);
}

async function chessMove(page: Page, from: string, to: string): Promise<void> {
  await page.locator(`[data-square="${from}"]`).click();
  await page.locator(`[data-square="${to}"]`).click();
}

async function resign(page: Page): Promise<void> {
  await page.locator("#resign").click();
  await page.locator("#resign-confirm").click();
  await page.locator('.match[data-status="finished"] .result').waitFor();
}

/** The move list as one line of text ("1. e4 Nc6 2. Nf3"), pending moves excluded. */
async function movesLine(page: Page): Promise<string> {
  return (await moveList(page)).join(" ");
}

/** Clicks the PGN link and returns the file it downloads. */
async function downloadPgn(page: Page): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#download-pgn").click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: await readFile(path, "utf8") };
}

describe("players always know where they stand", () => {
  it("answers a name of only spaces with a message, not silence", async () => {
    const page = ada.page;
    await page.goto("/");
    const name = page.getByLabel("Display name", { exact: true });
    await name.fill("   ");
    await page.getByRole("button", { name: "Continue" }).click();
    const error = page.locator(".name-form #name-error");
    await error.waitFor();
    expect(await error.textContent()).toMatch(/spaces alone are not a name/);
    await name.fill("Ada");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.locator("#quick-match").waitFor();
    await signUp(bo);
  });

  it("keeps the turn line, messages, the result and the actions in view in every game, at 1280×800 and 390×844", async () => {
    const { games } = (await (await fetch(`${server.origin}/api/games`)).json()) as { games: { id: string }[] };
    expect(games.map((game) => game.id)).toEqual(expect.arrayContaining(["chess", "connect-four", "tic-tac-toe"]));
    for (const player of [ada, bo]) {
      const page = player.page;
      const size = player === ada ? "desktop" : "phone";
      for (const { id: game } of games) {
        await playBots(player, game);
        const where = `${game} at ${size}`;
        await inView(page, page.locator(".turn-line"), `${where}: the turn line`);
        await inView(page, page.locator(".notice"), `${where}: the message line`);
        await inView(page, page.locator("#resign"), `${where}: Resign`);
        await inView(page, page.locator("#offer-draw"), `${where}: Offer draw`);
        if (game === "chess") {
          // The measured case: an illegal move's message used to sit below the fold.
          await chessMove(page, "e2", "e5");
          await page.locator(".notice.shown").waitFor();
          await inView(page, page.locator(".notice.shown"), `${where}: the illegal-move message`);
          expect(await page.locator(".notice").textContent()).toContain("e2–e5 is not a legal move here.");
          // The code is for tests: in an attribute, never in the sentence.
          expect(await page.locator(".notice").textContent()).not.toContain("illegal-move");
          expect(await page.locator(".notice").getAttribute("data-code")).toBe("illegal-move");
          await screenshot(page, `match-chess-${size}`);
        }
        await resign(page);
        await inView(page, page.locator(".result"), `${where}: the result`);
        await inView(page, page.locator("#rematch"), `${where}: Rematch`);
        await inView(page, page.locator("#replay-link"), `${where}: the replay link`);
        if (game === "chess") await screenshot(page, `match-chess-finished-${size}`);
        if (game === "connect-four") await screenshot(page, `match-connect-four-finished-${size}`);
      }
    }
    expect(ada.errors).toEqual([]);
  });

  it("writes chess moves as numbered SAN pairs, with the FEN to copy and the PGN to download, on the match and the replay", async () => {
    const page = ada.page;
    const id = await playBots(ada, "chess");
    await chessMove(page, "e2", "e4");
    await page.locator('.match[data-moves="2"]').waitFor();
    await page.waitForFunction(`document.querySelectorAll(".moves li.move:not(.pending)").length === 2`);
    await chessMove(page, "g1", "f3");
    await page.locator('.match[data-moves="4"]').waitFor();
    await page.waitForFunction(`document.querySelectorAll(".moves li.move:not(.pending)").length === 4`);
    const line = await movesLine(page);
    expect(line).toMatch(/^1\. e4 [a-hKQRBNO][\w=+#-]* 2\. Nf3 [a-hKQRBNO][\w=+#-]*$/);
    const fen = await page.locator("#fen").inputValue();
    expect(fen).toMatch(/^[rnbqkpRNBQKP1-8/]+ w [KQkq-]+ [a-h1-8-]+ \d+ 3$/);
    await ada.context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.locator("#copy-fen").click();
    await page.getByText("FEN copied.").waitFor();
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(fen);
    // The PGN comes with the end.
    expect(await page.locator("#download-pgn").isVisible()).toBe(false);
    await resign(page);
    const pgn = await downloadPgn(page);
    expect(pgn.name).toBe(`ply-${id}.pgn`);
    expect(pgn.text).toContain('[White "Ada"]');
    expect(pgn.text).toContain('[Black "Computer (easy)"]');
    expect(pgn.text).toContain('[Result "0-1"]');
    expect(pgn.text.replace(/\s+/g, " ")).toContain(`${line} 0-1`);

    await page.locator("#replay-link").click();
    await page.waitForURL(`**/r/${id}`);
    await page.getByText("Start · 4 moves").waitFor();
    // biome-ignore lint/performance/useDomNodeTextContent: the text as a player sees it, laid out
    expect((await page.locator(".replay-moves").innerText()).replace(/\s+/g, " ").trim()).toBe(line);
    expect(await page.locator("#fen").inputValue()).toBe("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1");
    await page.keyboard.press("End");
    await page.getByText("Move 4 of 4").waitFor();
    expect(await page.locator("#fen").inputValue()).toBe(fen);
    expect((await downloadPgn(page)).text).toBe(pgn.text);
    await screenshot(page, "replay-chess");
  });

  it("names bots by strength, tells several apart, and never cuts their names on a phone", async () => {
    const page = bo.page;
    await playBots(bo, "crazy-eights", ["random", "random"]);
    const names = await page.locator(".seat:not([hidden]) .seat-name").allTextContents();
    expect(names).toEqual(["Bo", "Computer (easy) 1", "Computer (easy) 2"]);
    await playBots(bo, "connect-four", ["search"]);
    expect(await page.locator('.seat[data-seat="1"] .seat-name').textContent()).toBe("Computer (strong)");
    // Cut text overflows its box: every name fits.
    const cut = await page.evaluate(
      `Array.from(document.querySelectorAll(".seat:not([hidden]) .seat-name")).filter((name) => name.scrollWidth > name.clientWidth).map((name) => name.textContent)`,
    );
    expect(cut).toEqual([]);
    await screenshot(page, "seats-bots-phone");
    await resign(page);
  });

  let seated: [Player, Player];

  it("says a quick match is rated and shows new players' ratings as provisional", async () => {
    for (const player of [ada, bo]) {
      await player.page.goto("/");
      await player.page.locator('label[data-game="connect-four"]').click();
    }
    await ada.page.locator("#quick-match").click();
    await ada.page.locator(".waiting").waitFor();
    await bo.page.locator("#quick-match").click();
    for (const player of [ada, bo]) {
      await player.page.waitForURL(/\/m\/[A-Za-z0-9_-]+$/);
      await player.page.locator('.match[data-status="playing"]').waitFor();
    }
    const adaSeat = Number(await ada.page.locator(".match").getAttribute("data-my-seat"));
    seated = adaSeat === 0 ? [ada, bo] : [bo, ada];
    for (const player of [ada, bo]) {
      expect(await player.page.locator(".badge.rated").textContent()).toBe("Rated");
      // Neither has played a rated game: the start rating, marked provisional, not "Unrated".
      for (const seat of [0, 1])
        await player.page.locator(`.seat[data-seat="${seat}"] .seat-rating`, { hasText: /^1500\?$/ }).waitFor();
      expect(await player.page.locator(".seat-rating", { hasText: "Unrated" }).count()).toBe(0);
    }
  });

  it("shows a lost connection within 3 s on the player's own page and within 10 s to the opponent, and sends a move made offline once back", async () => {
    const [first, second] = seated;
    const away = second.page.locator(`.seat[data-seat="0"] .seat-presence[data-state="away"]`);
    await first.page.locator(".turn-line.mine").waitFor();
    await first.context.setOffline(true);
    try {
      // The browser's own offline event: shown at once (the heartbeat is the backstop).
      await first.page.locator(".banner.offline").waitFor({ timeout: 3_000 });
      expect(await first.page.locator('.seat[data-seat="0"] .seat-presence').textContent()).toBe("offline");
      // A move made offline is drawn, and says it is not sent.
      await first.page.getByRole("button", { name: "Column 4", exact: true }).click();
      const pending = first.page.locator(".moves li.pending");
      await pending.waitFor();
      expect(await pending.textContent()).toContain("not sent yet");
      expect(await first.page.locator(".turn-line").textContent()).toMatch(/your move is not sent yet/);
      // The socket stays open under Chromium's offline emulation but says nothing more: the server
      // notices the silence (the runtime answers heartbeats, the match checks their times).
      await away.waitFor({ timeout: 10_000 });
      expect(await away.textContent()).toMatch(/^connection lost · forfeits in \d:\d\d$/);
      await screenshot(first.page, `match-offline-${first === ada ? "desktop" : "phone"}`);
      await screenshot(second.page, `match-opponent-lost-${second === ada ? "desktop" : "phone"}`);
    } finally {
      await first.context.setOffline(false);
    }
    await first.page.locator(".banner.offline").waitFor({ state: "hidden" });
    for (const player of [first, second]) {
      await player.page.locator('.match[data-moves="1"]').waitFor();
      await player.page.waitForFunction(`document.querySelectorAll(".moves li.move:not(.pending)").length === 1`);
    }
    // (A phone shows presence only when it is bad news: the element is there, hidden.)
    await second.page
      .locator(`.seat[data-seat="0"] .seat-presence[data-state="online"]`)
      .waitFor({ state: "attached" });
  });

  it("shows each player their rating change after the rated game, on the result and on their page", async () => {
    const [first, second] = seated;
    await resign(second.page);
    await first.page.locator('.match[data-status="finished"] .result').waitFor();
    const winner = first.page.locator(".result-rating");
    const loser = second.page.locator(".result-rating");
    await winner.filter({ hasText: /^Your rating: \d+\?? \(\+\d+\)$/ }).waitFor({ timeout: 30_000 });
    await loser.filter({ hasText: /^Your rating: \d+\?? \(−\d+\)$/ }).waitFor({ timeout: 30_000 });
    await inView(second.page, loser, "the rating change");
    const delta = Number(await winner.getAttribute("data-delta"));
    expect(delta).toBeGreaterThan(0);
    await screenshot(second.page, "match-rated-result-phone");
    // The name in the header opens the account page, which links to the player's own page.
    await first.page.locator("#me").click();
    await first.page.locator(".account .profile-link").click();
    await first.page.locator(".profile").waitFor();
    const change = first.page.locator(".recent .rating-change").first();
    expect(await change.getAttribute("data-delta")).toBe(`+${delta}`);
    expect(await first.page.locator('.ratings tr[data-game="connect-four"]').textContent()).toMatch(/\d+\?/);
    await screenshot(first.page, "profile");
  });

  it("threw no uncaught error in any page", () => {
    expect([...ada.errors, ...bo.errors]).toEqual([]);
  });
});
