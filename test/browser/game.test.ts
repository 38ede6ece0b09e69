/**
 * The browser game in real Chromium against a real `wrangler dev`: two players find each other
 * through quick match and play Connect Four to a win while a third browser watches; a reload
 * mid-game keeps the seat and board; refused moves say why; a turn timeout ends a game in both
 * browsers; the replay shows the finished game; a rematch moves every page (players and a
 * spectator) to the next game on its connection. The tests run in order and share the players.
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
  storedAccount,
  switchSockets,
  type Player,
  signUp,
  waitForMoves,
  screenshotOnFailure,
  post,
} from "./harness.ts";

let server: DevServer;
let persistTo: string;
let alice: Player;
let bob: Player;
let carol: Player;

beforeAll(async () => {
  // Screenshots of failures are from this run only.
  for (const player of ["alice", "bob", "carol"]) await rm(join(ARTIFACTS, `failed-${player}.png`), { force: true });
  persistTo = await mkdtemp(join(tmpdir(), "ply-browser-"));
  server = await startDevServer(persistTo, await freePort());
  [alice, bob, carol] = await Promise.all([
    openPlayer("Alice", { origin: server.origin, viewport: { width: 1280, height: 860 } }),
    // A phone: the board must be usable at 375×667.
    openPlayer("Bob", { origin: server.origin, viewport: { width: 375, height: 667 } }),
    openPlayer("Carol", { origin: server.origin, viewport: { width: 1100, height: 860 }, colorScheme: "dark" }),
  ]);
});

afterAll(async () => {
  await Promise.all([alice, bob, carol].map((player) => player?.close()));
  await server?.stop();
  if (persistTo) await rm(persistTo, { recursive: true, force: true });
});

// A failed test leaves what each browser showed, to look at.
screenshotOnFailure(() => [alice, bob, carol]);

async function mySeat(page: Page): Promise<number> {
  await page.waitForFunction(`document.querySelector(".match")?.dataset.mySeat !== ""`);
  return Number(await page.locator(".match").getAttribute("data-my-seat"));
}

async function drop(page: Page, column: number): Promise<void> {
  await page.getByRole("button", { name: `Column ${column + 1}`, exact: true }).click();
}

async function noticeText(page: Page): Promise<string> {
  await page.locator(".notice.shown").waitFor();
  return (await page.locator(".notice").textContent()) ?? "";
}

describe("the browser game", () => {
  let matchId = "";
  /** The players in seat order: first[0] drops first. */
  let seated: [Player, Player];
  let finalBoard = "";
  let finalMoves: string[] = [];

  it("asks a first-time visitor for a name, then shows the lobby", async () => {
    await Promise.all([signUp(alice, "welcome"), signUp(bob, "welcome-phone")]);
    expect(await alice.page.locator("#me").textContent()).toBe("Alice");
    expect((await storedAccount(bob.page)).name).toBe("Bob");
    await screenshot(alice.page, "lobby");
    await screenshot(bob.page, "lobby-phone");
  });

  it("pairs two players through quick match, with a waiting state until then", async () => {
    for (const player of [alice, bob]) await player.page.locator('label[data-game="connect-four"]').click();
    await alice.page.locator("#quick-match").click();
    const waiting = alice.page.locator(".waiting");
    await waiting.waitFor();
    await alice.page.getByText(/rating ±\d+|any rating/).waitFor();
    expect(await waiting.textContent()).toContain("Connect Four");
    await screenshot(alice.page, "quick-match-waiting");
    await bob.page.locator("#quick-match").click();
    await Promise.all([alice, bob].map((player) => player.page.waitForURL(/\/m\/[A-Za-z0-9_-]+$/)));
    matchId = new URL(alice.page.url()).pathname.slice(3);
    expect(new URL(bob.page.url()).pathname).toBe(`/m/${matchId}`);
    await Promise.all([alice, bob].map((player) => player.page.locator('.match[data-status="playing"]').waitFor()));
    const seats = await Promise.all([mySeat(alice.page), mySeat(bob.page)]);
    expect([...seats].sort()).toEqual([0, 1]);
    seated = seats[0] === 0 ? [alice, bob] : [bob, alice];
  });

  it("lists the match on the watch page, and a spectator follows it read-only", async () => {
    await carol.page.goto("/watch");
    const entry = carol.page.locator(`li[data-match="${matchId}"]`);
    await entry.waitFor();
    expect(await entry.textContent()).toContain("Alice");
    await screenshot(carol.page, "watch");
    await entry.locator("a").click();
    await carol.page.waitForURL(`**/m/${matchId}`);
    await carol.page.locator('.match[data-role="spectator"][data-status="playing"]').waitFor();
    await carol.page.getByText("Spectating").waitFor();
    // The spectator count. (Players see it change with the next presence frame: the server
    // sends none when only a spectator comes or goes.)
    await carol.page.getByText("1 watching").waitFor();
    expect(await carol.page.getByRole("button", { name: "Column 1", exact: true }).isDisabled()).toBe(true);
    expect(await carol.page.locator("#take-seat").isVisible()).toBe(false);
  });

  it("plays moves that all three browsers see, with no layout jump when the opponent moves", async () => {
    const [first, second] = seated;
    const boardBox = () => second.page.locator(".board").boundingBox();
    const before = await boardBox();
    // Fill the first column: six discs, alternating, and nobody wins.
    for (let move = 1; move <= 6; move++) {
      await drop(move % 2 === 1 ? first.page : second.page, 0);
      for (const player of [alice, bob, carol]) await waitForMoves(player.page, move);
    }
    expect(await boardBox()).toEqual(before);
    const board = await connectFourBoard(first.page);
    expect(board.split("|")[0]).toBe("010101");
    expect(await connectFourBoard(carol.page)).toBe(board);
    expect(await connectFourBoard(second.page)).toBe(board);
    expect(await moveList(carol.page)).toEqual(await moveList(first.page));
    await alice.page
      .locator(".seat.active .seat-clock")
      .filter({ hasText: /\d:\d\d/ })
      .waitFor();
    await screenshot(first.page, "match");
    await screenshot(bob.page, "match-phone");
    await screenshot(carol.page, "spectator");
  });

  it("says why a move was refused: out of turn, and a full column", async () => {
    const [first, second] = seated;
    await drop(second.page, 3);
    expect(await noticeText(second.page)).toMatch(/not your turn/i);
    await drop(first.page, 0);
    const refusal = await noticeText(first.page);
    expect(refusal).toContain("Column 1 is full");
    // The machine code is for tests, not people: kept in an attribute, out of the sentence.
    expect(refusal).not.toContain("column-full");
    expect(await first.page.locator(".notice").getAttribute("data-code")).toBe("column-full");
    // Nothing was played.
    await waitForMoves(first.page, 6);
    await waitForMoves(second.page, 6);
  });

  it("restores the same seat and board after a reload mid-game", async () => {
    const [, second] = seated;
    const seat = await mySeat(second.page);
    const board = await connectFourBoard(second.page);
    const moves = await moveList(second.page);
    await second.page.reload();
    await waitForMoves(second.page, 6);
    expect(await mySeat(second.page)).toBe(seat);
    expect(await connectFourBoard(second.page)).toBe(board);
    expect(await moveList(second.page)).toEqual(moves);
    await second.page.locator(".banner.offline").waitFor({ state: "hidden" });
    // The reconnection's presence frame carries the spectator count to the players too.
    await second.page.getByText("1 watching").waitFor();
    await seated[0].page.getByText("1 watching").waitFor();
  });

  it("shows a banner while offline, and sends a move made offline once when back", async () => {
    const [first, second] = seated;
    const sockets = await switchSockets(first);
    await first.page.reload();
    await waitForMoves(first.page, 6);
    await first.page.locator(".banner.offline").waitFor({ state: "hidden" });
    sockets.cut();
    try {
      await first.page.locator(".banner.offline").waitFor();
      expect(await first.page.locator(".banner.offline").textContent()).toContain("Reconnecting");
      // Played offline: shown at once, queued, and sent when the connection is back.
      await drop(first.page, 2);
      await first.page.locator(".moves li.pending").waitFor();
      // The opponent sees the absence, with the time left before the seat forfeits.
      const away = second.page.locator(
        `.seat[data-seat="${await mySeat(first.page)}"] .seat-presence[data-state="away"]`,
      );
      await away.waitFor();
      expect(await away.textContent()).toMatch(/^connection lost · forfeits in \d:\d\d$/);
      await screenshot(first.page, "match-offline");
      await screenshot(second.page, "match-opponent-away");
    } finally {
      // Restored even when the test fails, so the tests after it can still run.
      sockets.restore();
    }
    await first.page.locator(".banner.offline").waitFor({ state: "hidden" });
    for (const player of [alice, bob, carol]) await waitForMoves(player.page, 7);
    expect(await connectFourBoard(carol.page)).toBe(await connectFourBoard(first.page));
    expect((await connectFourBoard(carol.page)).split("|")[2]).toBe("0.....");
  });

  it("plays to a win that both players and the spectator see", async () => {
    const [first, second] = seated;
    // The first player lines up the bottom row from column 3 to 6; the second stacks column 7.
    const plan: [Player, number][] = [
      [second, 6],
      [first, 3],
      [second, 6],
      [first, 4],
      [second, 6],
      [first, 5],
    ];
    let moves = 7;
    for (const [index, [player, column]] of plan.entries()) {
      if (index === 1) {
        // By keyboard: focus the first column, arrow right to the fourth, drop with Enter.
        await player.page.getByRole("button", { name: "Column 1", exact: true }).focus();
        for (let step = 0; step < column; step++) await player.page.keyboard.press("ArrowRight");
        expect(await player.page.evaluate("document.activeElement?.getAttribute('aria-label')")).toBe(
          `Column ${column + 1}`,
        );
        await player.page.keyboard.press("Enter");
      } else await drop(player.page, column);
      moves++;
      for (const viewer of [alice, bob, carol]) await waitForMoves(viewer.page, moves);
    }
    for (const player of [alice, bob, carol])
      await player.page.locator('.match[data-status="finished"] .result').waitFor();
    expect(await first.page.locator(".result").textContent()).toContain("You won!");
    expect(await second.page.locator(".result").textContent()).toContain("You lost");
    expect(await carol.page.locator(".result").textContent()).toContain(`${first.name} won`);
    finalBoard = await connectFourBoard(carol.page);
    expect(finalBoard).toBe("010101|......|0.....|0.....|0.....|0.....|111...");
    expect(await connectFourBoard(first.page)).toBe(finalBoard);
    expect(await connectFourBoard(second.page)).toBe(finalBoard);
    finalMoves = await moveList(carol.page);
    expect(finalMoves).toHaveLength(13);
    expect(await moveList(first.page)).toEqual(finalMoves);
    expect(await moveList(second.page)).toEqual(finalMoves);
    expect(finalMoves.at(-1)).toContain(`${first.name} column 6`);
    await screenshot(carol.page, "match-finished-spectator");
    await screenshot(second.page, "match-finished-phone");
  });

  it("replays the finished game step by step, ending on the final position", async () => {
    const page = alice.page;
    await page.locator("#replay-link").click();
    await page.waitForURL(`**/r/${matchId}`);
    await page.getByText("Start · 13 moves").waitFor();
    expect(await connectFourBoard(page)).toBe(Array(7).fill("......").join("|"));
    await page.keyboard.press("End");
    await page.getByText("Move 13 of 13").waitFor();
    expect(await connectFourBoard(page)).toBe(finalBoard);
    await page.locator(".replay .result").waitFor();
    await page.keyboard.press("ArrowLeft");
    await page.getByText("Move 12 of 13").waitFor();
    expect(await connectFourBoard(page)).not.toBe(finalBoard);
    await page.getByRole("button", { name: "Next move" }).click();
    await page.getByText("Move 13 of 13").waitFor();
    expect(await connectFourBoard(page)).toBe(finalBoard);
    await screenshot(page, "replay");
  });

  it("shows the players on the leaderboard once the rated match counts", async () => {
    await carol.page.goto("/leaderboard/connect-four");
    await carol.page.getByRole("cell", { name: "Alice" }).waitFor({ timeout: 30_000 });
    await carol.page.getByRole("cell", { name: "Bob" }).waitFor();
    await screenshot(carol.page, "leaderboard");
  });

  it("ends a game in both browsers when the turn time runs out", async () => {
    const host = await storedAccount(alice.page);
    const created = await post(server.origin, "/api/matches", { game: "tic-tac-toe", turnMs: 2000 }, host.token);
    const id = String(created.matchId);
    await alice.page.goto(`/m/${id}`);
    await alice.page.locator('.match[data-status="waiting"][data-my-seat="0"]').waitFor();
    await bob.page.goto(`/m/${id}`);
    // Bob has no seat yet: he takes the free one from the page.
    await bob.page.locator("#take-seat").click();
    await bob.page.locator('.match[data-my-seat="1"]').waitFor();
    for (const player of [alice, bob]) await player.page.locator('.match[data-status="finished"] .result').waitFor();
    expect(await alice.page.locator(".result").textContent()).toContain("You ran out of time");
    expect(await bob.page.locator(".result").textContent()).toMatch(/You won!.*Alice ran out of time/);
    const moves = await moveList(bob.page);
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatch(/Alice ran out of time$/);
    await screenshot(bob.page, "timeout-phone");
  });

  it("plays a private match by invite link with the keyboard, then a rematch every page follows", async () => {
    await alice.page.goto("/");
    await alice.page.locator('label[data-game="tic-tac-toe"]').click();
    await alice.page.locator("#private-match").click();
    const code = (await alice.page.locator("#invite-code-value").textContent()) ?? "";
    expect(code).toMatch(/^[A-Z0-9]{6}$/);
    const id = decodeURIComponent(new URL(alice.page.url()).pathname.replace("/m/", ""));
    await screenshot(alice.page, "invite");
    await bob.page.goto(`/i/${code.toLowerCase()}`);
    await Promise.all([alice, bob].map((player) => player.page.locator('.match[data-status="playing"]').waitFor()));
    await carol.page.goto(`/m/${id}`);
    await carol.page.locator('.match[data-role="spectator"][data-status="playing"]').waitFor();
    const key = async (player: Player, moves: number, ...keys: string[]) => {
      for (const name of keys) await player.page.keyboard.press(name);
      for (const viewer of [alice, bob, carol]) await waitForMoves(viewer.page, moves);
    };
    // Alice (X) takes the centre, the top right and the bottom left; Bob (O) the top left and top.
    await alice.page.locator('[data-cell="4"]').focus();
    await key(alice, 1, "Enter");
    await bob.page.locator('[data-cell="0"]').focus();
    await key(bob, 2, " ");
    await key(alice, 3, "ArrowUp", "ArrowRight", "Enter");
    await key(bob, 4, "ArrowRight", "Enter");
    await key(alice, 5, "ArrowDown", "ArrowDown", "ArrowLeft", "ArrowLeft", "Enter");
    expect(await alice.page.locator(".result").textContent()).toContain("You won!");
    expect(await alice.page.locator(".ttt-cell.win").count()).toBe(3);
    expect(await bob.page.getByRole("button", { name: "top right, X" }).count()).toBe(1);
    await alice.page.locator("#rematch").click();
    await bob.page.getByText("Alice wants a rematch!").waitFor();
    await bob.page.locator("#rematch").click();
    // The next game is played on the same connections: every page moves to it by itself, and
    // its address becomes the new game's.
    const next = `${id}.2`;
    for (const player of [alice, bob, carol]) {
      await player.page.locator(`.match[data-match="${next}"][data-status="playing"]`).waitFor();
      expect(decodeURIComponent(new URL(player.page.url()).pathname)).toBe(`/m/${next}`);
      expect(await moveList(player.page)).toEqual([]);
      expect(await player.page.locator(".ttt-cell.win").count()).toBe(0);
      expect(await player.page.locator("#go-rematch").isVisible()).toBe(false);
    }
    // Seats rotate: Bob moves first now; Carol still watches.
    expect(await mySeat(bob.page)).toBe(0);
    expect(await mySeat(alice.page)).toBe(1);
    expect(await carol.page.locator(".match").getAttribute("data-role")).toBe("spectator");
    await bob.page.locator('[data-cell="4"]').click();
    for (const viewer of [alice, bob, carol]) await waitForMoves(viewer.page, 1);
    expect(await alice.page.getByRole("button", { name: "centre, X" }).count()).toBe(1);
    // The first game's address now opens the game the series is at.
    await carol.page.goto(`/m/${id}`);
    await carol.page.locator(`.match[data-match="${next}"][data-moves="1"]`).waitFor();
    expect(decodeURIComponent(new URL(carol.page.url()).pathname)).toBe(`/m/${next}`);
  });

  it("draws a board for every game the server has", async () => {
    const { games } = (await (await fetch(`${server.origin}/api/games`)).json()) as { games: { id: string }[] };
    const { token } = await storedAccount(alice.page);
    for (const game of games) {
      const created = await post(server.origin, "/api/matches", { game: game.id }, token);
      await carol.page.goto(`/m/${String(created.matchId)}`);
      await carol.page.locator(`.match[data-game="${game.id}"] .board-wrap .board`).waitFor();
    }
  });

  it("threw no uncaught error in any page", () => {
    expect([...alice.errors, ...bob.errors, ...carol.errors]).toEqual([]);
  });
});
