/**
 * `/m/:id`: a match, for its players and its spectators alike. The MatchClient owns the
 * connection (reconnects, resyncs, optimistic moves); this page draws what it knows, coalescing
 * changes into one draw per frame, and ticks the clocks (ten times a second, for the tenths).
 */
import { go } from "../nav.ts";
import { MatchClient, type MoveRefusal } from "../sdk.ts";
import { account, api } from "../session.ts";
import { rendererFor } from "../games/index.ts";
import type { GameRecord, Renderer } from "../games/renderer.ts";
import { findGame } from "../../shared/games/index.ts";
import { carriesOver } from "../../shared/clock.ts";
import type { MatchResult } from "../../shared/game.ts";
import type { GameRating, LoggedEvent, MatchSummary, MatchView, Rating, SeatInfo } from "../../shared/protocol.ts";
import { clock, clockText, controlText, LOW_TIME_MS } from "../clock.ts";
import { deltaText, PROVISIONAL_RD, ratingText, seatNames } from "../names.ts";
import { nameForm } from "./account.ts";
import { append, copy, describeError, errorBox, h, setText, show, title } from "./dom.ts";

/** Reasons every match may end for, as people say them (a game's own come from its renderer's `reasons`). */
const REASONS: Readonly<Record<string, string>> = {
  resign: "by resignation",
  timeout: "on time",
  abandoned: "the opponent left",
  "not-collected": "a player never arrived",
  agreement: "by agreement",
};

function reasonText(reason: string, renderer?: Renderer): string {
  return renderer?.reasons?.[reason] ?? REASONS[reason] ?? reason.replace(/-/g, " ");
}

/** A seat's name as shown: bots by strength, and several that read the same told apart. */
function nameOf(seats: readonly SeatInfo[], seat: number): string {
  return seatNames(seats).get(seat) ?? `Seat ${seat + 1}`;
}

/** The result as a headline, a detail line and a tone, from this viewer's side. */
export function describeResult(
  result: MatchResult,
  seats: readonly SeatInfo[],
  mySeat: number | null,
  renderer?: Renderer,
): { headline: string; detail: string; tone: string } {
  if (result.kind === "aborted")
    return { headline: "Match called off", detail: `No result: ${reasonText(result.reason)}.`, tone: "neutral" };
  if (result.kind === "draw") {
    const detail =
      result.reason === "timeout"
        ? "Both ran out of time."
        : result.reason === "blocked"
          ? "Nobody could play or draw, and the hands tie."
          : capitalise(reasonText(result.reason, renderer));
    return { headline: "Draw", detail, tone: "draw" };
  }
  const winners = result.winners.map((seat) => nameOf(seats, seat)).join(" and ");
  const winnersFromHere = result.winners.map((seat) => (seat === mySeat ? "You" : nameOf(seats, seat))).join(" and ");
  const losers = seats
    .filter((info) => !result.winners.includes(info.seat))
    .map((info) => (info.seat === mySeat ? "You" : nameOf(seats, info.seat)))
    .join(" and ");
  const detail =
    result.reason === "timeout"
      ? `${losers} ran out of time.`
      : result.reason === "resign"
        ? `${losers} resigned.`
        : result.reason === "abandoned"
          ? `${losers} left the game.`
          : result.reason === "checkmate"
            ? `Checkmate: ${winnersFromHere} mated ${losers === "You" ? "you" : losers}.`
            : result.reason === "out-of-cards"
              ? `${winnersFromHere} played out every card.`
              : result.reason === "blocked"
                ? "Nobody could play or draw: the smallest hand wins."
                : capitalise(reasonText(result.reason, renderer));
  if (mySeat === null) return { headline: `${winners} won`, detail, tone: "neutral" };
  if (result.winners.includes(mySeat)) return { headline: "You won!", detail, tone: "win" };
  return { headline: "You lost", detail, tone: "loss" };
}

