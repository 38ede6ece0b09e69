/**
 * `/r/:id`: a finished (or running) match, step by step. The public log is read page by page
 * and folded with the shared engine, so the positions are exactly the server's.
 */
import { rendererFor } from "../games/index.ts";
import type { Renderer } from "../games/renderer.ts";
import { api } from "../session.ts";
import { createEngine, hasHiddenInformation, type MatchState } from "../../shared/engine.ts";
import { parseOptions } from "../../shared/schema-issues.ts";
import { findGame } from "../../shared/games/index.ts";
import type { LoggedEvent } from "../../shared/protocol.ts";
import { describeResult } from "./match.ts";
import { seatNames } from "../names.ts";
import { copy, describeError, errorBox, h, setText, title } from "./dom.ts";

/** Step icons as SVG paths (fonts may lack the media-control glyphs). */
const ICONS = {
  first: "M6 5h2v14H6zM19 5v14L9 12z",
  previous: "M17 5v14L7 12z",
  next: "M7 5v14l10-7z",
  last: "M16 5h2v14h-2zM5 5v14l10-7z",
} as const;

function icon(path: string): SVGSVGElement {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "20");
  svg.setAttribute("height", "20");
  svg.setAttribute("aria-hidden", "true");
  const shape = document.createElementNS("http://www.w3.org/2000/svg", "path");
  shape.setAttribute("d", path);
  shape.setAttribute("fill", "currentColor");
  svg.append(shape);
  return svg;
}

/** One position to show: the state after a move (or the start), and the move that led to it. */
interface Step {
  readonly state: MatchState;
  readonly event: LoggedEvent | null;
}

