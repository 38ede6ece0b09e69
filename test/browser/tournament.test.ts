/**
 * A short arena in real Chromium against a real `wrangler dev`: four browser players join from
 * the tournament page; each one's games open by themselves (nobody clicks a link to a match),
 * the one in seat 1 resigns each game, a fifth browser watches the standings move, and all
 * see the podium when it is over.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StandingsPage, TournamentSummary } from "../../shared/tournament.ts";
import { freePort, startDevServer, type DevServer } from "../e2e/server.ts";
import { ARTIFACTS, openPlayer, screenshot, type Player, screenshotOnFailure, signUp } from "./harness.ts";

let server: DevServer;
let persistTo: string;
let players: Player[] = [];
let watcher: Player;

const VIEWPORT = { width: 900, height: 760 };

beforeAll(async () => {
  for (const name of ["ada", "ben", "cy", "dee", "watcher"])
    await rm(join(ARTIFACTS, `failed-t-${name}.png`), { force: true });
  persistTo = await mkdtemp(join(tmpdir(), "ply-browser-tournament-"));
  server = await startDevServer(persistTo, await freePort());
  players = await Promise.all(
    ["Ada", "Ben", "Cy", "Dee"].map((name) => openPlayer(name, { origin: server.origin, viewport: VIEWPORT })),
  );
  watcher = await openPlayer("Watcher", { origin: server.origin, viewport: VIEWPORT });
});

afterAll(async () => {
  await Promise.all([...players, watcher].map((player) => player?.close()));
  await server?.stop();
  if (persistTo) await rm(persistTo, { recursive: true, force: true });
});

screenshotOnFailure(
  () => [...players, watcher],
  (player) => `failed-t-${player.name.toLowerCase()}`,
);

async function summary(id: string): Promise<TournamentSummary> {
  return (await (await fetch(`${server.origin}/api/tournaments/${id}`)).json()) as TournamentSummary;
}

/** The match a page shows, once it is a match page. */
function matchOf(page: Page): string | null {
  const found = /\/m\/([A-Za-z0-9_-]+)$/.exec(new URL(page.url()).pathname);
  return found?.[1] ?? null;
}

/**
 * Plays one player's part until the tournament is over: every game they are paired in must
 * open by itself; in seat 1 they resign it (after a short pause, so the standings can be seen
 * moving), in seat 0 they wait for the next. Returns the matches they played.
 */
async function playOut(player: Player, id: string): Promise<string[]> {
  const played: string[] = [];
  for (;;) {
    const status = (await summary(id)).status;
    if (status === "finished") return played;
    const current = matchOf(player.page);
    if (current === null || played.includes(current)) {
      // Waiting for the next game to open by itself (or for the end).
      await player.page
        .waitForURL((url) => /^\/m\//.test(url.pathname) && !played.includes(url.pathname.slice(3)), { timeout: 3_000 })
        .catch(() => {});
      continue;
    }
    played.push(current);
    const match = player.page.locator(".match");
    await player.page.locator('.match[data-status="playing"], .match[data-status="finished"]').waitFor();
    await player.page.waitForFunction(`document.querySelector(".match")?.dataset.mySeat !== ""`);
    if ((await match.getAttribute("data-my-seat")) === "1" && (await match.getAttribute("data-status")) === "playing") {
      await player.page.waitForTimeout(1_500);
      await player.page.locator("#resign").click();
      await player.page.locator("#resign-confirm").click();
    }
    // Over, or already left for the next game (which opens 300 ms after the result).
    await player.page.waitForFunction(
      `location.pathname !== "/m/${current}" || document.querySelector(".match")?.dataset.status === "finished"`,
      undefined,
      { timeout: 90_000 },
    );
  }
}

describe("a short arena in the browser", () => {
  it("opens each player's games by themselves, moves the standings, and ends on the podium", async () => {
    await Promise.all(players.map((player) => signUp(player)));
    const [ada] = players as [Player];
    // Ada creates a one-minute arena of Tic-tac-toe starting in 15 seconds.
    await ada.page.goto("/tournaments");
    await ada.page.locator("#t-name").fill("Browser arena");
    await ada.page.locator("#t-game").selectOption("tic-tac-toe");
    await ada.page.locator("#t-kind").selectOption("arena");
    await ada.page.locator("#t-duration").selectOption(String(60_000));
    await ada.page.locator("#t-starts").selectOption(String(15_000));
    await screenshot(ada.page, "tournament-create");
    await ada.page.getByRole("button", { name: "Create tournament" }).click();
    await ada.page.waitForURL(/\/t\/[A-Za-z0-9_-]+$/);
    const id = new URL(ada.page.url()).pathname.slice(3);
    // Everyone joins from the tournament page; the watcher just watches it.
    await Promise.all(
      players.map(async (player) => {
        if (player !== ada) await player.page.goto(`/t/${id}`);
        await player.page.locator("#t-join").click();
        await player.page.locator("#t-withdraw").waitFor();
      }),
    );
    await watcher.page.goto(`/t/${id}`);
    await watcher.page.getByText(/Starts in/).waitFor();
    // The standings come with the feed, which may land after the summary: wait for the fourth row.
    await watcher.page.locator(".standings tbody tr").nth(3).waitFor();
    expect(await watcher.page.locator(".standings tbody tr").count()).toBe(4);
    await screenshot(watcher.page, "tournament-upcoming");
    // The arena starts: every player's first game opens by itself.
    await Promise.all(players.map((player) => player.page.waitForURL(/\/m\/[A-Za-z0-9_-]+$/, { timeout: 60_000 })));
    const first = players.map((player) => matchOf(player.page));
    expect(new Set(first).size).toBe(2);
    const played = Promise.all(players.map((player) => playOut(player, id)));
    // The standings move for the watcher: someone has won a game (2 points).
    await watcher.page
      .locator('.standings tr[data-score="2"], .standings tr[data-score="4"]')
      .first()
      .waitFor({ timeout: 60_000 });
    await screenshot(watcher.page, "tournament-live");
    const games = await played;
    // Everyone played at least two games, each of which opened by itself.
    for (const list of games) expect(list.length).toBeGreaterThanOrEqual(2);
    await watcher.page.locator(".podium li").nth(2).waitFor({ timeout: 30_000 });
    await watcher.page.getByText("Finished").waitFor();
    await screenshot(watcher.page, "tournament-podium");
    const standings = (await (await fetch(`${server.origin}/api/tournaments/${id}/standings`)).json()) as StandingsPage;
    const total = standings.rows.reduce((sum, row) => sum + row.games, 0);
    expect(total).toBe(2 * new Set(games.flat()).size);
    const podium = await watcher.page.locator(".podium li").allTextContents();
    expect(podium[0]).toContain(standings.rows[0]?.name ?? "?");
    for (const player of [...players, watcher]) expect(player.errors).toEqual([]);
  }, 240_000);
});