/** A move list line for an event, or null for events that are not listed (join, start). */
function eventLine(event: LoggedEvent, renderer: Renderer): { seat: number | null; text: string } | null {
  switch (event.kind) {
    case "move":
      return { seat: event.seat, text: renderer.describe(event.move) };
    case "timeout":
      return event.move === undefined
        ? { seat: event.seats[0] ?? null, text: "ran out of time" }
        : { seat: event.seats[0] ?? null, text: `${renderer.describe(event.move)} (out of time)` };
    case "resign":
      return { seat: event.seat, text: "resigned" };
    case "abandon":
      return { seat: event.seat, text: "left the game" };
    case "abort":
      return { seat: null, text: `Called off: ${reasonText(event.reason)}` };
    case "draw-offer":
      return { seat: event.seat, text: "offered a draw" };
    case "draw-decline":
      return { seat: event.seat, text: "declined the draw" };
    case "draw-accept":
      return { seat: event.seat, text: "agreed to a draw" };
    default:
      return null;
  }
}

interface SeatCard {
  readonly root: HTMLElement;
  readonly token: HTMLElement;
  readonly name: HTMLElement;
  readonly you: HTMLElement;
  readonly rating: HTMLElement;
  readonly presence: HTMLElement;
  readonly presenceLabel: HTMLElement;
  readonly presenceTime: HTMLElement;
  readonly clock: HTMLElement;
}

function seatCard(seat: number, gameId: string, renderer: Renderer): SeatCard {
  const piece = renderer.pieces[seat] ?? `Seat ${seat + 1}`;
  const token = h(
    "span",
    { class: `token g-${gameId} s${seat}`, role: "img", "aria-label": piece, title: piece },
    renderer.token?.(seat) ?? "",
  );
  const name = h("span", { class: "seat-name" });
  const you = h("span", { class: "tag" }, "You");
  you.hidden = true;
  const rating = h("span", { class: "seat-rating" });
  const presenceLabel = h("span", { class: "presence-label" });
  const presenceTime = h("span", { class: "presence-time" });
  const presence = h("span", { class: "seat-presence" }, presenceLabel, presenceTime);
  const time = h("span", { class: "seat-clock", role: "timer", "aria-label": "Time left" });
  const root = h(
    "div",
    { class: "seat", "data-seat": seat },
    token,
    h(
      "div",
      { class: "seat-who" },
      h("div", { class: "seat-line" }, name, you),
      h("div", { class: "seat-line small" }, rating, presence),
    ),
    time,
  );
  return { root, token, name, you, rating, presence, presenceLabel, presenceTime, clock: time };
}

