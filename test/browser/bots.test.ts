/**
 * Clocks, draws and the computer, in real Chromium against a real `wrangler dev`: chess against
 * the random bot on a Fischer clock (moves by click, both clocks shown and the running one
 * ticking, a draw offer that lapses when the bot moves, then a resignation); Connect Four
 * against the search bot to the end; Crazy Eights against two bots with only the player's own
 * hand in the page, and its replay from the published seed; and a draw agreed between two
 * browsers in a private chess match. The tests run in order and share the players.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startDevServer, type DevServer } from "../e2e/server.ts";
import {
  ARTIFACTS,
  connectFourBoard,
  moveList,
  openPlayer,
  screenshot,
  type Player,
  signUp,
  waitForMoves,
  screenshotOnFailure,
} from "./harness.ts";

let server: DevServer;
let persistTo: string;
let dana: Player;
let eve: Player;

beforeAll(async () => {
  for (const player of ["dana", "eve"]) await rm(join(ARTIFACTS, `failed-${player}.png`), { force: true });
  persistTo = await mkdtemp(join(tmpdir(), "ply-browser-bots-"));
  server = await startDevServer(persistTo, await freePort());
  [dana, eve] = await Promise.all([
    openPlayer("Dana", { origin: server.origin, viewport: { width: 1280, height: 900 } }),
    openPlayer("Eve", { origin: server.origin, viewport: { width: 390, height: 800 }, colorScheme: "dark" }),
  ]);
});

afterAll(async () => {
  await Promise.all([dana, eve].map((player) => player?.close()));
  await server?.stop();
  if (persistTo) await rm(persistTo, { recursive: true, force: true });
});

screenshotOnFailure(() => [dana, eve]);

/** From the lobby: picks `game`, then starts a game against the computer with `bot`. */
async function playComputer(
  page: Page,
  game: string,
  bot: "random" | "search",
  choose?: () => Promise<void>,
): Promise<void> {
  await page.goto("/");
  await page.locator(`label[data-game="${game}"]`).click();
  await choose?.();
  await page.locator(`.computer-button[data-bot="${bot}"]`).click();
  await page.waitForURL(/\/m\/[A-Za-z0-9_-]+$/);
  await page.locator('.match[data-status="playing"][data-my-seat="0"]').waitFor();
}

/** Waits until it is this browser's turn (confirmed) or the match is over; true when it is the turn. */
async function myTurnOrOver(page: Page): Promise<boolean> {
  await page.waitForFunction(
    `document.querySelector(".match")?.dataset.status === "finished" ||
     (document.querySelector(".turn-line.mine") !== null && document.querySelectorAll(".moves li.pending").length === 0)`,
  );
  return (await page.locator(".match").getAttribute("data-status")) !== "finished";
}

/** Waits until the page shows more than `moves` moves, or the end. */
async function waitPast(page: Page, moves: number): Promise<void> {
  await page.waitForFunction(
    `Number(document.querySelector(".match")?.dataset.moves) > ${moves} || document.querySelector(".match")?.dataset.status === "finished"`,
  );
}

const movesShown = async (page: Page): Promise<number> =>
  Number(await page.locator(".match").getAttribute("data-moves"));

const clockOf = (page: Page, seat: number) => page.locator(`.seat[data-seat="${seat}"] .seat-clock`);

/** Clicks `from` then `to` on the chess board. */
async function chessMove(page: Page, from: string, to: string): Promise<void> {
  await page.locator(`[data-square="${from}"]`).click();
  await page.locator(`[data-square="${to}"]`).click();
}

/** Plays some legal move by click: selects each own piece until one shows a target square. */
async function anyChessMove(page: Page): Promise<void> {
  const mine = (await page.evaluate(
    `Array.from(document.querySelectorAll(".chess-sq"), (square) => square.querySelector('.chess-piece[data-color="w"]') ? square.dataset.square : null).filter(Boolean)`,
  )) as string[];
  for (const square of mine) {
    await page.locator(`[data-square="${square}"]`).click();
    const target = page.locator(".chess-sq.target").first();
    if ((await target.count()) === 0) continue;
    await target.click();
    // A pawn reaching the last rank asks what it becomes.
    const queen = page.locator('.chess-promo:not([hidden]) [data-piece="q"]');
    if (await queen.isVisible()) await queen.click();
    return;
  }
  throw new Error("no legal move found on the board");
}

