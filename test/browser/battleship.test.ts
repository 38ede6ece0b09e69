/**
 * Battleship in real Chromium against a real `wrangler dev`: against the search bot (shuffle,
 * ready, shots by click, the bot's shots on the player's sea, a resignation), and between two
 * people by invite link, placing at the same time and firing until one fleet is sunk, then its
 * replay. The tests run in order and share the players.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startDevServer, type DevServer } from "../e2e/server.ts";
import { ARTIFACTS, moveList, openPlayer, screenshot, type Player, screenshotOnFailure, signUp } from "./harness.ts";

let server: DevServer;
let persistTo: string;
let finn: Player;
let gail: Player;

beforeAll(async () => {
  persistTo = await mkdtemp(join(tmpdir(), "ply-browser-battleship-"));
  server = await startDevServer(persistTo, await freePort());
  [finn, gail] = await Promise.all([
    openPlayer("Finn", { origin: server.origin, viewport: { width: 1280, height: 900 } }),
    openPlayer("Gail", { origin: server.origin, viewport: { width: 390, height: 800 }, colorScheme: "dark" }),
  ]);
  for (const player of [finn, gail])
    await rm(join(ARTIFACTS, `failed-${player.name.toLowerCase()}.png`), { force: true });
});

afterAll(async () => {
  await Promise.all([finn, gail].map((player) => player?.close()));
  await server?.stop();
  if (persistTo) await rm(persistTo, { recursive: true, force: true });
});

screenshotOnFailure(() => [finn, gail]);

/** Waits until the page shows at least `moves` moves, all confirmed. */
async function waitForMoves(page: Page, moves: number): Promise<void> {
  await page.waitForFunction(
    `Number(document.querySelector(".match")?.dataset.moves) >= ${moves} && document.querySelectorAll(".moves li.pending").length === 0`,
  );
}

const sea = (page: Page, seat: number) => page.locator(`.bs-sea[data-seat="${seat}"]`);

/** The cells of a sea drawn with a ship on them. */
async function shipCells(page: Page, seat: number): Promise<number[]> {
  const cells = (await page.evaluate(
    `Array.from(document.querySelectorAll('.bs-sea[data-seat="${seat}"] .bs-cell.ship'), (cell) => Number(cell.dataset.cell))`,
  )) as number[];
  return cells;
}

/** Waits for this browser's turn to fire (confirmed), then clicks `cell` of the enemy sea. */
async function fire(page: Page, enemy: number, cell: number): Promise<void> {
  await page.locator(`.bs-sea[data-seat="${enemy}"] .bs-grid.firing`).waitFor();
  await page.waitForFunction(`document.querySelectorAll(".moves li.pending").length === 0`);
  await sea(page, enemy).locator(`[data-cell="${cell}"]`).click();
  await sea(page, enemy)
    .locator(`[data-cell="${cell}"][data-shot="hit"], [data-cell="${cell}"][data-shot="miss"]`)
    .waitFor();
}

