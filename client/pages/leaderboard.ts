/** Leaderboards: a tab per game, a ranked table with rounded ratings, paged by offset. */
import { account, api } from "../session.ts";
import { PROVISIONAL_RD } from "../names.ts";
import { describeError, errorBox, h, title } from "./dom.ts";

const PAGE = 25;

export async function render(root: HTMLElement, [requested = ""]: readonly string[]): Promise<() => void> {
  title("Leaderboard");
  root.classList.add("page-narrow");
  const games = await api().games();
  if (!games.ok) {
    root.replaceChildren(errorBox(describeError(games.error)));
    return () => {};
  }
  const list = games.value.games;
  const game = list.find((info) => info.id === requested) ?? list.find((info) => info.id === "connect-four") ?? list[0];
  if (!game) {
    root.replaceChildren(h("p", null, "No games yet."));
    return () => {};
  }
  let stopped = false;
  const me = account()?.playerId;
  const tabs = h(
    "nav",
    { class: "tabs", "aria-label": "Games" },
    ...list.map((info) =>
      h(
        "a",
        { class: "tab", href: `/leaderboard/${info.id}`, "aria-current": info.id === game.id ? "page" : null },
        info.name,
      ),
    ),
  );
  const body = h("tbody");
  const table = h(
    "table",
    { class: "ranking" },
    h("caption", { class: "visually-hidden" }, `${game.name} leaderboard`),
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th", { scope: "col", class: "num" }, "Rank"),
        h("th", { scope: "col" }, "Player"),
        h("th", { scope: "col", class: "num" }, "Rating"),
        h("th", { scope: "col", class: "num" }, "Games"),
      ),
    ),
    body,
  );
  const empty = h(
    "p",
    { class: "muted" },
    `Nobody has a rated ${game.name} game yet. Play a quick match to be the first.`,
  );
  empty.hidden = true;
  const error = errorBox();
  const previous = h("button", { type: "button" }, "← Previous");
  const next = h("button", { type: "button" }, "Next →");
  const where = h("span", { class: "muted" });
  const pager = h("div", { class: "pager" }, previous, where, next);
  root.replaceChildren(
    h(
      "div",
      { class: "page-head" },
      h("h1", null, "Leaderboard"),
      h("p", { class: "muted" }, "Glicko-2 ratings from rated matches (quick match)."),
    ),
    tabs,
    h("section", { class: "card wide" }, table, empty, error, pager),
  );
  if (requested !== game.id) history.replaceState(null, "", `/leaderboard/${game.id}`);

  const load = async (offset: number) => {
    previous.disabled = next.disabled = true;
    const page = await api().leaderboard(game.id, offset, PAGE);
    if (stopped) return;
    if (!page.ok) {
      error.textContent = describeError(page.error);
      error.hidden = false;
      return;
    }
    error.hidden = true;
    const { entries } = page.value;
    body.replaceChildren(
      ...entries.map((entry) =>
        h(
          "tr",
          { class: entry.playerId === me ? "me" : null },
          h("td", { class: "num" }, entry.rank),
          h("td", null, entry.name, entry.playerId === me ? h("span", { class: "tag" }, "You") : null),
          h(
            "td",
            { class: "num" },
            Math.round(entry.rating),
            entry.rd > PROVISIONAL_RD
              ? h("span", { class: "provisional", title: "Provisional: too few games to be sure" }, "?")
              : null,
          ),
          h("td", { class: "num" }, entry.games),
        ),
      ),
    );
    table.hidden = entries.length === 0;
    empty.hidden = entries.length > 0 || offset > 0;
    previous.disabled = offset === 0;
    next.disabled = page.value.next === null;
    pager.hidden = offset === 0 && page.value.next === null;
    where.textContent = entries.length ? `${entries[0]!.rank}–${entries.at(-1)!.rank}` : "";
    previous.onclick = () => void load(Math.max(0, offset - PAGE));
    next.onclick = () => page.value.next !== null && void load(page.value.next);
  };
  await load(0);
  return () => {
    stopped = true;
  };
}
