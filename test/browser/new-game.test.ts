/**
 * The scaffold's game plays in the browser with no edit: `npm run new-game`'s output, written
 * into a copy of the project (never the tree), built with Vite and served by its own
 * `wrangler dev`, is picked in the lobby and played in Chromium against the random bot.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startDevServer, type DevServer } from "../e2e/server.ts";
import { copyWithGame, type ProjectCopy } from "../scaffold-copy.ts";
import { moveList, openPlayer, screenshot, type Player } from "./harness.ts";

const ID = "pile-of-counters";
let copy: ProjectCopy;
let server: DevServer;
let persistTo: string;
let hana: Player;

beforeAll(async () => {
  copy = copyWithGame(ID);
  const built = copy.run("vite/bin/vite.js", ["build", "--logLevel", "error"]);
  if (built.status !== 0) throw new Error(`the copy did not build:\n${built.output}`);
  persistTo = await mkdtemp(join(tmpdir(), "ply-browser-new-game-"));
  server = await startDevServer(persistTo, await freePort(), "warn", copy.root);
  hana = await openPlayer("Hana", { origin: server.origin, viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await hana?.close();
  await server?.stop();
  if (persistTo) await rm(persistTo, { recursive: true, force: true });
  copy?.remove();
});

describe("a game fresh from the scaffold", () => {
  it("is in the lobby and plays to the end against the random bot", async () => {
    const page = hana.page;
    await page.goto("/");
    await page.getByLabel("Display name", { exact: true }).fill("Hana");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.locator(`label[data-game="${ID}"]`).click();
    await page.locator('.computer-button[data-bot="random"]').click();
    await page.locator('.match[data-status="playing"][data-my-seat="0"]').waitFor();
    await page.locator(`.${ID}-board`).waitFor();
    expect(await page.locator(`.${ID}-pile span`).count()).toBe(15);

    // Take one counter a turn until someone takes the last.
    for (let turn = 0; turn < 15; turn++) {
      await page.waitForFunction(
        `document.querySelector(".match")?.dataset.status === "finished" ||
         (document.querySelector(".turn-line.mine") !== null && document.querySelectorAll(".moves li.pending").length === 0)`,
      );
      if ((await page.locator(".match").getAttribute("data-status")) === "finished") break;
      await page.getByRole("button", { name: "Take 1" }).click();
      await page.locator(".moves li.move:not(.pending)", { hasText: "Hana" }).nth(turn).waitFor();
    }
    await page.locator('.match[data-status="finished"] .result').waitFor();
    expect(await page.locator(".result").textContent()).toMatch(/You won!|You lost/);
    expect(await page.locator(`.${ID}-pile span`).count()).toBe(0);
    expect((await moveList(page)).filter((line) => line.includes("Hana took 1")).length).toBeGreaterThan(0);
    await screenshot(page, "new-game-placeholder");
    expect(hana.errors).toEqual([]);
  });
});
