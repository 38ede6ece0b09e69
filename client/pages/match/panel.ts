/**
 * The status panel beside the board: the notice line, a draw offer to answer, the result, and
 * the actions (resign, draws, rematch, taking a seat, starting early, the replay).
 */
import type { MatchResult } from "../../../shared/game.ts";
import type { MatchSummary, MatchView, SeatInfo } from "../../../shared/protocol.ts";
import type { Renderer } from "../../games/renderer.ts";
import { deltaText, ratingText } from "../../names.ts";
import { go } from "../../nav.ts";
import type { MatchClient } from "../../sdk.ts";
import { account, api } from "../../session.ts";
import { nameForm } from "../account.ts";
import { append, describeError, errorBox, h, setText, show } from "../dom.ts";
import type { RatingBook } from "./ratings.ts";
import { describeResult, nameOf } from "./text.ts";

/** What the panel needs from the page around it. */
export interface PanelHost {
  /** The game shown now (the page follows the series from game to game). */
  readonly matchId: string;
  readonly summary: MatchSummary;
  readonly renderer: Renderer;
  /** The ratings of the game shown now. */
  readonly ratings: RatingBook;
  /** The connection now (a new one after taking a seat). */
  client(): MatchClient;
  /** Draws the page now. */
  update(): void;
  /** Draws the page at the next frame. */
  schedule(): void;
  /** Connects again: the server decides the seat at connect, so taking one needs a new connection. */
  reconnect(): void;
}

/** The match as this frame draws it. */
export interface PanelFrame {
  readonly view: MatchView | null;
  readonly status: string;
  readonly seats: readonly SeatInfo[];
  readonly mySeat: number | null;
}

export class StatusPanel {
  readonly root: HTMLElement;
  private readonly host: PanelHost;
  private readonly notice = h("p", { class: "notice", role: "status", "aria-live": "polite" });
  private readonly resultBox = h("div", { class: "result", role: "status" });
  private readonly resultHeadline = h("strong", { class: "result-headline" });
  private readonly resultDetail = h("span", { class: "result-detail" });
  private readonly resultRating = h("span", { class: "result-rating" });
  private readonly resign = h("button", { type: "button", class: "danger", id: "resign" }, "Resign");
  private readonly offerDraw = h("button", { type: "button", id: "offer-draw" }, "Offer draw");
  private readonly drawText = h("span", { class: "draw-text" });
  private readonly acceptDraw = h("button", { type: "button", class: "primary", id: "accept-draw" }, "Accept draw");
  private readonly declineDraw = h("button", { type: "button", id: "decline-draw" }, "Decline");
  private readonly drawPrompt: HTMLElement;
  private readonly confirmBox: HTMLElement;
  private readonly rematch = h("button", { type: "button", class: "primary", id: "rematch" }, "Rematch");
  private readonly rematchNote = h("span", { class: "muted small" });
  private readonly toRematch = h("button", { type: "button", class: "primary", id: "go-rematch" }, "Go to the rematch");
  private readonly takeSeat = h("button", { type: "button", class: "primary", id: "take-seat" }, "Take a seat");
  private readonly startNow = h("button", { type: "button", class: "primary", id: "start-match" }, "Start now");
  private readonly replayLink: HTMLElement;
  private readonly lobbyLink = h("a", { class: "button", href: "/" }, "New game");
  private readonly actionError = errorBox();
  private readonly seatForm = h("div", { class: "seat-form" });
  /** The whole actions row: hidden when no action in it is shown. */
  private readonly actions: HTMLElement;
  private noticeTimer: ReturnType<typeof setTimeout> | null = null;
  private finished = false;
  private confirming = false;
  /** The confirmed seq when we last sent a draw frame: its buttons wait for the answer. */
  private drawSentAt: number | null = null;

