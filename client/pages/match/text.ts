/**
 * The match page's words: how a result, a logged event or a refused move reads to a person,
 * from this viewer's side.
 */
import type { MatchResult } from "../../../shared/game.ts";
import type { LoggedEvent, MatchView, SeatInfo } from "../../../shared/protocol.ts";
import type { Renderer, ResultNames } from "../../games/renderer.ts";
import { seatNames } from "../../names.ts";
import type { MoveRefusal } from "../../sdk.ts";

/** Reasons every match may end for, as people say them (a game's own come from its renderer's `reasons`). */
const REASONS: Readonly<Record<string, string>> = {
  resign: "by resignation",
  timeout: "on time",
  abandoned: "the opponent left",
  "not-collected": "a player never arrived",
  agreement: "by agreement",
};

function reasonText(reason: string, renderer?: Renderer): string {
  const own = renderer?.reasons?.[reason];
  return (typeof own === "string" ? own : undefined) ?? REASONS[reason] ?? reason.replace(/-/g, " ");
}

/** A seat's name as shown: bots by strength, and several that read the same told apart. */
export function nameOf(seats: readonly SeatInfo[], seat: number): string {
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
  const winnerSeats = result.kind === "win" ? result.winners : [];
  const names: ResultNames = {
    winners: winnerSeats.map((seat) => (seat === mySeat ? "You" : nameOf(seats, seat))).join(" and "),
    losers: seats
      .filter((info) => !winnerSeats.includes(info.seat))
      .map((info) => (info.seat === mySeat ? "You" : nameOf(seats, info.seat)))
      .join(" and "),
  };
  // The game's own words come from its renderer; a phrase is made a sentence, a function gives one.
  const own = renderer?.reasons?.[result.reason];
  const gameDetail = (): string =>
    typeof own === "function" ? own(result, names) : capitalise(reasonText(result.reason, renderer));
  if (result.kind === "draw") {
    const detail = result.reason === "timeout" ? "Both ran out of time." : gameDetail();
    return { headline: "Draw", detail, tone: "draw" };
  }
  const detail =
    result.reason === "timeout"
      ? `${names.losers} ran out of time.`
      : result.reason === "resign"
        ? `${names.losers} resigned.`
        : result.reason === "abandoned"
          ? `${names.losers} left the game.`
          : gameDetail();
  const winners = result.winners.map((seat) => nameOf(seats, seat)).join(" and ");
  if (mySeat === null) return { headline: `${winners} won`, detail, tone: "neutral" };
  if (result.winners.includes(mySeat)) return { headline: "You won!", detail, tone: "win" };
  return { headline: "You lost", detail, tone: "loss" };
}

/** A move list line for an event, or null for events that are not listed (join, start). */
export function eventLine(event: LoggedEvent, renderer: Renderer): { seat: number | null; text: string } | null {
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

/** Why a move was refused, as a sentence (a game explains its own illegal moves). */
export function explainRefusal(
  refusal: MoveRefusal,
  move: unknown,
  view: MatchView | null,
  renderer: Renderer,
): string {
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
}

export function capitalise(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? "" : ".") : text;
}
