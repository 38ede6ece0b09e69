/** Live public matches, newest first, each a link to watch it; paged with the server's cursor. */
import { GAMES } from "../../shared/games/index.ts";
import type { LiveMatch } from "../../shared/protocol.ts";
import { distinct, shownName } from "../names.ts";
import { api } from "../session.ts";
import { ago, describeError, errorBox, h, title } from "./dom.ts";

function gameName(id: string): string {
  return GAMES.get(id)?.name ?? id;
}

function row(match: LiveMatch, compact: boolean): HTMLLIElement {
  // Bots by strength, and several of one kind numbered, as on the match page.
  const players = distinct([...match.players].sort((a, b) => a.seat - b.seat).map((player) => shownName(player.name)));
  return h(
    "li",
    { class: "live-match", "data-match": match.matchId },
    h(
      "a",
      { href: `/m/${match.matchId}`, class: "live-link" },
      h("span", { class: `game-icon small icon-${match.gameId}`, "aria-hidden": "true" }),
      h(
        "span",
        { class: "live-text" },
        h("span", { class: "live-players" }, players.join(" vs ") || "Players joining"),
        h(
          "span",
          { class: "live-meta" },
          `${gameName(match.gameId)} · ${match.moves} ${match.moves === 1 ? "move" : "moves"}${compact ? "" : ` · started ${ago(match.startedAt)}`}${match.rated ? " · rated" : ""}`,
        ),
      ),
      h("span", { class: "live-cta" }, "Watch"),
    ),
  );
}

/**
 * Fills `container` with a live list (its heading is the caller's); `compact` shows one page and a
 * link to the full list, otherwise a "More" button follows the cursor. Returns its clean-up.
 */
export function liveList(
  container: HTMLElement,
  options: { limit: number; compact: boolean; game?: string },
): () => void {
  let stopped = false;
  const list = h("ul", { class: "live-list", "aria-busy": "true" });
  const empty = h("p", { class: "muted" }, "No public matches are being played right now. Start one!");
  empty.hidden = true;
  const error = errorBox();
  const more = h("button", { type: "button", class: "more" }, "Show more");
  more.hidden = true;
  container.append(
    list,
    empty,
    error,
    options.compact ? h("a", { href: "/watch", class: "see-all" }, "All live matches →") : more,
  );

  let cursor: string | undefined;
  const load = async () => {
    more.disabled = true;
    const page = await api().live({
      limit: options.limit,
      ...(cursor ? { cursor } : {}),
      ...(options.game ? { game: options.game } : {}),
    });
    if (stopped) return;
    more.disabled = false;
    list.removeAttribute("aria-busy");
    if (!page.ok) {
      error.textContent = describeError(page.error);
      error.hidden = false;
      return;
    }
    error.hidden = true;
    list.append(...page.value.matches.map((match) => row(match, options.compact)));
    empty.hidden = list.childElementCount > 0;
    cursor = page.value.next ?? undefined;
    more.hidden = options.compact || page.value.next === null;
  };
  more.addEventListener("click", () => void load());
  void load();
  return () => {
    stopped = true;
  };
}

export async function render(root: HTMLElement): Promise<() => void> {
  title("Watch");
  root.classList.add("page-narrow");
  const games = [...GAMES.values()];
  let stop: () => void = () => {};
  const section = h("section", { class: "card wide" });
  const filter = h("div", { class: "tabs", role: "group", "aria-label": "Game" });
  const draw = (game: string | undefined) => {
    stop();
    for (const button of filter.querySelectorAll("button"))
      button.setAttribute("aria-pressed", String(button.dataset.game === (game ?? "")));
    section.replaceChildren();
    stop = liveList(section, { limit: 20, compact: false, ...(game ? { game } : {}) });
  };
  filter.append(
    ...[{ id: "", name: "All games" }, ...games].map((game) =>
      h(
        "button",
        { type: "button", class: "tab", "data-game": game.id, onclick: () => draw(game.id || undefined) },
        game.name,
      ),
    ),
  );
  root.replaceChildren(
    h(
      "div",
      { class: "page-head" },
      h("h1", null, "Watch live"),
      h("p", { class: "muted" }, "Public matches being played now. Spectators see every move as it happens."),
    ),
    filter,
    section,
  );
  draw(undefined);
  return () => stop();
}