  constructor(host: PanelHost) {
    this.host = host;
    this.resultBox.append(this.resultHeadline, this.resultDetail, this.resultRating);
    this.drawPrompt = h(
      "div",
      { class: "draw-prompt", role: "group", "aria-label": "Draw offer" },
      this.drawText,
      this.acceptDraw,
      this.declineDraw,
    );
    const confirmText = h("span", null, "Resign this game?");
    const confirmYes = h("button", { type: "button", class: "danger", id: "resign-confirm" }, "Yes, resign");
    const confirmNo = h("button", { type: "button", id: "resign-cancel" }, "Keep playing");
    this.confirmBox = h(
      "div",
      { class: "confirm", role: "group", "aria-label": "Confirm resignation" },
      confirmText,
      confirmYes,
      confirmNo,
    );
    this.replayLink = h(
      "a",
      { class: "button", href: `/r/${host.matchId}`, id: "replay-link", title: "Watch the replay, move by move" },
      "Replay",
    );
    this.actions = h(
      "div",
      { class: "actions match-actions" },
      this.offerDraw,
      this.resign,
      this.confirmBox,
      this.startNow,
      this.takeSeat,
      this.rematch,
      this.toRematch,
      this.rematchNote,
      this.replayLink,
      this.lobbyLink,
    );
    this.root = h(
      "div",
      { class: "match-status" },
      this.notice,
      this.drawPrompt,
      this.resultBox,
      this.actions,
      this.seatForm,
      this.actionError,
    );

    const { resign, rematch, toRematch, takeSeat, startNow, actionError, seatForm } = this;
    resign.addEventListener("click", () => {
      this.confirming = true;
      host.update();
      confirmNo.focus();
    });
    confirmNo.addEventListener("click", () => {
      this.confirming = false;
      host.update();
      resign.focus();
    });
    confirmYes.addEventListener("click", () => {
      this.confirming = false;
      host.client().resign();
      host.update();
    });
    const sendDraw = (action: "offer" | "accept" | "decline") => {
      const client = host.client();
      if (!client.draw(action)) return this.setNotice("Not connected: try again once the connection is back.");
      this.drawSentAt = client.confirmed?.seq ?? null;
      host.update();
    };
    this.offerDraw.addEventListener("click", () => sendDraw("offer"));
    this.acceptDraw.addEventListener("click", () => sendDraw("accept"));
    this.declineDraw.addEventListener("click", () => sendDraw("decline"));
    rematch.addEventListener("click", () => {
      host.client().rematch();
      rematch.disabled = true;
    });
    toRematch.addEventListener("click", () => {
      const next = host.client().view?.rematch?.matchId;
      if (next) go(`/m/${next}`);
    });
    const join = async () => {
      takeSeat.disabled = true;
      actionError.hidden = true;
      const joined = await api().join(host.matchId);
      takeSeat.disabled = false;
      if (!joined.ok && joined.error.code !== "already-joined") {
        actionError.textContent = describeError(joined.error);
        actionError.hidden = false;
        return;
      }
      host.reconnect();
      host.schedule();
    };
    startNow.addEventListener("click", async () => {
      startNow.disabled = true;
      actionError.hidden = true;
      const started = await api().start(host.matchId);
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
  }

  /** Shows a sentence under the board; its machine code stays out of sight, in `data-code` (tests read it). */
  setNotice(text: string, code = ""): void {
    const notice = this.notice;
    if (this.noticeTimer) clearTimeout(this.noticeTimer);
    notice.replaceChildren();
    notice.dataset.code = text ? code : "";
    if (text) {
      append(notice, h("span", { class: "notice-icon", "aria-hidden": "true" }, "!"), h("span", null, text));
      this.noticeTimer = setTimeout(() => this.setNotice(""), 8000);
    }
    notice.classList.toggle("shown", text !== "");
  }

  /** The page moved on to the next game of the series: what was about the last one goes. */
  reset(): void {
    this.finished = false;
    this.confirming = false;
    this.drawSentAt = null;
    this.setNotice("");
    this.seatForm.replaceChildren();
    this.actionError.hidden = true;
    this.replayLink.setAttribute("href", `/r/${this.host.matchId}`);
  }

  /** A draw frame was refused (the offer went away meanwhile): its buttons may be used again. */
  drawRefused(): void {
    this.drawSentAt = null;
  }

  /** The result box, from this viewer's side, with what it did to their rating. */
  drawResult({ view, seats, mySeat }: PanelFrame): MatchResult | null {
    const { summary, renderer, ratings } = this.host;
    const result = view?.status === "finished" ? view.result : null;
    show(this.resultBox, !!result);
    if (!result) return result;
    const described = describeResult(result, seats, mySeat, renderer);
    setText(this.resultHeadline, described.headline);
    setText(this.resultDetail, described.detail);
    this.resultBox.dataset.tone = described.tone;
    if (!this.finished) {
      this.finished = true;
      this.setNotice("");
      if (summary.rated && result.kind !== "aborted") ratings.followChanges(seats.filter((info) => !info.bot));
    }
    const mine = mySeat === null ? undefined : seats.find((info) => info.seat === mySeat);
    const change = mine ? ratings.change(mine.playerId) : undefined;
    setText(
      this.resultRating,
      change
        ? `Your rating: ${ratingText(change.after)} (${deltaText(change.before.rating, change.after.rating)})`
        : "",
    );
    this.resultRating.dataset.delta = change
      ? String(Math.round(change.after.rating) - Math.round(change.before.rating))
      : "";
    return result;
  }

  /** Which actions show, and what they say; `invite` is the page's invitation card. */
  drawActions({ view, status, seats, mySeat }: PanelFrame, result: MatchResult | null, invite: HTMLElement): void {
    const { summary } = this.host;
    const client = this.host.client();
    const { offerDraw, rematch, toRematch, rematchNote, notice, actions } = this;
    const playing = status === "playing" && mySeat !== null;
    show(this.resign, playing && !this.confirming);
    // Draws: an offer of ours waits for the others; another's offer asks us to answer it.
    const drawOffers = status === "playing" ? (view?.drawOffers ?? []) : [];
    const offeredByMe = mySeat !== null && drawOffers.includes(mySeat);
    const offeredByOthers = drawOffers.filter((seat) => seat !== mySeat);
    const answering = this.drawSentAt !== null && this.drawSentAt === client.confirmed?.seq;
    if (!answering) this.drawSentAt = null;
    show(offerDraw, playing && (offeredByOthers.length === 0 || offeredByMe));
    offerDraw.disabled = offeredByMe || answering;
    offerDraw.classList.toggle("pending", offeredByMe);
    setText(offerDraw, offeredByMe ? "Draw offered" : "Offer draw");
    offerDraw.title = offeredByMe
      ? "Waiting for an answer: a move by the opponent declines it"
      : "Offer your opponent a draw";
    show(this.drawPrompt, playing && !offeredByMe && offeredByOthers.length > 0);
    setText(
      this.drawText,
      `${offeredByOthers.map((seat) => nameOf(seats, seat)).join(" and ")} ${offeredByOthers.length === 1 ? "offers" : "offer"} a draw.`,
    );
    this.acceptDraw.disabled = answering;
    this.declineDraw.disabled = answering;
    show(this.confirmBox, playing && this.confirming);
    const canSeat =
      status === "waiting" && client.role === "spectator" && seats.length < (view?.capacity ?? summary.capacity);
    show(this.takeSeat, canSeat);
    const creator = summary.creatorId !== null && summary.creatorId === account()?.playerId;
    show(
      this.startNow,
      status === "waiting" &&
        creator &&
        seats.length >= summary.minPlayers &&
        seats.length < (view?.capacity ?? summary.capacity),
    );
    if (!canSeat) this.seatForm.replaceChildren();
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
    show(this.replayLink, over);
    // The message line keeps its height while moves are made (so nothing jumps); once the match
    // is over the result takes its place.
    show(notice, !over || notice.classList.contains("shown"));
    show(this.lobbyLink, over);
    show(invite, status === "waiting" && (mySeat !== null || !!summary.inviteCode));
    show(
      actions,
      [...actions.children].some((child) => !(child as HTMLElement).hidden),
    );
  }

  close(): void {
    if (this.noticeTimer) clearTimeout(this.noticeTimer);
  }
}