describe("Battleship in the browser", () => {
  it("plays against the search bot: shuffle, ready, shots both ways, then a resignation", async () => {
    const page = finn.page;
    await signUp(finn);
    await page.locator('label[data-game="battleship"]').click();
    await page.locator('.computer-button[data-bot="search"]').click();
    await page.waitForURL(/\/m\/[A-Za-z0-9_-]+$/);
    await page.locator('.match[data-status="playing"][data-my-seat="0"]').waitFor();

    // Placing: the player's own fleet (17 cells) and none of the bot's.
    await page.locator(".bs-actions:not([hidden]) .bs-shuffle:not([disabled])").waitFor();
    expect(await shipCells(page, 0)).toHaveLength(17);
    expect(await shipCells(page, 1)).toEqual([]);
    const dealt = await shipCells(page, 0);
    await page.getByRole("button", { name: "Shuffle fleet" }).click();
    await page.locator(".moves li", { hasText: "a new deal" }).waitFor();
    await page.waitForFunction(
      `JSON.stringify(Array.from(document.querySelectorAll('.bs-sea[data-seat="0"] .bs-cell.ship'), (cell) => Number(cell.dataset.cell))) !== ${JSON.stringify(JSON.stringify(dealt))}`,
    );
    await screenshot(page, "battleship-placing");
    await page.getByRole("button", { name: "Ready" }).click();

    // Eight shots each, along the diagonal; the bot's shots land on the player's sea.
    for (let shot = 0; shot < 8; shot++) {
      await fire(page, 1, shot * 11);
      await waitForMoves(page, 3 + 2 * (shot + 1));
    }
    expect(await sea(page, 0).locator('.bs-cell[data-shot="hit"], .bs-cell[data-shot="miss"]').count()).toBe(8);
    expect(await shipCells(page, 1)).toEqual([]);
    const lines = await moveList(page);
    expect(lines.some((line) => line.includes("Finn") && line.includes("a shot at A1"))).toBe(true);
    expect(lines.some((line) => line.includes("Computer (strong)") && line.includes("a shot at"))).toBe(true);
    await screenshot(page, "battleship-vs-bot");

    await page.locator("#resign").click();
    await page.locator("#resign-confirm").click();
    await page.locator('.match[data-status="finished"] .result').waitFor();
    expect(await page.locator(".result").textContent()).toMatch(/You lost.*You resigned/);
    // A resignation ends the match off the board: both fleets are shown, the bot's too.
    expect(await shipCells(page, 0)).toHaveLength(17);
    await page.locator('.bs-sea[data-seat="1"] .bs-cell.ship').first().waitFor();
    expect(await shipCells(page, 1)).toHaveLength(17);
    await screenshot(page, "battleship-vs-bot-over");
  });

  it("plays a person by invite link: both place at once, then Finn sinks Gail's fleet", async () => {
    await signUp(gail);
    const host = finn.page;
    await host.goto("/");
    await host.locator('label[data-game="battleship"]').click();
    await host.locator("#private-match").click();
    const code = (await host.locator("#invite-code-value").textContent()) ?? "";
    await gail.page.goto(`/i/${code}`);
    for (const player of [finn, gail]) {
      await player.page.locator('.match[data-status="playing"]').waitFor();
      await player.page.locator(".bs-actions:not([hidden]) .bs-ready:not([disabled])").waitFor();
    }
    // Both may act: each page says it is its turn.
    for (const player of [finn, gail]) expect(await player.page.locator(".turn-line.mine").count()).toBe(1);

    // Simultaneous placement: Gail readies, Finn shuffles and readies, in no agreed order.
    await Promise.all([
      gail.page.getByRole("button", { name: "Ready" }).click(),
      host.getByRole("button", { name: "Shuffle fleet" }).click(),
    ]);
    await waitForMoves(host, 2);
    await host.getByRole("button", { name: "Ready" }).click();
    await waitForMoves(gail.page, 3);
    expect(await gail.page.locator(".match").getAttribute("data-my-seat")).toBe("1");
    const target = await shipCells(gail.page, 1);
    expect(target).toHaveLength(17);
    expect(await shipCells(host, 1)).toEqual([]);
    const finnShips = new Set(await shipCells(host, 0));
    const misses = [...Array(100).keys()].filter((cell) => !finnShips.has(cell));
    await screenshot(gail.page, "battleship-person-phone");

    for (const [index, cell] of target.entries()) {
      await fire(host, 1, cell);
      if (index === target.length - 1) break;
      await fire(gail.page, 0, misses[index]!);
    }
    for (const player of [finn, gail]) await player.page.locator('.match[data-status="finished"] .result').waitFor();
    expect(await host.locator(".result").textContent()).toMatch(/You won!/);
    expect(await gail.page.locator(".result").textContent()).toMatch(/You lost/);
    expect(await sea(host, 1).locator(".bs-cell.sunk").count()).toBe(17);
    // The game is over: Gail now sees Finn's fleet too.
    expect(new Set(await shipCells(gail.page, 0))).toEqual(finnShips);
    await screenshot(host, "battleship-person-won");

    // The replay folds the log from the published seed: the same fleets, shot by shot.
    const played = Number(await host.locator(".match").getAttribute("data-moves"));
    await host.locator("#replay-link").click();
    await host.getByText(`Start · ${played} moves`).waitFor();
    expect(await host.locator('.bs-cell[data-shot="hit"], .bs-cell[data-shot="miss"]').count()).toBe(0);
    await host.keyboard.press("End");
    await host.getByText(`Move ${played} of ${played}`).waitFor();
    expect(await sea(host, 1).locator(".bs-cell.sunk").count()).toBe(17);
    expect(new Set(await shipCells(host, 0))).toEqual(finnShips);
    await screenshot(host, "battleship-replay");
  });

  it("threw no uncaught error in any page", () => {
    expect([...finn.errors, ...gail.errors]).toEqual([]);
  });
});