describe("clocks, draws and the computer", () => {
  it("plays chess against the random bot on a 3+2 clock: moves, ticking clocks, a lapsed draw offer, a resignation", async () => {
    const page = dana.page;
    await signUp(dana);
    await playComputer(page, "chess", "random", async () => {
      await page.locator("#time-control").selectOption({ label: "3+2" });
      await screenshot(page, "lobby-computer");
    });
    expect(await page.locator(".badge.control").textContent()).toBe("3+2");
    // The bot's seat says what it is.
    const botSeat = page.locator('.seat[data-seat="1"]');
    await botSeat.locator(".seat-name", { hasText: "Computer (easy)" }).waitFor();
    await botSeat.locator('.seat-presence[data-state="online"]').waitFor();

    // Both clocks show three minutes; White's runs.
    await expect.poll(() => clockOf(page, 1).textContent()).toBe("3:00");
    await page.locator('.seat[data-seat="0"] .seat-clock.running').waitFor();
    const before = await clockOf(page, 0).textContent();
    expect(before).toMatch(/^[23]:\d\d$/);
    await page.waitForFunction(
      `document.querySelector('.seat[data-seat="0"] .seat-clock').textContent !== ${JSON.stringify(before)}`,
    );

    // 1. e4 by click; the bot answers and its clock takes over, then hands back.
    await chessMove(page, "e2", "e4");
    await waitForMoves(page, 2);
    await chessMove(page, "g1", "f3");
    await waitForMoves(page, 4);
    // Chess reads like chess: numbered pairs in SAN.
    expect((await moveList(page))[0]).toBe("1. e4");
    expect((await moveList(page))[1]).toMatch(/^[a-hKQRBNO][a-h1-8x=+#O-]*$/);
    // Fischer: each side got 2 s back per move, so the clocks read about 3 minutes still.
    expect(await clockOf(page, 1).textContent()).toMatch(/^3:0\d$|^2:5\d$/);
    await screenshot(page, "chess-vs-bot");

    // A draw offer: pending until the bot moves, which declines it.
    await page.locator("#offer-draw").click();
    await page.locator("#offer-draw.pending").waitFor();
    expect(await page.locator("#offer-draw").textContent()).toBe("Draw offered");
    expect(await page.locator("#offer-draw").isDisabled()).toBe(true);
    await page.locator(".moves li", { hasText: "offered a draw" }).waitFor();
    await screenshot(page, "chess-draw-offered");
    await anyChessMove(page);
    await waitForMoves(page, 6);
    await page.locator("#offer-draw:not(.pending):not([disabled])").waitFor();
    expect(await page.locator("#offer-draw").textContent()).toBe("Offer draw");

    // Resign: the result names it.
    await page.locator("#resign").click();
    await page.locator("#resign-confirm").click();
    await page.locator('.match[data-status="finished"] .result').waitFor();
    expect(await page.locator(".result").textContent()).toMatch(/You lost.*You resigned/);
    // The clocks stop where they stood.
    const stopped = await clockOf(page, 0).textContent();
    expect(stopped).toMatch(/^\d:\d\d$/);
    expect(await page.locator(".seat-clock.running").count()).toBe(0);
    await screenshot(page, "chess-resigned");
  });

  it("plays Connect Four against the search bot to the end", async () => {
    const page = dana.page;
    await playComputer(page, "connect-four", "search");
    // Centre first, then the leftmost column with room.
    const order = [3, 2, 4, 1, 5, 0, 6];
    while (await myTurnOrOver(page)) {
      const moves = await movesShown(page);
      const board = (await connectFourBoard(page)).split("|");
      const column = order.find((index) => board[index]?.includes("."));
      if (column === undefined) throw new Error("a full board with the match still on");
      await page.getByRole("button", { name: `Column ${column + 1}`, exact: true }).click();
      await waitPast(page, moves);
    }
    await page.locator(".result").waitFor();
    const result = (await page.locator(".result").textContent()) ?? "";
    expect(result).toMatch(/You lost|Draw|You won!/);
    const moves = await moveList(page);
    expect(moves.length).toBeGreaterThanOrEqual(7);
    for (const [index, line] of moves.entries()) expect(line).toContain(index % 2 === 0 ? "Dana" : "Computer (strong)");
    await screenshot(page, "connect-four-vs-search");
  });

  it("plays Crazy Eights against two bots with only the player's own hand in the page, then replays the deal", async () => {
    const page = dana.page;
    await playComputer(page, "crazy-eights", "random", () =>
      page
        .locator("#bot-count")
        .selectOption("2")
        .then(() => {}),
    );
    expect(await page.locator(".seat.bot").count()).toBe(2);
    let turnsEnded = 0;
    while (turnsEnded < 3 && (await myTurnOrOver(page))) {
      const moves = await movesShown(page);
      const card = page.locator('.c8-in-hand[data-playable="true"]').first();
      if ((await card.count()) > 0) {
        await card.click();
        // An 8 names a suit.
        const suit = page.locator(".c8-picker:not([hidden]) .c8-suit").first();
        if (await suit.isVisible()) await suit.click();
        turnsEnded++;
      } else if (await page.locator(".c8-pass").isVisible()) {
        await page.locator(".c8-pass").click();
        turnsEnded++;
      } else await page.locator(".c8-draw").click();
      await waitPast(page, moves);
      if (turnsEnded === 1) await screenshot(page, "crazy-eights-vs-bots");
    }
    expect(turnsEnded).toBeGreaterThan(0);
    // One hand in the page, ours; the others are counts only.
    expect(await page.locator(".c8-hand").count()).toBe(1);
    expect(await page.locator(".c8-in-hand").count()).toBeGreaterThan(0);
    const cards = (await page.evaluate(
      `Array.from(document.querySelectorAll("[data-card]"), (node) => node.classList.contains("c8-in-hand") || node.classList.contains("c8-pile") ? "" : node.outerHTML).filter(Boolean)`,
    )) as string[];
    expect(cards).toEqual([]);
    expect(await page.locator(".c8-seat-count").allTextContents()).toHaveLength(3);

    if ((await page.locator(".match").getAttribute("data-status")) === "playing") {
      await page.locator("#resign").click();
      await page.locator("#resign-confirm").click();
    }
    await page.locator('.match[data-status="finished"] .result').waitFor();
    const played = await movesShown(page);
    // The replay deals the same cards from the published seed and plays every move.
    await page.locator("#replay-link").click();
    await page.getByText(`Start · ${played} moves`).waitFor();
    await page.keyboard.press("End");
    await page.getByText(`Move ${played} of ${played}`).waitFor();
    await page.locator(".replay .result").waitFor();
    await screenshot(page, "crazy-eights-replay");
  });

  it("agrees a draw between two browsers in a private chess match, after one declined offer", async () => {
    await signUp(eve);
    await eve.page.locator('label[data-game="crazy-eights"]').click();
    await screenshot(eve.page, "lobby-computer-phone");
    const host = dana.page;
    await host.goto("/");
    await host.locator('label[data-game="chess"]').click();
    await host.locator("#time-control").selectOption({ label: "5+0" });
    await host.locator("#spectator-delay").selectOption({ label: "2 moves behind" });
    await host.locator("#private-match").click();
    const code = (await host.locator("#invite-code-value").textContent()) ?? "";
    await eve.page.goto(`/i/${code}`);
    for (const player of [dana, eve]) await player.page.locator('.match[data-status="playing"]').waitFor();
    expect(await eve.page.locator(".badge.control").textContent()).toBe("5+0");
    await chessMove(host, "e2", "e4");
    await waitForMoves(eve.page, 1);

    // Dana offers; Eve sees the prompt and declines; the offer is gone for both.
    await host.locator("#offer-draw").click();
    const prompt = eve.page.locator(".draw-prompt");
    await prompt.waitFor();
    expect(await prompt.textContent()).toContain("Dana offers a draw.");
    await screenshot(eve.page, "draw-prompt-phone");
    await eve.page.locator("#decline-draw").click();
    await prompt.waitFor({ state: "hidden" });
    await host.locator(".moves li", { hasText: "declined the draw" }).waitFor();
    await host.locator("#offer-draw:not(.pending):not([disabled])").waitFor();

    // Offered again, and accepted.
    await host.locator("#offer-draw").click();
    await host.locator("#offer-draw.pending").waitFor();
    await prompt.waitFor();
    await eve.page.locator("#accept-draw").click();
    for (const player of [dana, eve]) {
      await player.page.locator('.match[data-status="finished"] .result').waitFor();
      expect(await player.page.locator(".result").textContent()).toMatch(/^Draw\s*By agreement\.$/);
      await player.page.locator(".moves li", { hasText: "agreed to a draw" }).waitFor();
    }
    await screenshot(host, "draw-agreed");
  });

  it("threw no uncaught error in any page", () => {
    expect([...dana.errors, ...eve.errors]).toEqual([]);
  });
});
