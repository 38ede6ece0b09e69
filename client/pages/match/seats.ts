/**
 * The seat cards above the board: who sits where, their rating, whether they are here, and
 * their clock (ticked ten times a second, apart from the page's draws).
 */
import { carriesOver } from "../../../shared/clock.ts";
import type { MatchView, SeatInfo } from "../../../shared/protocol.ts";
import { clock, clockText, LOW_TIME_MS } from "../../clock.ts";
import type { Renderer } from "../../games/renderer.ts";
import { deltaText, PROVISIONAL_RD, ratingText } from "../../names.ts";
import type { MatchClient } from "../../sdk.ts";
import { h, setText, show } from "../dom.ts";
import type { RatingBook } from "./ratings.ts";
import { nameOf } from "./text.ts";

export interface SeatCard {
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

export function seatCard(seat: number, gameId: string, renderer: Renderer): SeatCard {
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

/** Names, marks and ratings of every seat, from the match as last drawn. */
export function drawSeats(
  cards: readonly SeatCard[],
  view: MatchView | null,
  status: string,
  seats: readonly SeatInfo[],
  mySeat: number | null,
  ratings: RatingBook,
): void {
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
    // Until the profile answers, nothing (not a guess that then changes).
    const rating = ratings.rating(info.playerId);
    const change = ratings.change(info.playerId);
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
}

/**
 * The clocks, as the server last reported them (a move of ours on its way does not stop
 * ours: only the server knows when it lands): with a bank (Fischer, delay) every seat's time,
 * the running one highlighted; with a limit per move, the countdown of the move being made.
 * Then each absent player's forfeit countdown.
 */
export function tickSeats(cards: readonly SeatCard[], client: MatchClient): void {
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
