/**
 * `/p/:id`: a player's page: their rating in each game (provisional ones marked "?") and their
 * recent matches, each with what it did to the rating ("+12", "−162").
 */
import { findGame } from "../../shared/games/index.ts";
import type { MatchRecord } from "../../shared/protocol.ts";
import { deltaText, distinct, PROVISIONAL_RD, ratingText, shownName } from "../names.ts";
import { account, api } from "../session.ts";
import { ago, describeError, errorBox, h, title } from "./dom.ts";

const OUTCOMES: Readonly<Record<MatchRecord["outcome"], string>> = {
  win: "Won",
  loss: "Lost",
  draw: "Draw",
  aborted: "Called off",
};

export async function render(root: HTMLElement, [playerId = ""]: readonly string[]): Promise<() => void> {
  title("Player");
  root.classList.add("page-narrow");
  const found = await api().profile(playerId);
  if (!found.ok) {
    root.replaceChildren(
      errorBox(found.error.code === "not-found" ? "There is no player at this address." : describeError(found.error)),
    );
    return () => {};
  }
  const profile = found.value;
  const me = account()?.playerId === profile.playerId;
  title(profile.name);
  const gameName = (id: string) => findGame(id)?.name ?? id;
  const ratings = Object.entries(profile.ratings);
  root.replaceChildren(
    h(
      "section",
      { class: "card profile", "data-player": profile.playerId },
      h("h1", null, profile.name, me ? h("span", { class: "tag" }, "You") : null),
      h(
        "p",
        { class: "muted small" },
        `Playing since ${new Date(profile.createdAt).toLocaleDateString()}.`,
        // Passkeys, and signing in with another account, are on the account page.
        me ? h("a", { class: "account-link", href: "/account" }, " Your account and passkeys") : null,
      ),
      h("h2", null, "Ratings"),
      ratings.length === 0
        ? h("p", { class: "muted" }, `No rated games yet: every rating starts at ${ratingText(null)} (provisional).`)
        : h(
            "table",
            { class: "ranking ratings" },
            h(
              "thead",
              null,
              h(
                "tr",
                null,
                h("th", null, "Game"),
                h("th", { class: "num" }, "Rating"),
                h("th", { class: "num" }, "Games"),
              ),
            ),
            h(
              "tbody",
              null,
              ...ratings.map(([game, rating]) =>
                h(
                  "tr",
                  { "data-game": game },
                  h("td", null, gameName(game)),
                  h(
                    "td",
                    {
                      class: "num",
                      title: rating.rd > PROVISIONAL_RD ? "Provisional: too few games to be sure" : "",
                    },
                    ratingText(rating),
                  ),
                  h("td", { class: "num" }, rating.games),
                ),
              ),
            ),
          ),
      h("h2", null, "Recent matches"),
      profile.recent.length === 0
        ? h("p", { class: "muted" }, "No finished matches yet.")
        : h(
            "ul",
            { class: "recent" },
            ...profile.recent.map((match) => {
              const change =
                match.ratingBefore && match.ratingAfter
                  ? deltaText(match.ratingBefore.rating, match.ratingAfter.rating)
                  : null;
              return h(
                "li",
                { "data-match": match.matchId, "data-outcome": match.outcome },
                h("strong", { class: `outcome ${match.outcome}` }, OUTCOMES[match.outcome]),
                " ",
                h(
                  "span",
                  null,
                  `${gameName(match.gameId)} vs ${distinct(match.opponents.map((o) => shownName(o.name))).join(", ") || "nobody"}`,
                ),
                " ",
                change
                  ? h(
                      "span",
                      { class: "rating-change", "data-delta": change },
                      `${ratingText(match.ratingAfter)} (${change})`,
                    )
                  : h("span", { class: "muted small" }, match.rated ? "" : "casual"),
                " ",
                h("span", { class: "muted small" }, ago(match.finishedAt)),
                " ",
                h("a", { href: `/r/${match.matchId}` }, "Replay"),
              );
            }),
          ),
    ),
  );
  return () => {};
}
