/**
 * The browser game's entry: a small path router over the pages. Each page draws into the
 * main element and returns what to do when the page is left (close sockets, stop timers).
 */
import { render as home } from "./pages/home.ts";
import { render as leaderboard } from "./pages/leaderboard.ts";
import { render as match } from "./pages/match.ts";
import { render as replay } from "./pages/replay.ts";
import { render as invite } from "./pages/invite.ts";
import { render as watch } from "./pages/watch.ts";
import { render as profile } from "./pages/profile.ts";
import { render as accountPage } from "./pages/account.ts";
import { render as tournament } from "./pages/tournament.ts";
import { render as tournaments } from "./pages/tournaments.ts";
import { resumeFollowing } from "./tournament-follow.ts";
import { go, onNavigate } from "./nav.ts";
import { account } from "./session.ts";

/** A page: draws itself into `root` and returns its clean-up. */
export type Page = (root: HTMLElement, params: readonly string[]) => Promise<(() => void) | void>;

const ROUTES: readonly (readonly [RegExp, Page])[] = [
  [/^\/$/, home],
  // A match id: the first game of a series, or a later one (`<first>.<n>`).
  [/^\/m\/([A-Za-z0-9_-]{8,32}(?:\.[1-9]\d{0,8})?)$/, match],
  [/^\/r\/([A-Za-z0-9_-]{8,32}(?:\.[1-9]\d{0,8})?)$/, replay],
  [/^\/i\/([^/]{1,20})$/, invite],
  [/^\/watch$/, watch],
  [/^\/p\/([A-Za-z0-9_-]{8,32})$/, profile],
  [/^\/leaderboard(?:\/([a-z0-9-]{1,40}))?$/, leaderboard],
  [/^\/account$/, accountPage],
  [/^\/tournaments$/, tournaments],
  [/^\/t\/([A-Za-z0-9_-]{8,32})$/, tournament],
];

const root = document.getElementById("app") as HTMLElement;
let leave: (() => void) | void;
/** Bumped on every navigation, so a page that finishes loading after the user moved on is dropped. */
let generation = 0;

function showAccount(): void {
  const me = document.getElementById("me");
  // The name links to /account (passkeys, ratings), which links on to the player's own page.
  if (me) me.textContent = account()?.name ?? "";
}

/** Marks the navigation link of the current section. */
function markNavigation(path: string): void {
  for (const link of document.querySelectorAll<HTMLAnchorElement>("header nav a")) {
    const section = link.pathname === "/" ? path === "/" || /^\/(m|i|r)\//.test(path) : path.startsWith(link.pathname);
    if (section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

/** Shows the page for the current address. */
async function route(): Promise<void> {
  leave?.();
  leave = undefined;
  const current = ++generation;
  showAccount();
  const path = location.pathname.replace(/\/+$/, "") || "/";
  markNavigation(path);
  // Each page draws into its own container: one still loading when the user moves on writes
  // into a detached element, never over the next page.
  const view = document.createElement("div");
  view.className = "page";
  root.replaceChildren(view);
  for (const [pattern, page] of ROUTES) {
    const found = pattern.exec(path);
    if (!found) continue;
    // biome-ignore lint/complexity/noUselessUndefinedInitialization: read after the try, which tsc sees may throw before assigning it
    let cleanup: (() => void) | void = undefined;
    try {
      cleanup = await page(
        view,
        found.slice(1).map((part) => (part === undefined ? "" : decodeURIComponent(part))),
      );
    } catch (error) {
      view.replaceChildren(
        Object.assign(document.createElement("p"), { className: "error", textContent: String(error) }),
      );
    }
    if (current !== generation) cleanup?.();
    else leave = cleanup;
    showAccount();
    return;
  }
  view.replaceChildren(
    Object.assign(document.createElement("p"), { textContent: "There is nothing at this address." }),
  );
}

// Same-origin links navigate in place.
document.addEventListener("click", (event) => {
  const link = (event.target as Element | null)?.closest?.("a");
  if (!link || link.origin !== location.origin || link.target || event.metaKey || event.ctrlKey || event.shiftKey)
    return;
  event.preventDefault();
  go(link.pathname + link.search);
  window.scrollTo(0, 0);
});
window.addEventListener("popstate", () => void route());
onNavigate(() => void route());
resumeFollowing();
void route();
