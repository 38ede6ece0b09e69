/**
 * `/m/:id`: a match, for its players and its spectators alike. The MatchClient owns the
 * connection (reconnects, resyncs, optimistic moves); this page draws what it knows, coalescing
 * changes into one draw per frame, and ticks the clocks (ten times a second, for the tenths).
 * When the server moves the socket on to the next game of the series (a rematch), the page
 * follows it in place: the address becomes the new game's, and everything drawn is its.
 * Its parts live in `match/`: the seat cards, the status panel, the move list, the words.
 */
import { findGame } from "../../shared/games/index.ts";
import type { MatchSummary, MatchView } from "../../shared/protocol.ts";
import { controlText } from "../clock.ts";
import { rendererFor } from "../games/index.ts";
import type { Renderer } from "../games/renderer.ts";
import { MatchClient } from "../sdk.ts";
import { account, api } from "../session.ts";
import { describeError, errorBox, h, setText, show, title } from "./dom.ts";
import { inviteCard } from "./match/invite.ts";
import { lastLoggedMove, MoveList } from "./match/moves.ts";
import { StatusPanel } from "./match/panel.ts";
import { RatingBook } from "./match/ratings.ts";
import { drawSeats, seatCard, tickSeats } from "./match/seats.ts";
import { capitalise, describeResult, explainRefusal, nameOf } from "./match/text.ts";

export { describeResult } from "./match/text.ts";

