/**
 * Browsers for the browser tests: Debian's Chromium driven by playwright-core, each player in
 * its own persistent context with a fresh user-data dir (its own localStorage, its own account).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page, type WebSocketRoute } from "playwright-core";
import { afterEach } from "vitest";

/** Where Chromium is: Debian's package (CI installs it with apt-get). */
export const CHROMIUM = process.env.PLY_CHROMIUM ?? "/usr/bin/chromium";

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Screenshots land here on every run (git-ignored). */
export const ARTIFACTS = join(import.meta.dirname, "..", "artifacts");

export interface Player {
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught errors thrown in the page: a test ends by checking there were none. */
  readonly errors: string[];
  close(): Promise<void>;
}

export interface PlayerOptions {
  readonly origin: string;
  readonly viewport: { width: number; height: number };
  readonly colorScheme?: "light" | "dark";
}

/** Opens a browser with a fresh profile, its one page pointed at nothing yet. */
export async function openPlayer(name: string, options: PlayerOptions): Promise<Player> {
  const profile = await mkdtemp(join(tmpdir(), `ply-chromium-${name.toLowerCase()}-`));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: options.viewport,
    colorScheme: options.colorScheme ?? "light",
    baseURL: options.origin,
    reducedMotion: "reduce",
  });
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`${name}: ${error.message}`));
  return {
    name,
    context,
    page,
    errors,
    close: async () => {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Writes a full-page screenshot to test/artifacts/<file>.png. */
export async function screenshot(page: Page, file: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${file}.png`), fullPage: true, animations: "disabled" });
}

/** The account the page keeps in localStorage. */
export async function storedAccount(page: Page): Promise<{ playerId: string; name: string; token: string }> {
  const stored = await page.evaluate("localStorage.getItem('ply:player')");
  if (typeof stored !== "string") throw new Error("no account in localStorage");
  return JSON.parse(stored) as { playerId: string; name: string; token: string };
}

/** The Connect Four board as text, column by column bottom-up ("0", "1" or "." per cell). */
export async function connectFourBoard(page: Page): Promise<string> {
  const board = await page.evaluate(
    `Array.from(document.querySelectorAll(".board.c4 .c4-col"), (column) =>
      Array.from(column.querySelectorAll(".c4-cell"), (cell) => cell.dataset.seat || ".").reverse().join("")).join("|")`,
  );
  return String(board);
}

/** The texts of the move list, pending moves excluded. */
export async function moveList(page: Page): Promise<string[]> {
  const items = await page.evaluate(
    `Array.from(document.querySelectorAll(".moves li:not(.pending)"), (item) => item.textContent.replace(/\\s+/g, " ").trim())`,
  );
  return items as string[];
}

/** A player's match sockets, passed through a relay the test can cut and restore. */
export interface SocketSwitch {
  /** Closes every open socket, and closes each new one at once, until `restore()`. */
  cut(): void;
  restore(): void;
}

/**
 * Routes the player's WebSockets to /parties/* through Playwright (applies to sockets opened
 * from now on). Chromium's offline emulation leaves open sockets alone, so this is how a test
 * drops a connection the way a lost network does.
 */
export async function switchSockets(player: Player): Promise<SocketSwitch> {
  let up = true;
  /** Each open page socket with its server side. */
  const open = new Map<WebSocketRoute, WebSocketRoute>();
  await player.context.routeWebSocket(/\/parties\//, (socket) => {
    // Close codes: the page's WebSocket.close() accepts only 1000 and 3000–4999 (the relay runs in the page).
    if (!up) return void socket.close({ code: 4000, reason: "offline" });
    const server = socket.connectToServer();
    open.set(socket, server);
    // A close handler turns off Playwright's own forwarding of closes: forward them here.
    socket.onClose(() => {
      open.delete(socket);
      void server.close({ code: 1000 });
    });
    server.onClose(() => {
      open.delete(socket);
      void socket.close({ code: 4000 });
    });
  });
  return {
    cut() {
      up = false;
      for (const [socket, server] of open) {
        void socket.close({ code: 4000, reason: "offline" });
        void server.close({ code: 1000, reason: "offline" });
      }
      open.clear();
    },
    restore() {
      up = true;
    },
  };
}

/** Signs a fresh browser up from the home page (`shot`: a screenshot of the sign-up form first). */
export async function signUp(player: Player, shot?: string): Promise<void> {
  await player.page.goto("/");
  const name = player.page.getByLabel("Display name", { exact: true });
  await name.waitFor();
  if (shot) await screenshot(player.page, shot);
  await name.fill(player.name);
  await player.page.getByRole("button", { name: "Continue" }).click();
  await player.page.locator("#quick-match").waitFor();
}

/** Waits until `page` shows a match with `moves` moves, every one of them confirmed by the server. */
export async function waitForMoves(page: Page, moves: number): Promise<void> {
  await page.locator(`.match[data-moves="${moves}"]`).waitFor();
  await page.waitForFunction(`document.querySelectorAll(".moves li.move:not(.pending)").length === ${moves}`);
}

/**
 * After each failed test, screenshots every player's page to test/artifacts/<file(player)>.png
 * (`players` is read then, once the suite's beforeAll has opened them).
 */
export function screenshotOnFailure(
  players: () => readonly Player[],
  file: (player: Player) => string = (player) => `failed-${player.name.toLowerCase()}`,
): void {
  afterEach(async (context) => {
    if (context.task.result?.state !== "fail") return;
    for (const player of players()) await screenshot(player.page, file(player)).catch(() => {});
  });
}

/** POSTs to the API at `origin` as the player with `token`, from the test; a refusal throws. */
export async function post(
  origin: string,
  path: string,
  body: unknown,
  token: string,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}
