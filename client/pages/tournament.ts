/**
 * One tournament: its countdown, your entry (join, pause, withdraw), the live standings and the
 * top games to watch, all kept current by the tournament's feed; the podium and the final table
 * once it is over. Joining starts following it (see tournament-follow.ts): each next game opens
 * by itself.
 */
import "../tournament.css";
import type { StandingRow, TournamentFrame, TournamentGame, TournamentSummary } from "../../shared/tournament.ts";
import { clock, controlText } from "../clock.ts";
import { account, api } from "../session.ts";
import { follow, followed, unfollow } from "../tournament-follow.ts";
import { describeError, errorBox, h, setText, title } from "./dom.ts";
import { kindText, tournamentApi } from "./tournaments.ts";

export async function render(root: HTMLElement, [id = ""]: readonly string[]): Promise<() => void> {
  const tapi = tournamentApi();
  const loaded = await tapi.get(id);
  if (!loaded.ok) {
    root.replaceChildren(errorBox(describeError(loaded.error)));
    return () => {};
  }
  let summary: TournamentSummary = loaded.value;
  title(summary.name);
  root.classList.add("page-narrow");
  const games = await api().games();
  const gameName =
    (games.ok ? games.value.games.find((game) => game.id === summary.gameId)?.name : null) ?? summary.gameId;
  const me = account();
  let stopped = false;
  let skew = 0;
  let mine: StandingRow | null = null;
  let rows: readonly StandingRow[] = [];

  const countdown = h("p", { class: "countdown", "aria-live": "off" });
  const status = h("p", { class: "tournament-status" });
  const actions = h("div", { class: "row tournament-actions" });
  const error = errorBox();
  const podium = h("ol", { class: "podium" });
  podium.hidden = true;
  const body = h("tbody");
  const tieHeads =
    summary.kind === "arena"
      ? [h("th", { scope: "col", class: "num" }, "Perf")]
      : [h("th", { scope: "col", class: "num" }, "Buchholz"), h("th", { scope: "col", class: "num" }, "S–B")];
  const table = h(
    "table",
    { class: "ranking standings" },
    h("caption", { class: "visually-hidden" }, "Standings"),
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th", { scope: "col", class: "num" }, "#"),
        h("th", { scope: "col" }, "Player"),
        h("th", { scope: "col", class: "num" }, "Score"),
        ...tieHeads,
        h("th", { scope: "col", class: "num" }, "Games"),
      ),
    ),
    body,
  );
  const topGames = h("ul", { class: "top-games" });
  const code = (() => {
    try {
      return sessionStorage.getItem(`ply:code:${id}`);
    } catch {
      return null;
    }
  })();

  const drawHead = () => {
    const meta = `${gameName} · ${kindText(summary)} · ${controlText(summary.timeControl)}${summary.rated ? " · rated" : " · casual"} · ${summary.players}/${summary.maxPlayers} players`;
    setText(status, meta);
  };

  const drawCountdown = () => {
    const now = Date.now() + skew;
    let text: string;
    if (summary.status === "upcoming") text = `Starts in ${clock(summary.startsAt - now)}`;
    else if (summary.status === "finished") text = "Finished";
    else if (summary.kind === "arena")
      text = now < (summary.endsAt ?? 0) ? `Ends in ${clock((summary.endsAt ?? 0) - now)}` : "Last games finishing";
    else
      text = `Round ${summary.round} of ${summary.rounds}${summary.roundDeadline ? ` · ends by ${clock(summary.roundDeadline - now)}` : ""}`;
    setText(countdown, text);
    countdown.dataset.status = summary.status;
  };

  const drawActions = () => {
    actions.replaceChildren();
    if (!me) {
      actions.append(h("p", null, h("a", { href: "/" }, "Pick a name"), " to join."));
      return;
    }
    if (summary.status === "finished") return;
    const entered = mine !== null && mine.state !== "withdrawn";
    if (!entered) {
      const codeInput = summary.private
        ? h("input", {
            id: "t-code",
            "aria-label": "Tournament code",
            placeholder: "Code",
            maxlength: 8,
            value: code ?? "",
          })
        : null;
      const join = h("button", { type: "button", class: "primary", id: "t-join" }, "Join");
      join.addEventListener("click", async () => {
        join.disabled = true;
        const joined = await tapi.join(id, codeInput?.value || undefined);
        join.disabled = false;
        if (!joined.ok) return showError(describeError(joined.error));
        error.hidden = true;
        follow(id, summary.name);
        mine = { ...(mine ?? placeholder()), state: joined.value.state };
        drawActions();
      });
      actions.append(...(codeInput ? [codeInput] : []), join);
      return;
    }
    if (mine?.playing)
      actions.append(h("a", { class: "button primary", href: `/m/${mine.playing}` }, "Open your game"));
    const paused = mine?.state === "paused";
    const pause = h("button", { type: "button", id: "t-pause" }, paused ? "Come back" : "Pause");
    pause.addEventListener("click", async () => {
      const done = await tapi.pause(id, !paused);
      if (!done.ok) return showError(describeError(done.error));
      mine = { ...(mine ?? placeholder()), state: done.value.state };
      drawActions();
    });
    const withdraw = h("button", { type: "button", class: "danger", id: "t-withdraw" }, "Withdraw");
    withdraw.addEventListener("click", async () => {
      const done = await tapi.withdraw(id);
      if (!done.ok) return showError(describeError(done.error));
      if (followed() === id) unfollow();
      mine = { ...(mine ?? placeholder()), state: "withdrawn" };
      drawActions();
    });
    actions.append(pause, withdraw);
  };

  const placeholder = (): StandingRow => ({
    rank: 0,
    playerId: me?.playerId ?? "",
    name: me?.name ?? "",
    score: 0,
    games: 0,
    wins: 0,
    draws: 0,
    losses: 0,
    streak: 0,
    byes: 0,
    buchholz: 0,
    sonnebornBerger: 0,
    performance: null,
    rating: 0,
    state: "active",
    playing: null,
  });

  const showError = (text: string) => {
    error.textContent = text;
    error.hidden = false;
  };

  const drawStandings = () => {
    body.replaceChildren(
      ...rows.map((row) => {
        const fire = summary.kind === "arena" && row.streak >= 2;
        const ties =
          summary.kind === "arena"
            ? [h("td", { class: "num" }, row.performance ?? "–")]
            : [h("td", { class: "num" }, row.buchholz), h("td", { class: "num" }, row.sonnebornBerger)];
        return h(
          "tr",
          { class: row.playerId === me?.playerId ? "me" : null, "data-player": row.playerId, "data-score": row.score },
          h("td", { class: "num" }, row.rank),
          h(
            "td",
            null,
            row.name,
            fire
              ? h("span", { class: "streak", title: `${row.streak} wins in a row: wins count double` }, " ×2")
              : null,
            row.state !== "active" ? h("span", { class: "muted small" }, ` (${row.state})`) : null,
          ),
          h("td", { class: "num score" }, row.score),
          ...ties,
          h("td", { class: "num" }, row.games),
        );
      }),
    );
    if (summary.status === "finished") {
      podium.hidden = false;
      podium.replaceChildren(
        ...summary.podium.map((place, index) =>
          h(
            "li",
            { class: `place place-${index + 1}` },
            h("span", { class: "medal" }, ["1st", "2nd", "3rd"][index] ?? ""),
            ` ${place.name} · ${place.score}`,
          ),
        ),
      );
    }
  };

  const drawTop = (games: readonly TournamentGame[]) => {
    topGames.replaceChildren(
      ...games.map((game) =>
        h(
          "li",
          null,
          h(
            "a",
            { href: `/m/${game.matchId}` },
            `${game.players[0].name} vs ${game.players[1].name}`,
            h("span", { class: "live-cta" }, " Watch"),
          ),
        ),
      ),
    );
    if (games.length === 0)
      topGames.append(
        h("li", { class: "muted" }, summary.status === "live" ? "Between games." : "No games being played."),
      );
  };

  const onFrame = (frame: TournamentFrame) => {
    if (frame.type !== "state") return;
    summary = frame.tournament;
    skew = frame.serverTime - Date.now();
    rows = frame.standings;
    const wasEntered = mine !== null && mine.state !== "withdrawn";
    mine = frame.me;
    drawHead();
    drawCountdown();
    drawStandings();
    drawTop(frame.top);
    if (wasEntered !== (mine !== null && mine.state !== "withdrawn") || actions.childElementCount === 0) drawActions();
    else if (mine?.playing && !actions.querySelector("a")) drawActions();
    // Entered players follow it from any page (a reload of this page finds them entered).
    if (mine && mine.state !== "withdrawn" && summary.status !== "finished" && followed() !== id)
      follow(id, summary.name);
  };

  // The feed; reconnects with a backoff while the page is open.
  let socket: WebSocket | null = null;
  let attempts = 0;
  let retry: ReturnType<typeof setTimeout> | null = null;
  const connect = () => {
    if (stopped) return;
    socket = new WebSocket(tapi.feedUrl(id));
    socket.addEventListener("open", () => {
      attempts = 0;
    });
    socket.addEventListener("message", (event) => {
      try {
        onFrame(JSON.parse(String(event.data)) as TournamentFrame);
      } catch {
        // A frame this page can't read: the next state frame replaces everything anyway.
      }
    });
    socket.addEventListener("close", () => {
      if (stopped) return;
      attempts++;
      retry = setTimeout(connect, Math.min(10_000, 500 * 2 ** attempts));
    });
  };

  const ticker = setInterval(drawCountdown, 250);
  root.replaceChildren(
    h(
      "div",
      { class: "page-head tournament-head", "data-tournament": id },
      h("h1", null, summary.name),
      status,
      countdown,
      code ? h("p", null, "Code to share: ", h("strong", { class: "tournament-code" }, code)) : null,
    ),
    actions,
    error,
    podium,
    h("section", { class: "card wide" }, h("h2", null, "Standings"), table),
    h("section", { class: "card wide" }, h("h2", null, "Top games"), topGames),
  );
  drawHead();
  drawCountdown();
  drawActions();
  // The full final table (the feed shows the top rows) once it is over.
  if (summary.status === "finished") {
    const all = await tapi.standings(id, 0, 200);
    if (all.ok) rows = all.value.rows;
    drawStandings();
  }
  connect();
  return () => {
    stopped = true;
    clearInterval(ticker);
    if (retry) clearTimeout(retry);
    socket?.close(1000, "left");
  };
}