export async function render(root: HTMLElement, [requested = ""]: readonly string[]): Promise<() => void> {
  title("Match");
  /** The game shown: the one asked for, until the connection moves on to a later game of its series. */
  let matchId = requested;
  const found = await api().match(matchId);
  if (!found.ok) {
    const missing = found.error.code === "not-found";
    root.replaceChildren(
      h(
        "section",
        { class: "card narrow" },
        h("h1", null, missing ? "No such match" : "Could not load the match"),
        h("p", null, missing ? "This match does not exist, or it was never started." : describeError(found.error)),
        h("p", null, h("a", { class: "button", href: "/" }, "Back to the lobby")),
      ),
    );
    return () => {};
  }
  // A rematch keeps the game, its settings and its players, so the summary's settings hold for
  // every game the page follows; its state (status, seats) is only shown until the socket's.
  const summary: MatchSummary = found.value;
  const gameId = summary.gameId;
  const known = rendererFor(gameId);
  const gameName = findGame(gameId)?.name ?? gameId;
  if (!known) {
    root.replaceChildren(
      errorBox(`This browser does not know how to draw ${gameName} yet. Reload the page to get the latest version.`),
    );
    return () => {};
  }
  const renderer: Renderer = known;

  // ---- The page's skeleton: built once; updates only change text, classes and attributes.
  const offline = h("div", { class: "banner offline", role: "status" }, "Connecting…");
  const heading = h("h1", null, gameName);
  const spectating = h("span", { class: "badge" }, "Spectating");
  const control = h("span", { class: "badge control", title: "Time control" }, controlText(summary.timeControl));
  const ratedBadge = h(
    "span",
    {
      class: `badge ${summary.rated ? "rated" : "casual"}`,
      title: summary.rated ? "The result changes both players' ratings" : "The result changes no rating",
    },
    summary.rated ? "Rated" : "Casual",
  );
  const watchers = h("span", { class: "watchers", title: "Spectators watching now" });
  const turnLine = h("p", { class: "turn-line", "aria-live": "polite" }, "");
  const cards = Array.from({ length: summary.capacity }, (_, seat) => seatCard(seat, gameId, renderer));
  const seatsBox = h("div", { class: "seats" }, ...cards.map((card) => card.root));
  const boardRoot = h("div", { class: `board-wrap g-${gameId}` });
  const invite = inviteCard(summary);
  const moves = new MoveList(matchId, summary, renderer);
  let ratings = new RatingBook(gameId, matchId, () => schedule());
  const panel = new StatusPanel({
    get matchId() {
      return matchId;
    },
    summary,
    renderer,
    get ratings() {
      return ratings;
    },
    client: () => client,
    update: () => update(),
    schedule: () => schedule(),
    reconnect: () => connect(),
  });
  const page = h(
    "div",
    { class: "match", "data-game": gameId, "data-match": matchId },
    offline,
    h(
      "header",
      { class: "match-head" },
      h("div", { class: "match-title" }, heading, control, ratedBadge, spectating, watchers),
      turnLine,
    ),
    h(
      "div",
      { class: "match-layout" },
      h("div", { class: "match-main" }, invite, seatsBox, boardRoot),
      // Beside the board on a wide screen, right under it on a phone: in view either way.
      h("aside", { class: "match-side" }, panel.root, moves.root),
    ),
  );
  root.replaceChildren(page);

  // ---- The connection: recreated after taking a seat (the server decides the seat at connect).
  let client: MatchClient;
  let unsubscribe: (() => void)[] = [];
  let wasOpen = false;
  /** Moved on to the next game, whose snapshot has not come yet: the page keeps what it drew. */
  let following = false;
  /** Moves we sent, by client id, to explain a refusal that comes back later. */
  const tried = new Map<string, unknown>();
  let lastTried: unknown = null;

  const play = (move: unknown) => {
    panel.setNotice("");
    lastTried = move;
    const sent = client.move(move);
    if (sent.ok) tried.set(sent.id, move);
  };

  let frame = 0;
  function schedule(): void {
    if (!frame)
      frame = requestAnimationFrame(() => {
        frame = 0;
        update();
      });
  }

  function connect(): void {
    for (const stop of unsubscribe) stop();
    client?.close();
    wasOpen = false;
    following = false;
    moves.reset();
    client = new MatchClient({ origin: location.origin, matchId, token: account()?.token ?? null });
    unsubscribe = [
      client.on("change", schedule),
      client.on("connection", (status) => {
        if (status === "open") wasOpen = true;
        schedule();
      }),
      client.on("refused", (refusal) => {
        const move = refusal.id !== null ? tried.get(refusal.id) : lastTried;
        panel.setNotice(explainRefusal(refusal, move, client.view, renderer), refusal.reason ?? refusal.code);
        schedule();
      }),
      client.on("error", (error) => {
        // A refused draw frame (the offer went away meanwhile): its buttons may be used again.
        panel.drawRefused();
        panel.setNotice(capitalise(error.message), error.code);
        schedule();
      }),
      client.on("next-game", (next) => follow(next.matchId)),
    ];
  }

  /** The socket now carries `next`, the next game of the series: the page becomes that game's. */
  function follow(next: string): void {
    matchId = next;
    following = true;
    // The address names the game shown (a reload opens it), without a new history entry.
    history.replaceState(null, "", `/m/${next}`);
    page.dataset.match = next;
    tried.clear();
    lastTried = null;
    moves.reset(next);
    // Ratings moved with the last game: read them again, and this game's changes once it ends.
    ratings.close();
    ratings = new RatingBook(gameId, next, () => schedule());
    panel.reset();
    schedule();
  }

  // ---- Drawing.
  function update(): void {
    const view: MatchView | null = client.view;
    if (following && !view) return;
    following = false;
    const mySeat = client.role === "player" ? client.seat : null;
    const status = view?.status ?? summary.status;
    const seats = view?.seats ?? summary.seats;
    page.dataset.status = status;
    page.dataset.mySeat = mySeat === null ? "" : String(mySeat);
    page.dataset.role = client.role ?? "";
    page.dataset.moves = String(view?.moves ?? 0);

    show(offline, client.status !== "open");
    setText(
      offline,
      client.status === "closed"
        ? "Disconnected. Reload the page to reconnect."
        : wasOpen
          ? "Connection lost. Reconnecting…"
          : "Connecting…",
    );

    show(spectating, client.role === "spectator");
    const spectators = client.presence?.spectators ?? 0;
    setText(watchers, spectators === 0 ? "" : `${spectators} watching`);

    // Whose turn.
    let line = "Connecting…";
    if (view) {
      if (status === "waiting")
        line = mySeat === null ? "Waiting for players to join" : "Waiting for an opponent to join…";
      else if (status === "finished" && view.result)
        line = describeResult(view.result, seats, mySeat, renderer).headline;
      else {
        const piece = mySeat === null ? undefined : renderer.pieces[mySeat];
        const mine = piece ? ` · you play ${piece}` : "";
        if (client.myTurn) line = `Your turn${mine}`;
        else if (view.turn) line = `${view.turn.seats.map((seat) => nameOf(seats, seat)).join(" and ")} to move${mine}`;
      }
    }
    // A move made offline is drawn, but nobody has it yet: say so rather than move the turn on.
    if (view && status === "playing" && client.status !== "open" && client.pending.length > 0)
      line = "Offline: your move is not sent yet. It goes out when the connection is back.";
    setText(turnLine, line);
    turnLine.classList.toggle("mine", client.myTurn);
    title(
      `${client.myTurn ? "Your turn · " : ""}${gameName}${seats.length >= 2 ? `: ${seats.map((seat) => nameOf(seats, seat.seat)).join(" vs ")}` : ""}`,
    );

    drawSeats(cards, view, status, seats, mySeat, ratings);
    tick();

    const drawn = { view, status, seats, mySeat };
    const result = panel.drawResult(drawn);

    // The board.
    const lastMove = client.pending.at(-1)?.move ?? lastLoggedMove(client.log);
    renderer.render(boardRoot, { view: view?.view ?? null, mySeat, canMove: client.myTurn, play, lastMove });
    boardRoot.classList.toggle("my-turn", client.myTurn);

    panel.drawActions(drawn, result, invite);
    // Moves: appended as the log grows (it never rewrites itself), then the pending ones.
    moves.draw(client, view, seats, mySeat);
  }

  function tick(): void {
    tickSeats(cards, client);
  }

  connect();
  update();
  const ticker = setInterval(tick, 100);

  return () => {
    clearInterval(ticker);
    if (frame) cancelAnimationFrame(frame);
    panel.close();
    ratings.close();
    for (const stop of unsubscribe) stop();
    client.close();
  };
}
