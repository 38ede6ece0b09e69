/**
 * Following a tournament one has joined: a feed socket that outlives page changes, so that each
 * next game opens by itself (on the `paired` frame the browser goes to the match), and a bar at
 * the bottom of every page that leads back to the tournament. Remembered for the tab's session,
 * so a reload keeps following.
 */
import type { TournamentFrame } from "../shared/tournament.ts";
import { go } from "./nav.ts";
import { account } from "./session.ts";
import { TournamentApi } from "./tournament-api.ts";

const KEY = "ply:following";

interface Following {
  readonly id: string;
  readonly name: string;
  socket: WebSocket | null;
  retry: ReturnType<typeof setTimeout> | null;
  attempts: number;
  bar: HTMLElement;
  text: HTMLElement;
  stopped: boolean;
}

let current: Following | null = null;

/** The tournament being followed, if any. */
export function followed(): string | null {
  return current?.id ?? null;
}

/** Follows `id`: from now on the player's games in it open by themselves. */
export function follow(id: string, name: string): void {
  if (current?.id === id && !current.stopped) return;
  unfollow();
  const me = account();
  if (!me) return;
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ id, name }));
  } catch {
    // Storage off: following lasts until the page is reloaded.
  }
  const text = document.createElement("span");
  text.textContent = `${name}: your next game opens by itself.`;
  const link = document.createElement("a");
  link.href = `/t/${id}`;
  link.textContent = "Back to the tournament";
  const bar = document.createElement("aside");
  bar.className = "tournament-bar";
  bar.setAttribute("aria-live", "polite");
  bar.append(text, link);
  document.body.append(bar);
  current = { id, name, socket: null, retry: null, attempts: 0, bar, text, stopped: false };
  connect(current, me.token);
}

/** Stops following (after withdrawing, or once the tournament is over). */
export function unfollow(): void {
  const following = current;
  current = null;
  if (!following) return;
  following.stopped = true;
  if (following.retry) clearTimeout(following.retry);
  following.socket?.close(1000, "done");
  following.bar.remove();
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing stored.
  }
}

/** Picks up the tournament this tab followed before a reload. */
export function resumeFollowing(): void {
  try {
    const stored = sessionStorage.getItem(KEY);
    if (!stored) return;
    const parsed = JSON.parse(stored) as { id?: unknown; name?: unknown };
    if (typeof parsed.id === "string" && typeof parsed.name === "string") follow(parsed.id, parsed.name);
  } catch {
    // Nothing to resume.
  }
}

function connect(following: Following, token: string): void {
  if (following.stopped) return;
  const socket = new WebSocket(new TournamentApi(location.origin, token).feedUrl(following.id));
  following.socket = socket;
  socket.addEventListener("open", () => {
    following.attempts = 0;
  });
  socket.addEventListener("message", (event) => {
    let frame: TournamentFrame;
    try {
      frame = JSON.parse(String(event.data)) as TournamentFrame;
    } catch {
      return;
    }
    if (frame.type === "paired") {
      following.text.textContent = `${following.name}: your game against ${frame.opponent.name} is open.`;
      const path = `/m/${frame.matchId}`;
      if (location.pathname !== path) go(path);
    } else if (frame.type === "state") {
      if (frame.tournament.status === "finished") {
        following.text.textContent = `${following.name} is over.`;
        following.stopped = true;
        socket.close(1000, "over");
      } else if (frame.me?.state === "withdrawn") unfollow();
    }
  });
  socket.addEventListener("close", () => {
    if (following.stopped || current !== following) return;
    // Back off up to 10 s between attempts; the next state frame says what was missed.
    following.attempts++;
    following.retry = setTimeout(() => connect(following, token), Math.min(10_000, 500 * 2 ** following.attempts));
  });
}