export async function render(root: HTMLElement, [matchId = ""]: readonly string[]): Promise<() => void> {
  title("Replay");
  root.replaceChildren(h("p", { class: "muted", role: "status" }, "Loading the replay…"));
  const found = await api().match(matchId);
  if (!found.ok) {
    root.replaceChildren(
      errorBox(found.error.code === "not-found" ? "There is no match at this address." : describeError(found.error)),
    );
    return () => {};
  }
  const summary = found.value;
  const game = findGame(summary.gameId);
  const known = rendererFor(summary.gameId);
  if (!game || !known) {
    root.replaceChildren(errorBox(`This browser cannot replay ${summary.gameId}.`));
    return () => {};
  }

  const renderer: Renderer = known;

  // The whole log, page after page.
  const events: LoggedEvent[] = [];
  for (let after: number | null = 0; after !== null; ) {
    const page = await api().events(matchId, after);
    if (!page.ok) {
      root.replaceChildren(errorBox(describeError(page.error)));
      return () => {};
    }
    events.push(...page.value.events);
    after = page.value.next;
  }

  // Fold it with the match's seed (published once it is over: a deal replays only with it) and
  // its clock, each event at its time, so positions and clocks are exactly the server's.
  if (hasHiddenInformation(game) && summary.seed === null) {
    root.replaceChildren(
      h(
        "section",
        { class: "card narrow" },
        h("h1", null, "No replay yet"),
        h("p", null, `A ${game.name} deal stays secret until the match is over.`),
        h("a", { class: "button", href: `/m/${matchId}` }, "Watch live"),
      ),
    );
    return () => {};
  }
  const options = parseOptions(game, summary.options);
  const engine = createEngine(
    game,
    options.ok ? options.value : summary.options,
    summary.seed ?? "",
    summary.timeControl,
  );
  let state = engine.initial();
  const steps: Step[] = [];
  try {
    for (const event of events) {
      state = engine.apply(state, event, event.at);
      if (event.kind === "start") steps.push({ state, event: null });
      else if (event.kind === "move" || (event.kind === "timeout" && event.move !== undefined))
        steps.push({ state, event });
    }
  } catch (error) {
    root.replaceChildren(errorBox(`This log cannot be replayed: ${String(error)}`));
    return () => {};
  }
  if (steps.length === 0) {
    root.replaceChildren(
      h(
        "section",
        { class: "card narrow" },
        h("h1", null, "Nothing to replay yet"),
        h("p", null, "This match has not started."),
        h("a", { class: "button", href: `/m/${matchId}` }, "Go to the match"),
      ),
    );
    return () => {};
  }
  const moves = steps.length - 1;
  const seats = summary.seats;
  const names = seatNames(seats);
  const nameOf = (seat: number) => names.get(seat) ?? `Seat ${seat + 1}`;
  const finalResult = state.result ?? summary.result;
  title(`Replay: ${seats.map((info) => nameOf(info.seat)).join(" vs ")}`);

  // Chess: every move in SAN, the position after each as FEN, and the game as PGN.
  const record = renderer.record?.() ?? null;
  const written: string[] = [];
  const fens: string[] = record ? [record.fen] : [];
  if (record) {
    for (const step of steps.slice(1)) {
      const event = step.event!;
      const move = event.kind === "move" || event.kind === "timeout" ? event.move : undefined;
      written.push(record.play(move) ?? renderer.describe(move));
      fens.push(record.fen);
    }
  }
  const textOf = (index: number, move: unknown) => written[index] ?? renderer.describe(move);

  // Skeleton.
  const boardRoot = h("div", { class: `board-wrap g-${summary.gameId}` });
  const position = h("span", { class: "position", "aria-live": "polite" });
  const caption = h("p", { class: "step-caption" });
  const first = h(
    "button",
    { type: "button", "aria-label": "First position", title: "First (Home)" },
    icon(ICONS.first),
  );
  const previous = h(
    "button",
    { type: "button", "aria-label": "Previous move", title: "Previous (←)" },
    icon(ICONS.previous),
  );
  const next = h("button", { type: "button", "aria-label": "Next move", title: "Next (→)" }, icon(ICONS.next));
  const last = h("button", { type: "button", "aria-label": "Last position", title: "Last (End)" }, icon(ICONS.last));
  const result = h("div", { class: "result", role: "status" });
  const list = h(
    "ol",
    { class: `moves replay-moves${record ? " pairs" : ""}`, "aria-label": "Moves" },
    ...steps.slice(1).map((step, index) => {
      const event = step.event!;
      const seat = event.kind === "move" ? event.seat : event.kind === "timeout" ? (event.seats[0] ?? 0) : 0;
      const move = event.kind === "move" || event.kind === "timeout" ? event.move : undefined;
      if (record) {
        const white = index % 2 === 0;
        return h(
          "li",
          { class: `move ${white ? "white" : "black"}` },
          h(
            "button",
            { type: "button", class: "step", "data-step": index + 1, onclick: () => goTo(index + 1) },
            white ? h("span", { class: "n" }, `${index / 2 + 1}.`) : null,
            white ? " " : null,
            h("span", { class: "what" }, textOf(index, move)),
          ),
        );
      }
      return h(
        "li",
        { class: "move" },
        h(
          "button",
          { type: "button", class: "step", "data-step": index + 1, onclick: () => goTo(index + 1) },
          h("span", { class: "n" }, `${index + 1}.`),
          h(
            "span",
            { class: `token tiny g-${summary.gameId} s${seat}`, "aria-hidden": "true" },
            renderer.token?.(seat) ?? "",
          ),
          h("span", { class: "who" }, nameOf(seat)),
          " ",
          h("span", { class: "what" }, renderer.describe(move)),
        ),
      );
    }),
  );
  const fenInput = h("input", { class: "fen", id: "fen", readonly: true, "aria-label": "Position (FEN)" });
  const copyFen = h("button", { type: "button", id: "copy-fen" }, "Copy FEN");
  const fenCopied = h("span", { class: "muted small", role: "status" });
  const pgn = record?.pgn({
    white: nameOf(0),
    black: nameOf(1),
    site: `${location.origin}/r/${matchId}`,
    event: summary.rated ? "Rated game" : "Casual game",
    ...(events[0] ? { playedAt: events[0].at } : {}),
    result: finalResult,
  });
  const tools = h(
    "div",
    { class: "game-tools" },
    h("div", { class: "row" }, fenInput, copyFen),
    fenCopied,
    h(
      "a",
      {
        class: "button",
        id: "download-pgn",
        download: `ply-${matchId}.pgn`,
        href: `data:application/x-chess-pgn;charset=utf-8,${encodeURIComponent(pgn ?? "")}`,
      },
      "Download PGN",
    ),
  );
  copyFen.addEventListener("click", async () => {
    const done = await copy(fenInput.value);
    if (!done) fenInput.select();
    fenCopied.textContent = done ? "FEN copied." : "Select the FEN and copy it.";
  });
  const page = h(
    "div",
    { class: "match replay", "data-game": summary.gameId, "data-match": matchId },
    h(
      "header",
      { class: "match-head" },
      h(
        "div",
        { class: "match-title" },
        h("h1", null, `Replay · ${game.name}`),
        h("span", { class: "badge" }, summary.rated ? "Rated" : "Casual"),
      ),
      h("p", { class: "turn-line" }, seats.map((info) => nameOf(info.seat)).join(" vs ")),
    ),
    h(
      "div",
      { class: "match-layout" },
      h(
        "div",
        { class: "match-main" },
        boardRoot,
        h(
          "div",
          { class: "replay-controls", role: "group", "aria-label": "Replay controls" },
          first,
          previous,
          position,
          next,
          last,
        ),
        caption,
        result,
        h("p", { class: "muted small keys-hint" }, "Tip: use ← and → to step, Home and End to jump."),
        h(
          "p",
          { class: "actions" },
          h(
            "a",
            { class: "button", href: `/m/${matchId}` },
            summary.status === "finished" ? "Back to the match" : "Watch live",
          ),
          h("a", { class: "button", href: "/" }, "New game"),
        ),
      ),
      h(
        "aside",
        { class: "match-side" },
        h(
          "section",
          { class: "card moves-card" },
          h("h2", null, "Moves"),
          h("div", { class: "moves-scroll" }, list),
          record ? tools : null,
        ),
      ),
    ),
  );
  root.replaceChildren(page);

  let current = -1;
  function goTo(index: number): void {
    const target = Math.max(0, Math.min(moves, index));
    if (target === current) return;
    current = target;
    const step = steps[target]!;
    const event = step.event;
    renderer.render(boardRoot, {
      view: engine.view(step.state, "spectator"),
      mySeat: null,
      canMove: false,
      play: () => {},
      lastMove: event && (event.kind === "move" || event.kind === "timeout") ? event.move : undefined,
    });
    setText(
      position,
      target === 0 ? `Start · ${moves} ${moves === 1 ? "move" : "moves"}` : `Move ${target} of ${moves}`,
    );
    page.dataset.step = String(target);
    setText(
      caption,
      event && (event.kind === "move" || event.kind === "timeout")
        ? stepCaption(
            nameOf(event.kind === "move" ? event.seat : (event.seats[0] ?? 0)),
            textOf(target - 1, event.move),
          )
        : "The starting position.",
    );
    if (record) fenInput.value = fens[target] ?? "";
    first.disabled = previous.disabled = target === 0;
    next.disabled = last.disabled = target === moves;
    const atEnd = target === moves && finalResult !== null;
    result.hidden = !atEnd;
    if (atEnd && finalResult) {
      const described = describeResult(finalResult, seats, null, renderer);
      result.replaceChildren(
        h("strong", { class: "result-headline" }, described.headline),
        h("span", { class: "result-detail" }, described.detail),
      );
      result.dataset.tone = described.tone;
    }
    for (const button of list.querySelectorAll<HTMLButtonElement>("button.step")) {
      const on = button.dataset.step === String(target);
      button.classList.toggle("current", on);
      if (on) button.setAttribute("aria-current", "step");
      else button.removeAttribute("aria-current");
    }
    list.querySelector(".current")?.scrollIntoView({ block: "nearest" });
  }
  first.addEventListener("click", () => goTo(0));
  previous.addEventListener("click", () => goTo(current - 1));
  next.addEventListener("click", () => goTo(current + 1));
  last.addEventListener("click", () => goTo(moves));

  const onKey = (event: KeyboardEvent) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target as HTMLElement | null;
    if (target?.closest("input, textarea, select")) return;
    const to =
      event.key === "ArrowLeft"
        ? current - 1
        : event.key === "ArrowRight"
          ? current + 1
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? moves
              : null;
    if (to === null) return;
    event.preventDefault();
    goTo(to);
  };
  document.addEventListener("keydown", onKey);
  goTo(0);
  return () => document.removeEventListener("keydown", onKey);
}

/** "Ada played column 4.", "Ada drew a card.": some games describe a move with its verb. */
function stepCaption(who: string, move: string): string {
  return /^(played|drew|passed)\b/.test(move) ? `${who} ${move}.` : `${who} played ${move}.`;
}
