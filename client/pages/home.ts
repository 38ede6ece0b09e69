/**
 * The lobby: a name on the first visit; then choose a game and play it by quick match (with a
 * waiting state that can be cancelled), a private match with an invite, or a friend's code.
 */
import type { GameInfo } from "../api.ts";
import { go } from "../nav.ts";
import { account, api } from "../session.ts";
import type { TicketView } from "../../shared/protocol.ts";
import { nameForm } from "./account.ts";
import { clock, describeError, errorBox, h, setText, show, title } from "./dom.ts";
import { liveList } from "./watch.ts";

const GAME_KEY = "ply:game";

/** How long to wait before asking again after the server could not be reached. */
const RETRY_MS = [1000, 2000, 4000, 8000] as const;

function chosenGame(games: readonly GameInfo[]): string {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(GAME_KEY);
  } catch {
    // Storage disabled: the default game.
  }
  return games.find((game) => game.id === stored)?.id ?? games.find((game) => game.id === "connect-four")?.id ?? games[0]?.id ?? "";
}

function perMove(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min a move` : `${Math.round(ms / 1000)} s a move`;
}

export async function render(root: HTMLElement): Promise<() => void> {
  title(null);
  let cleanup: (() => void) | null = null;
  const draw = async (): Promise<void> => {
    cleanup?.();
    cleanup = null;
    if (!account()) {
      root.replaceChildren(
        h(
          "section",
          { class: "hero" },
          h("h1", null, "Board games, live."),
          h("p", { class: "lead" }, "Play Connect Four and Tic-tac-toe against people your level, invite a friend, or watch a game."),
        ),
        nameForm(() => void draw()),
      );
      return;
    }
    cleanup = await lobby(root);
  };
  await draw();
  return () => cleanup?.();
}

async function lobby(root: HTMLElement): Promise<() => void> {
  const me = account();
  const games = await api().games();
  if (!games.ok) {
    root.replaceChildren(errorBox(describeError(games.error)));
    return () => {};
  }
  const list = games.value.games;
  let game = chosenGame(list);
  const nameOf = (id: string) => list.find((info) => info.id === id)?.name ?? id;

  // Choosing a game: radio buttons drawn as cards.
  const choices = h(
    "fieldset",
    { class: "game-choice" },
    h("legend", null, "Game"),
    ...list.map((info) =>
      h(
        "label",
        { class: "game-option", "data-game": info.id },
        h("input", {
          type: "radio",
          name: "game",
          value: info.id,
          checked: info.id === game,
          onchange: () => {
            game = info.id;
            try {
              localStorage.setItem(GAME_KEY, game);
            } catch {
              // Not remembered: harmless.
            }
          },
        }),
        h("span", { class: `game-icon icon-${info.id}`, "aria-hidden": "true" }),
        h("span", { class: "game-name" }, info.name),
        h("span", { class: "game-meta" }, `${info.minPlayers === info.maxPlayers ? info.minPlayers : `${info.minPlayers}–${info.maxPlayers}`} players · ${perMove(info.defaultTurnMs)}`),
      ),
    ),
  );

  const playError = errorBox();
  const quick = h("button", { type: "button", class: "primary big", id: "quick-match" }, "Quick match");
  const privateMatch = h("button", { type: "button", class: "big", id: "private-match" }, "Play a friend");
  const play = h(
    "section",
    { class: "card play", "aria-labelledby": "play-title" },
    h("h2", { id: "play-title" }, `Hi ${me?.name ?? ""}, what are we playing?`),
    choices,
    h("div", { class: "actions" }, quick, privateMatch),
    h("p", { class: "muted small" }, "Quick match pairs you with a player of similar rating. Play a friend creates a private match with an invite link."),
    playError,
  );

  // The waiting state of a quick match.
  const waitingGame = h("span");
  const elapsed = h("span", { class: "elapsed" }, "0:00");
  const windowText = h("span", { class: "window" }, "");
  const waitingNote = h("p", { class: "muted small", role: "status" }, "");
  const cancel = h("button", { type: "button", id: "cancel-match" }, "Cancel");
  const waiting = h(
    "section",
    { class: "card waiting", "aria-labelledby": "waiting-title" },
    h("div", { class: "pulse", "aria-hidden": "true" }),
    h("h2", { id: "waiting-title" }, "Finding an opponent…"),
    h("p", { class: "waiting-facts" }, waitingGame, " · ", h("span", null, "waiting ", elapsed), " · ", windowText),
    waitingNote,
    cancel,
  );
  waiting.hidden = true;

  // Joining by code.
  const codeInput = h("input", {
    id: "invite-code",
    name: "code",
    required: true,
    maxlength: 20,
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    placeholder: "ABC234",
  });
  const join = h(
    "form",
    {
      class: "card join",
      "aria-labelledby": "join-title",
      onsubmit: (event: Event) => {
        event.preventDefault();
        const code = codeInput.value.trim();
        if (code) go(`/i/${encodeURIComponent(code)}`);
      },
    },
    h("h2", { id: "join-title" }, "Got an invite code?"),
    h("label", { for: "invite-code" }, "Invite code"),
    h("div", { class: "row" }, codeInput, h("button", { type: "submit" }, "Join")),
  );

  const live = h("section", { class: "card live", "aria-labelledby": "live-title" }, h("h2", { id: "live-title" }, "Live now"));
  const lobbyGrid = h("div", { class: "lobby" }, h("div", { class: "lobby-main" }, play, waiting), h("div", { class: "lobby-side" }, join, live));
  root.replaceChildren(lobbyGrid);

  // Quick match: take a ticket, long-poll it, cancel on request or when the page is left.
  interface Search {
    stopped: boolean;
    ticketId: string | null;
    timer: ReturnType<typeof setInterval> | null;
  }
  let run: Search | null = null;

  const setWaiting = (on: boolean) => {
    show(play, !on);
    show(waiting, on);
    (on ? cancel : quick).focus();
  };
  const stop = () => {
    if (!run) return;
    run.stopped = true;
    if (run.timer) clearInterval(run.timer);
    run = null;
  };
  const showTicket = (ticket: TicketView) => {
    setText(windowText, ticket.window === null ? "any rating" : `rating ±${Math.round(ticket.window)}`);
  };

  quick.addEventListener("click", async () => {
    if (run) return;
    playError.hidden = true;
    const current: Search = { stopped: false, ticketId: null, timer: null };
    run = current;
    const started = Date.now();
    setText(waitingGame, nameOf(game));
    setText(elapsed, "0:00");
    setText(windowText, "");
    setText(waitingNote, "");
    current.timer = setInterval(() => setText(elapsed, clock(Math.floor((Date.now() - started) / 1000) * 1000)), 250);
    setWaiting(true);
    const fail = (text: string) => {
      stop();
      setWaiting(false);
      playError.textContent = text;
      playError.hidden = false;
    };
    const taken = await api().enqueue(game);
    if (current.stopped) return;
    if (!taken.ok) return fail(describeError(taken.error));
    let ticket = taken.value;
    current.ticketId = ticket.ticketId;
    let failures = 0;
    for (;;) {
      if (ticket.status === "matched" && ticket.matchId) {
        stop();
        go(`/m/${ticket.matchId}`);
        return;
      }
      if (ticket.status === "cancelled") return fail("The search was cancelled.");
      if (ticket.status === "expired") return fail("The search expired. Try again.");
      showTicket(ticket);
      const polled = await api().ticket(ticket.ticketId, 25);
      if (current.stopped) return;
      if (polled.ok) {
        failures = 0;
        setText(waitingNote, "");
        ticket = polled.value;
        continue;
      }
      if (polled.error.code !== "network" || failures >= RETRY_MS.length) return fail(describeError(polled.error));
      setText(waitingNote, "Connection trouble, retrying…");
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS[failures++]));
      if (current.stopped) return;
    }
  });

  cancel.addEventListener("click", async () => {
    const current = run;
    if (!current) return;
    stop();
    setWaiting(false);
    if (!current.ticketId) return;
    const cancelled = await api().cancelTicket(current.ticketId);
    // Matched in the meantime: the match is waiting for us, so go and play it.
    if (!cancelled.ok && cancelled.error.code === "already-matched") {
      const ticket = await api().ticket(current.ticketId, 0);
      if (ticket.ok && ticket.value.matchId) go(`/m/${ticket.value.matchId}`);
    }
  });

  privateMatch.addEventListener("click", async () => {
    privateMatch.disabled = true;
    playError.hidden = true;
    const created = await api().createMatch({ game, private: true });
    privateMatch.disabled = false;
    if (!created.ok) {
      playError.textContent = describeError(created.error);
      playError.hidden = false;
      return;
    }
    go(`/m/${created.value.matchId}`);
  });

  const stopLive = liveList(live, { limit: 5, compact: true });

  return () => {
    const current = run;
    stop();
    stopLive();
    // Leaving while searching gives the ticket back, so nobody is paired with an empty chair.
    if (current?.ticketId) void api().cancelTicket(current.ticketId);
  };
}
