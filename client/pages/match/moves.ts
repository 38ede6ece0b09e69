/**
 * The move list beside the board: appended as the log grows, then the moves still on their way.
 * Games with a notation of their own (chess) list their moves in numbered pairs, with the
 * position to copy and, once over, the game to download.
 */
import type { LoggedEvent, MatchSummary, MatchView, SeatInfo } from "../../../shared/protocol.ts";
import type { GameRecord, Renderer } from "../../games/renderer.ts";
import type { MatchClient } from "../../sdk.ts";
import { copy, h, show } from "../dom.ts";
import { eventLine, nameOf } from "./text.ts";

export class MoveList {
  /** The moves card: its heading, the list, and the notation's tools. */
  readonly root: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly box: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly fenInput: HTMLInputElement;
  private readonly pgnLink: HTMLAnchorElement;
  private matchId: string;
  private readonly summary: MatchSummary;
  private readonly renderer: Renderer;
  /** Log entries already in the list. */
  private renderedLog = 0;
  /** Moves counted so far (the list numbers them). */
  private count = 0;
  /** The game so far in the game's own notation (chess), for the move list. */
  private record: GameRecord | null = null;
  /** The number of log entries the PGN last written was written from. */
  private pgnFor = -1;

  constructor(matchId: string, summary: MatchSummary, renderer: Renderer) {
    this.matchId = matchId;
    this.summary = summary;
    this.renderer = renderer;
    const pairsList = renderer.record !== undefined;
    this.list = h("ol", { class: `moves${pairsList ? " pairs" : ""}`, "aria-label": "Moves" });
    this.box = h("div", { class: "moves-scroll", tabindex: 0 }, this.list);
    this.empty = h("p", { class: "muted small" }, "No moves yet.");
    const fenInput = h("input", { class: "fen", id: "fen", readonly: true, "aria-label": "Position (FEN)" });
    this.fenInput = fenInput;
    const copyFen = h("button", { type: "button", id: "copy-fen" }, "Copy FEN");
    const fenCopied = h("span", { class: "muted small", role: "status" });
    this.pgnLink = h("a", { class: "button", id: "download-pgn", download: `ply-${matchId}.pgn` }, "Download PGN");
    const tools = h(
      "div",
      { class: "game-tools" },
      h("div", { class: "row" }, fenInput, copyFen),
      fenCopied,
      this.pgnLink,
    );
    tools.hidden = !pairsList;
    copyFen.addEventListener("click", async () => {
      const done = await copy(fenInput.value);
      if (!done) fenInput.select();
      fenCopied.textContent = done ? "FEN copied." : "Select the FEN and copy it.";
    });
    this.root = h(
      "section",
      { class: "card moves-card", "aria-labelledby": "moves-title" },
      h("h2", { id: "moves-title" }, "Moves"),
      this.empty,
      this.box,
      tools,
    );
  }

  /**
   * Empties the list for a new connection, whose log starts again from the beginning, or for
   * the next game of the series (`matchId`).
   */
  reset(matchId = this.matchId): void {
    this.matchId = matchId;
    this.pgnLink.download = `ply-${matchId}.pgn`;
    this.renderedLog = 0;
    this.count = 0;
    this.record = this.renderer.record?.() ?? null;
    this.pgnFor = -1;
    this.list.replaceChildren();
  }

  draw(client: MatchClient, view: MatchView | null, seats: readonly SeatInfo[], mySeat: number | null): void {
    const { list: movesList, box: movesBox, record, renderer, summary } = this;
    const over = (view?.status ?? summary.status) === "finished";
    const log = client.log;
    const atBottom = movesBox.scrollTop + movesBox.clientHeight >= movesBox.scrollHeight - 4;
    for (; this.renderedLog < log.length; this.renderedLog++) {
      const event = log[this.renderedLog]!;
      const described = eventLine(event, renderer);
      if (!described) continue;
      const counted = event.kind === "move" || (event.kind === "timeout" && event.move !== undefined);
      if (counted) this.count++;
      if (counted && record && (event.kind === "move" || event.kind === "timeout")) {
        const written = record.play(event.move) ?? renderer.describe(event.move);
        movesList.append(
          this.plyItem(this.count, event.kind === "timeout" ? `${written} (out of time)` : written, event.seq),
        );
        continue;
      }
      movesList.append(
        this.moveItem(
          counted ? this.count : null,
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
    for (const [index, pending] of client.pending.entries()) {
      const item = fork
        ? this.plyItem(this.count + index + 1, fork.play(pending.move) ?? renderer.describe(pending.move), null)
        : this.moveItem(
            this.count + index + 1,
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
    }
    if (record) {
      if (this.fenInput.value !== record.fen) this.fenInput.value = record.fen;
      show(this.pgnLink, over);
      if (over && this.pgnFor !== log.length) {
        this.pgnFor = log.length;
        const pgn = record.pgn({
          white: nameOf(seats, 0),
          black: nameOf(seats, 1),
          site: `${location.origin}/r/${this.matchId}`,
          event: summary.rated ? "Rated game" : "Casual game",
          ...(log[0] ? { playedAt: log[0].at } : {}),
          result: view?.result ?? null,
        });
        this.pgnLink.href = `data:application/x-chess-pgn;charset=utf-8,${encodeURIComponent(pgn)}`;
      }
    }
    show(this.empty, movesList.childElementCount === 0);
    if (atBottom) movesBox.scrollTop = movesBox.scrollHeight;
  }

  /** A move in a list of numbered pairs: White's opens a line ("1. e4"), Black's completes it ("Nc6"). */
  private plyItem(ply: number, text: string, seq: number | null): HTMLLIElement {
    const white = ply % 2 === 1;
    const number = Math.ceil(ply / 2);
    // Black's move after a line that is not White's (a draw offer, say) carries its number.
    const alone = !white && !this.list.lastElementChild?.classList.contains("white");
    return h(
      "li",
      { "data-seq": seq ?? "", class: `move ${white ? "white" : "black"}` },
      white ? h("span", { class: "n" }, `${number}.`) : alone ? h("span", { class: "n" }, `${number}…`) : null,
      white || alone ? " " : null,
      h("span", { class: "what" }, text),
    );
  }

  private moveItem(
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
        : h(
            "span",
            { class: `token tiny g-${this.summary.gameId} s${seat}`, "aria-hidden": "true" },
            this.renderer.token?.(seat) ?? "",
          ),
      h("span", { class: "who" }, who),
      " ",
      h("span", { class: "what" }, what),
    );
  }
}

/** The last move in the log (a timeout's move counts), for the board to mark. */
export function lastLoggedMove(log: readonly LoggedEvent[]): unknown {
  for (let index = log.length - 1; index >= 0; index--) {
    const event = log[index]!;
    if (event.kind === "move") return event.move;
    if (event.kind === "timeout" && event.move !== undefined) return event.move;
  }
  return undefined;
}