export async function render(root: HTMLElement, [matchId = ""]: readonly string[]): Promise<() => void> {
  title("Match");
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
  const resultBox = h("div", { class: "result", role: "status" });
  const resultHeadline = h("strong", { class: "result-headline" });
  const resultDetail = h("span", { class: "result-detail" });
  const resultRating = h("span", { class: "result-rating" });
  resultBox.append(resultHeadline, resultDetail, resultRating);
  const boardRoot = h("div", { class: `board-wrap g-${gameId}` });
  const notice = h("p", { class: "notice", role: "status", "aria-live": "polite" });

  const resign = h("button", { type: "button", class: "danger", id: "resign" }, "Resign");
  const offerDraw = h("button", { type: "button", id: "offer-draw" }, "Offer draw");
  const drawText = h("span", { class: "draw-text" });
  const acceptDraw = h("button", { type: "button", class: "primary", id: "accept-draw" }, "Accept draw");
  const declineDraw = h("button", { type: "button", id: "decline-draw" }, "Decline");
  const drawPrompt = h(
    "div",
    { class: "draw-prompt", role: "group", "aria-label": "Draw offer" },
    drawText,
    acceptDraw,
    declineDraw,
  );
  const confirmText = h("span", null, "Resign this game?");
  const confirmYes = h("button", { type: "button", class: "danger", id: "resign-confirm" }, "Yes, resign");
  const confirmNo = h("button", { type: "button", id: "resign-cancel" }, "Keep playing");
  const confirmBox = h(
    "div",
    { class: "confirm", role: "group", "aria-label": "Confirm resignation" },
    confirmText,
    confirmYes,
    confirmNo,
  );
  const rematch = h("button", { type: "button", class: "primary", id: "rematch" }, "Rematch");
  const rematchNote = h("span", { class: "muted small" });
  const toRematch = h("button", { type: "button", class: "primary", id: "go-rematch" }, "Go to the rematch");
  const takeSeat = h("button", { type: "button", class: "primary", id: "take-seat" }, "Take a seat");
  const startNow = h("button", { type: "button", class: "primary", id: "start-match" }, "Start now");
  const replayLink = h(
    "a",
    { class: "button", href: `/r/${matchId}`, id: "replay-link", title: "Watch the replay, move by move" },
    "Replay",
  );
  const lobbyLink = h("a", { class: "button", href: "/" }, "New game");
  const actionError = errorBox();
  const seatForm = h("div", { class: "seat-form" });
  const actions = h(
    "div",
    { class: "actions match-actions" },
    offerDraw,
    resign,
    confirmBox,
    startNow,
    takeSeat,
    rematch,
    toRematch,
    rematchNote,
    replayLink,
    lobbyLink,
  );

  const inviteLink = `${location.origin}/i/${summary.inviteCode ?? ""}`;
  const copyButton = h("button", { type: "button", id: "copy-invite" }, "Copy link");
  const copied = h("span", { class: "muted small", role: "status" });
  const invite = h(
    "section",
    { class: "card invite", "aria-labelledby": "invite-title", "data-invite-code": summary.inviteCode ?? "" },
    h("h2", { id: "invite-title" }, summary.inviteCode ? "Invite a friend" : "Waiting for an opponent"),
    summary.inviteCode
      ? h(
          "div",
          null,
          h("p", null, "Send this link, or the code, to the person you want to play:"),
          h(
            "p",
            { class: "invite-code" },
            h("span", { class: "muted small" }, "Code "),
            h("strong", { id: "invite-code-value" }, summary.inviteCode),
          ),
          h(
            "div",
            { class: "row" },
            h("input", { class: "invite-link", readonly: true, value: inviteLink, "aria-label": "Invite link" }),
            copyButton,
          ),
          copied,
        )
      : h("p", null, "Anyone with this page's address can take the free seat."),
  );
  copyButton.addEventListener("click", async () => {
    const input = invite.querySelector("input");
    const done = await copy(inviteLink);
    if (!done) input?.select();
    copied.textContent = done ? "Copied!" : "Select the link and copy it.";
  });

  // Games with a notation of their own (chess) list their moves in numbered pairs, with the
  // position to copy and, once over, the game to download.
  const pairsList = renderer.record !== undefined;
  const movesList = h("ol", { class: `moves${pairsList ? " pairs" : ""}`, "aria-label": "Moves" });
  const movesBox = h("div", { class: "moves-scroll", tabindex: 0 }, movesList);
  const noMoves = h("p", { class: "muted small" }, "No moves yet.");
  const fenInput = h("input", { class: "fen", id: "fen", readonly: true, "aria-label": "Position (FEN)" });
  const copyFen = h("button", { type: "button", id: "copy-fen" }, "Copy FEN");
  const fenCopied = h("span", { class: "muted small", role: "status" });
  const pgnLink = h("a", { class: "button", id: "download-pgn", download: `ply-${matchId}.pgn` }, "Download PGN");
  const tools = h("div", { class: "game-tools" }, h("div", { class: "row" }, fenInput, copyFen), fenCopied, pgnLink);
  tools.hidden = !pairsList;
  copyFen.addEventListener("click", async () => {
    const done = await copy(fenInput.value);
    if (!done) fenInput.select();
    fenCopied.textContent = done ? "FEN copied." : "Select the FEN and copy it.";
  });
  /** The PGN last written, and the number of log entries it was written from. */
  let pgnFor = -1;
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
      h(
        "aside",
        { class: "match-side" },
        h("div", { class: "match-status" }, notice, drawPrompt, resultBox, actions, seatForm, actionError),
        h(
          "section",
          { class: "card moves-card", "aria-labelledby": "moves-title" },
          h("h2", { id: "moves-title" }, "Moves"),
          noMoves,
          movesBox,
          tools,
        ),
      ),
    ),
  );
  root.replaceChildren(page);

  // ---- Ratings, from each seated player's profile (rounded for display).
  /** Each seated person's rating in this game: undefined while loading, null before their first rated game. */
  const ratings = new Map<string, GameRating | null | undefined>();
  /** What this match did to each player's rating, once their profile records it. */
  const changes = new Map<string, { before: Rating; after: Rating }>();
  const loadRating = async (playerId: string) => {
    const profile = await api().profile(playerId);
    if (!profile.ok) return;
    ratings.set(playerId, profile.value.ratings[gameId] ?? null);
    const record = profile.value.recent.find((entry) => entry.matchId === matchId);
    if (record?.ratingBefore && record.ratingAfter)
      changes.set(playerId, { before: record.ratingBefore, after: record.ratingAfter });
    schedule();
  };

  // ---- The connection: recreated after taking a seat (the server decides the seat at connect).
  let client: MatchClient;
  let unsubscribe: (() => void)[] = [];
  let wasOpen = false;
  let renderedLog = 0;
  let movesCount = 0;
  /** The game so far in the game's own notation (chess), for the move list. */
  let record: GameRecord | null = null;
  let finished = false;
  let confirming = false;
  /** The confirmed seq when we last sent a draw frame: its buttons wait for the answer. */
  let drawSentAt: number | null = null;
  /** Moves we sent, by client id, to explain a refusal that comes back later. */
  const tried = new Map<string, unknown>();
  let lastTried: unknown = null;
  let noticeTimer: ReturnType<typeof setTimeout> | null = null;
  let ratingPoll: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  /** Shows a sentence under the board; its machine code stays out of sight, in `data-code` (tests read it). */
  const setNotice = (text: string, code = ""): void => {
    if (noticeTimer) clearTimeout(noticeTimer);
    notice.replaceChildren();
    notice.dataset.code = text ? code : "";
    if (text) {
      append(notice, h("span", { class: "notice-icon", "aria-hidden": "true" }, "!"), h("span", null, text));
      noticeTimer = setTimeout(() => setNotice(""), 8000);
    }
    notice.classList.toggle("shown", text !== "");
  };

  const explain = (refusal: MoveRefusal, move: unknown): string => {
    const view = client.view;
    const waitingFor = view?.turn?.seats.map((seat) => nameOf(view.seats, seat)).join(" and ");
    switch (refusal.code) {
      case "illegal":
        return renderer.explain?.(refusal.reason ?? "", move) ?? capitalise(refusal.message);
      case "not-your-turn":
        return waitingFor ? `It's not your turn: ${waitingFor} is to move.` : "It's not your turn.";
      case "not-started":
        return "The game has not started yet: waiting for an opponent.";
      case "game-over":
        return "The game is over.";
      case "spectator":
        return "You are watching this match, so you cannot move.";
      case "queue-full":
        return "Too many moves are waiting for the server: wait for the connection to come back.";
      case "stale":
        return "The board changed before your move arrived: look again and replay it.";
      default:
        return capitalise(refusal.message);
    }
  };

  const play = (move: unknown) => {
    setNotice("");
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
    unsubscribe.forEach((stop) => stop());
    client?.close();
    wasOpen = false;
    renderedLog = 0;
    movesCount = 0;
    record = renderer.record?.() ?? null;
    pgnFor = -1;
    movesList.replaceChildren();
    client = new MatchClient({ origin: location.origin, matchId, token: account()?.token ?? null });
    unsubscribe = [
      client.on("change", schedule),
      client.on("connection", (status) => {
        if (status === "open") wasOpen = true;
        schedule();
      }),
      client.on("refused", (refusal) => {
        const move = refusal.id !== null ? tried.get(refusal.id) : lastTried;
        setNotice(explain(refusal, move), refusal.reason ?? refusal.code);
        schedule();
      }),
      client.on("error", (error) => {
        // A refused draw frame (the offer went away meanwhile): its buttons may be used again.
        drawSentAt = null;
        setNotice(capitalise(error.message), error.code);
        schedule();
      }),
    ];
  }

  // ---- Actions.
  resign.addEventListener("click", () => {
    confirming = true;
    update();
    confirmNo.focus();
  });
  confirmNo.addEventListener("click", () => {
    confirming = false;
    update();
    resign.focus();
  });
  confirmYes.addEventListener("click", () => {
    confirming = false;
    client.resign();
    update();
  });
  const sendDraw = (action: "offer" | "accept" | "decline") => {
    if (!client.draw(action)) return setNotice("Not connected: try again once the connection is back.");
    drawSentAt = client.confirmed?.seq ?? null;
    update();
  };
  offerDraw.addEventListener("click", () => sendDraw("offer"));
  acceptDraw.addEventListener("click", () => sendDraw("accept"));
  declineDraw.addEventListener("click", () => sendDraw("decline"));
  rematch.addEventListener("click", () => {
    client.rematch();
    rematch.disabled = true;
  });
  toRematch.addEventListener("click", () => {
    const next = client.view?.rematch?.matchId;
    if (next) go(`/m/${next}`);
  });
  const join = async () => {
    takeSeat.disabled = true;
    actionError.hidden = true;
    const joined = await api().join(matchId);
    takeSeat.disabled = false;
    if (!joined.ok && joined.error.code !== "already-joined") {
      actionError.textContent = describeError(joined.error);
      actionError.hidden = false;
      return;
    }
    connect();
    schedule();
  };
  startNow.addEventListener("click", async () => {
    startNow.disabled = true;
    actionError.hidden = true;
    const started = await api().start(matchId);
    startNow.disabled = false;
    if (!started.ok && started.error.code !== "already-started") {
      actionError.textContent = describeError(started.error);
      actionError.hidden = false;
    }
  });
  takeSeat.addEventListener("click", () => {
    if (account()) return void join();
    seatForm.replaceChildren(
      nameForm(() => {
        seatForm.replaceChildren();
        void join();
      }, "Pick a name to take the seat."),
    );
  });

  // ---- Drawing.
  function update(): void {
    const view: MatchView | null = client.view;
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

    // Seats.
    cards.forEach((card, seat) => {
      const info = seats.find((entry) => entry.seat === seat);
      const shownName = info ? nameOf(seats, seat) : "Open seat";
      setText(card.name, shownName);
      card.name.title = info ? shownName : "";
      card.root.classList.toggle("empty", !info);
      // Once started, the match is for the seats taken: the rest stay empty for good.
      show(card.root, !!info || status === "waiting");
      card.root.classList.toggle("mine", seat === mySeat);
      card.root.classList.toggle("active", status === "playing" && !!view?.turn?.seats.includes(seat));
      card.root.classList.toggle("winner", view?.result?.kind === "win" && view.result.winners.includes(seat));
      card.you.hidden = seat !== mySeat;
      const bot = info?.bot;
      card.root.classList.toggle("bot", !!bot);
      // A bot's name says what it is; it has no rating.
      if (bot || !info) {
        setText(card.rating, "");
        return;
      }
      if (!ratings.has(info.playerId)) {
        ratings.set(info.playerId, undefined);
        void loadRating(info.playerId);
      }
      // Until the profile answers, nothing (not a guess that then changes).
      const rating = ratings.get(info.playerId);
      const change = changes.get(info.playerId);
      setText(
        card.rating,
        rating === undefined
          ? ""
          : change
            ? `${ratingText(change.after)} (${deltaText(change.before.rating, change.after.rating)})`
            : ratingText(rating),
      );
      card.rating.title =
        rating === undefined
          ? ""
          : rating === null || rating.rd > PROVISIONAL_RD
            ? "Provisional rating: few games yet"
            : "Rating";
    });
    tick();

    // Result.
    const result = view?.status === "finished" ? view.result : null;
    show(resultBox, !!result);
    if (result) {
      const described = describeResult(result, seats, mySeat, renderer);
      setText(resultHeadline, described.headline);
      setText(resultDetail, described.detail);
      resultBox.dataset.tone = described.tone;
      if (!finished) {
        finished = true;
        setNotice("");
        // A rated match moves the ratings once each player's record has it (a moment after
        // the end): read the profiles again until every change is known, for a while.
        const people = seats.filter((info) => !info.bot);
        if (summary.rated && result.kind !== "aborted") {
          let tries = 0;
          const poll = () => {
            if (closed || people.every((info) => changes.has(info.playerId)) || ++tries > 15) return;
            for (const info of people) if (!changes.has(info.playerId)) void loadRating(info.playerId);
            ratingPoll = setTimeout(poll, 1000);
          };
          ratingPoll = setTimeout(poll, 500);
        }
      }
      const mine = mySeat === null ? undefined : seats.find((info) => info.seat === mySeat);
      const change = mine ? changes.get(mine.playerId) : undefined;
      setText(
        resultRating,
        change
          ? `Your rating: ${ratingText(change.after)} (${deltaText(change.before.rating, change.after.rating)})`
          : "",
      );
      resultRating.dataset.delta = change
        ? String(Math.round(change.after.rating) - Math.round(change.before.rating))
        : "";
    }

    // The board.
    const lastMove = client.pending.at(-1)?.move ?? lastLoggedMove(client.log);
    renderer.render(boardRoot, { view: view?.view ?? null, mySeat, canMove: client.myTurn, play, lastMove });
    boardRoot.classList.toggle("my-turn", client.myTurn);

    // Actions.
    const playing = status === "playing" && mySeat !== null;
    show(resign, playing && !confirming);
    // Draws: an offer of ours waits for the others; another's offer asks us to answer it.
    const drawOffers = status === "playing" ? (view?.drawOffers ?? []) : [];
    const offeredByMe = mySeat !== null && drawOffers.includes(mySeat);
    const offeredByOthers = drawOffers.filter((seat) => seat !== mySeat);
    const answering = drawSentAt !== null && drawSentAt === client.confirmed?.seq;
    if (!answering) drawSentAt = null;
    show(offerDraw, playing && (offeredByOthers.length === 0 || offeredByMe));
    offerDraw.disabled = offeredByMe || answering;
    offerDraw.classList.toggle("pending", offeredByMe);
    setText(offerDraw, offeredByMe ? "Draw offered" : "Offer draw");
    offerDraw.title = offeredByMe
      ? "Waiting for an answer: a move by the opponent declines it"
      : "Offer your opponent a draw";
    show(drawPrompt, playing && !offeredByMe && offeredByOthers.length > 0);
    setText(
      drawText,
      `${offeredByOthers.map((seat) => nameOf(seats, seat)).join(" and ")} ${offeredByOthers.length === 1 ? "offers" : "offer"} a draw.`,
    );
    acceptDraw.disabled = declineDraw.disabled = answering;
    show(confirmBox, playing && confirming);
    const canSeat =
      status === "waiting" && client.role === "spectator" && seats.length < (view?.capacity ?? summary.capacity);
    show(takeSeat, canSeat);
    const creator = summary.creatorId !== null && summary.creatorId === account()?.playerId;
    show(
      startNow,
      status === "waiting" &&
        creator &&
        seats.length >= summary.minPlayers &&
        seats.length < (view?.capacity ?? summary.capacity),
    );
    if (!canSeat) seatForm.replaceChildren();
    const over = status === "finished";
    const played = over && result?.kind !== "aborted";
    const offers = view?.rematch?.offers ?? [];
    const nextMatch = view?.rematch?.matchId ?? null;
    show(rematch, played && mySeat !== null && !nextMatch);
    show(toRematch, !!nextMatch);
    setText(toRematch, mySeat === null ? "Watch the rematch" : "Go to the rematch");
    const mine = mySeat !== null && offers[mySeat] === true;
    const others = seats
      .filter((info) => info.seat !== mySeat && offers[info.seat])
      .map((info) => nameOf(seats, info.seat));
    rematch.disabled = mine;
    setText(rematch, mine ? "Rematch offered" : others.length ? "Accept rematch" : "Rematch");
    setText(
      rematchNote,
      nextMatch
        ? ""
        : mine
          ? "Waiting for your opponent to accept…"
          : others.length && mySeat !== null
            ? `${others.join(" and ")} wants a rematch!`
            : "",
    );
    show(rematchNote, played && rematchNote.textContent !== "");
    show(replayLink, over);
    // The message line keeps its height while moves are made (so nothing jumps); once the match
    // is over the result takes its place.
    show(notice, !over || notice.classList.contains("shown"));
    show(lobbyLink, over);
    show(invite, status === "waiting" && (mySeat !== null || !!summary.inviteCode));
    show(
      actions,
      [...actions.children].some((child) => !(child as HTMLElement).hidden),
    );

    // Moves: appended as the log grows (it never rewrites itself), then the pending ones.
    const log = client.log;
    const atBottom = movesBox.scrollTop + movesBox.clientHeight >= movesBox.scrollHeight - 4;
    for (; renderedLog < log.length; renderedLog++) {
      const event = log[renderedLog]!;
      const described = eventLine(event, renderer);
      if (!described) continue;
      const counted = event.kind === "move" || (event.kind === "timeout" && event.move !== undefined);
      if (counted) movesCount++;
      if (counted && record && (event.kind === "move" || event.kind === "timeout")) {
        const written = record.play(event.move) ?? renderer.describe(event.move);
        movesList.append(
          plyItem(movesCount, event.kind === "timeout" ? `${written} (out of time)` : written, event.seq),
        );
        continue;
      }
      movesList.append(
        moveItem(
          counted ? movesCount : null,
          described.seat,
          described.seat === null ? "" : nameOf(seats, described.seat),
          described.text,
          event.seq,
        ),
      );
    }
    for (const stale of movesList.querySelectorAll(".pending")) stale.remove();
    // Moves not confirmed yet say so: "not sent yet" while offline, "sending…" on their way.
    const waiting = client.status === "open" ? "sending…" : "not sent yet";
    const fork = record?.fork() ?? null;
    client.pending.forEach((pending, index) => {
      const item = fork
        ? plyItem(movesCount + index + 1, fork.play(pending.move) ?? renderer.describe(pending.move), null)
        : moveItem(
            movesCount + index + 1,
            mySeat,
            mySeat === null ? "" : nameOf(seats, mySeat),
            renderer.describe(pending.move),
            null,
          );
      item.classList.add("pending");
      item.append(h("span", { class: "pending-note" }, waiting));
      item.title =
        client.status === "open" ? "Sent: waiting for the server" : "Not sent yet: waiting for the connection";
      movesList.append(item);
    });
    if (record) {
      if (fenInput.value !== record.fen) fenInput.value = record.fen;
      show(pgnLink, over);
      if (over && pgnFor !== log.length) {
        pgnFor = log.length;
        const pgn = record.pgn({
          white: nameOf(seats, 0),
          black: nameOf(seats, 1),
          site: `${location.origin}/r/${matchId}`,
          event: summary.rated ? "Rated game" : "Casual game",
          ...(log[0] ? { playedAt: log[0].at } : {}),
          result: view?.result ?? null,
        });
        pgnLink.href = `data:application/x-chess-pgn;charset=utf-8,${encodeURIComponent(pgn)}`;
      }
    }
    show(noMoves, movesList.childElementCount === 0);
    if (atBottom) movesBox.scrollTop = movesBox.scrollHeight;
  }

  /** A move in a list of numbered pairs: White's opens a line ("1. e4"), Black's completes it ("Nc6"). */
  function plyItem(ply: number, text: string, seq: number | null): HTMLLIElement {
    const white = ply % 2 === 1;
    const number = Math.ceil(ply / 2);
    // Black's move after a line that is not White's (a draw offer, say) carries its number.
    const alone = !white && !movesList.lastElementChild?.classList.contains("white");
    return h(
      "li",
      { "data-seq": seq ?? "", class: `move ${white ? "white" : "black"}` },
      white ? h("span", { class: "n" }, `${number}.`) : alone ? h("span", { class: "n" }, `${number}…`) : null,
      white || alone ? " " : null,
      h("span", { class: "what" }, text),
    );
  }

  function moveItem(
    n: number | null,
    seat: number | null,
    who: string,
    what: string,
    seq: number | null,
  ): HTMLLIElement {
    return h(
      "li",
      { "data-seq": seq ?? "", class: n === null ? "event" : "move" },
      h("span", { class: "n" }, n === null ? "" : `${n}.`),
      seat === null
        ? null
        : h("span", { class: `token tiny g-${gameId} s${seat}`, "aria-hidden": "true" }, renderer.token?.(seat) ?? ""),
      h("span", { class: "who" }, who),
      " ",
      h("span", { class: "what" }, what),
    );
  }

  /**
   * The clocks, as the server last reported them (a move of ours on its way does not stop
   * ours: only the server knows when it lands): with a bank (Fischer, delay) every seat's time,
   * the running one highlighted; with a limit per move, the countdown of the move being made.
   * Then each absent player's forfeit countdown.
   */
  function tick(): void {
    const view = client.view;
    const confirmed = client.confirmed;
    const matchClock = confirmed?.clock ?? null;
    const now = Date.now();
    cards.forEach((card, seat) => {
      const info = view?.seats.find((entry) => entry.seat === seat);
      const running = confirmed?.status === "playing" && !!matchClock?.running.includes(seat);
      const left = info ? client.clockMs(seat, now) : null;
      const shown = matchClock !== null && left !== null && (running || carriesOver(matchClock.control));
      setText(card.clock, shown ? clockText(left, matchClock.control) : "");
      card.clock.classList.toggle("running", shown && running);
      card.clock.classList.toggle("low", shown && left < LOW_TIME_MS);
      card.clock.dataset.ms = shown ? String(Math.round(left)) : "";
      const presence = client.presence;
      let label = "";
      let time = "";
      let state = "";
      if (info && presence && view?.status !== "finished") {
        const forfeitAt = presence.forfeitAt[seat] ?? null;
        if (seat === client.seat && client.role === "player" && client.status !== "open") {
          label = "offline";
          state = "away";
        } else if (presence.connected[seat]) {
          label = "online";
          state = "online";
        } else if (forfeitAt !== null) {
          label = "connection lost · forfeits in ";
          time = clock(forfeitAt - (now + client.clockOffset));
          state = "away";
        } else {
          label = "offline";
          state = "offline";
        }
      }
      setText(card.presenceLabel, label);
      setText(card.presenceTime, time);
      card.presence.dataset.state = state;
      card.presence.title = time ? `Connection lost: forfeits in ${time} unless they come back` : "";
    });
  }

  connect();
  update();
  const ticker = setInterval(tick, 100);

  return () => {
    closed = true;
    clearInterval(ticker);
    if (frame) cancelAnimationFrame(frame);
    if (noticeTimer) clearTimeout(noticeTimer);
    if (ratingPoll) clearTimeout(ratingPoll);
    unsubscribe.forEach((stop) => stop());
    client.close();
  };
}

function lastLoggedMove(log: readonly LoggedEvent[]): unknown {
  for (let index = log.length - 1; index >= 0; index--) {
    const event = log[index]!;
    if (event.kind === "move") return event.move;
    if (event.kind === "timeout" && event.move !== undefined) return event.move;
  }
  return undefined;
}

function capitalise(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? "" : ".") : text;
}
