/**
 * The lobby: a name on the first visit; then choose a game and play it by quick match (with a
 * waiting state that can be cancelled), a private match with an invite, against the computer
 * (server-side bots), or join with a friend's code. Private and computer games take a time
 * control; private ones may delay what spectators see.
 */
import type { GameInfo, NewMatch } from "../api.ts";
import { clock, controlText } from "../clock.ts";
import { go } from "../nav.ts";
import { account, api } from "../session.ts";
import { botsFor, type BotKind } from "../../shared/bots.ts";
import type { TimeControl } from "../../shared/clock.ts";
import { findGame } from "../../shared/games/index.ts";
import { rendererFor } from "../games/index.ts";
import type { SpectatorDelay, TicketView } from "../../shared/protocol.ts";
import { nameForm } from "./account.ts";
import { describeError, errorBox, h, setText, show, title } from "./dom.ts";
import { liveList } from "./watch.ts";

/** How long quick match waits for a person before the computer plays, when asked to. */
const BOT_FALLBACK_MS = 30_000;

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
  return (
    games.find((game) => game.id === stored)?.id ??
    games.find((game) => game.id === "connect-four")?.id ??
    games[0]?.id ??
    ""
  );
}

const MINUTE = 60_000;
const fischer = (minutes: number, seconds: number): TimeControl => ({
  kind: "fischer",
  baseMs: minutes * MINUTE,
  incrementMs: seconds * 1000,
});

/** The clocks a new match may choose besides the game's default (null here). */
function controlsFor(gameId: string): (TimeControl | null)[] {
  const blitz = [fischer(1, 0), fischer(3, 2), fischer(5, 0), fischer(10, 5)];
  return [null, ...blitz, ...(rendererFor(gameId)?.controls ?? [])];
}

/** Spectator delays a private match may choose. */
const DELAYS: readonly { readonly label: string; readonly delay: SpectatorDelay | null }[] = [
  { label: "Off", delay: null },
  { label: "2 moves behind", delay: { moves: 2 } },
  { label: "30 s behind", delay: { seconds: 30 } },
];

/** What each kind of bot is called on its button, weakest first. */
const BOT_LABELS: Readonly<Record<BotKind, string>> = { random: "Easy computer", search: "Strong computer" };

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
          h(
            "p",
            { class: "lead" },
            "Play chess, Connect Four, Battleship, Crazy Eights and Tic-tac-toe against people your level or the computer, join a tournament, invite a friend, or watch a game.",
          ),
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
            drawSettings();
          },
        }),
        h("span", { class: `game-icon icon-${info.id}`, "aria-hidden": "true" }),
        h("span", { class: "game-name" }, info.name),
        h(
          "span",
          { class: "game-meta" },
          `${info.minPlayers === info.maxPlayers ? info.minPlayers : `${info.minPlayers}–${info.maxPlayers}`} players · ${controlText(info.defaultTimeControl)}`,
        ),
      ),
    ),
  );

  const playError = errorBox();
  const quick = h("button", { type: "button", class: "primary big", id: "quick-match" }, "Quick match");
  // Quick match can fall back to the computer when nobody comes (the server seats a bot; unrated).
  const botFallback = h("input", { type: "checkbox", id: "bot-fallback", name: "bot-fallback" });
  const botFallbackBox = h(
    "label",
    { class: "small bot-fallback", for: "bot-fallback" },
    botFallback,
    ` Play the computer if nobody comes within ${BOT_FALLBACK_MS / 1000} s (unrated)`,
  );
  const privateMatch = h("button", { type: "button", class: "big", id: "private-match" }, "Play a friend");

  // The clock and spectator delay for private and computer games; redrawn for each game.
  const controlSelect = h("select", { id: "time-control", name: "time-control" });
  const delaySelect = h(
    "select",
    { id: "spectator-delay", name: "spectator-delay" },
    ...DELAYS.map((choice, index) => h("option", { value: index }, choice.label)),
  );
  const settings = h(
    "div",
    { class: "match-settings" },
    h("div", null, h("label", { for: "time-control" }, "Clock (friends and computer)"), controlSelect),
    h("div", null, h("label", { for: "spectator-delay" }, "Spectators see (friends)"), delaySelect),
  );
  let controls: (TimeControl | null)[] = [];

  // Playing the computer: one button per kind of bot the game has; a count for many-seat games.
  const computerButtons = h("div", { class: "actions computer-actions" });
  const botCount = h("select", { id: "bot-count", name: "bot-count" });
  const botCountBox = h(
    "div",
    { class: "bot-count" },
    h("label", { for: "bot-count" }, "Computer opponents"),
    botCount,
  );
  const computer = h(
    "div",
    { class: "computer", role: "group", "aria-labelledby": "computer-title" },
    h("h3", { id: "computer-title" }, "Play the computer"),
    botCountBox,
    computerButtons,
  );

  const play = h(
    "section",
    { class: "card play", "aria-labelledby": "play-title" },
    h("h2", { id: "play-title" }, `Hi ${me?.name ?? ""}, what are we playing?`),
    choices,
    h("div", { class: "actions" }, quick, privateMatch),
    botFallbackBox,
    h(
      "p",
      { class: "muted small" },
      "Quick match pairs you with a player of similar rating. Play a friend creates a private match with an invite link.",
    ),
    computer,
    settings,
    playError,
  );

  /** The settings that depend on the game: its clocks, its bots, how many seats they may fill. */
  function drawSettings(): void {
    const info = list.find((entry) => entry.id === game);
    const definition = findGame(game);
    const previous = controls[controlSelect.selectedIndex] ?? null;
    controls = controlsFor(game);
    controlSelect.replaceChildren(
      ...controls.map((choice, index) =>
        h(
          "option",
          { value: index },
          choice === null
            ? `${info ? controlText(info.defaultTimeControl) : "the game's clock"} (default)`
            : controlText(choice),
        ),
      ),
    );
    // Keep the chosen clock when the new game offers it too.
    const kept = controls.findIndex((choice) => JSON.stringify(choice) === JSON.stringify(previous));
    controlSelect.selectedIndex = Math.max(0, kept);
    const kinds = definition ? botsFor(definition) : [];
    // The strongest first: it is the one most people want to try.
    computerButtons.replaceChildren(
      ...[...kinds]
        .reverse()
        .map((kind) =>
          h(
            "button",
            { type: "button", class: "computer-button", "data-bot": kind, onclick: () => void playComputer(kind) },
            kinds.length === 1 ? "Play the computer" : BOT_LABELS[kind],
          ),
        ),
    );
    const most = Math.max(1, (info?.maxPlayers ?? 2) - 1);
    const chosen = Number(botCount.value) || 1;
    botCount.replaceChildren(
      ...Array.from({ length: most }, (_, index) => h("option", { value: index + 1 }, String(index + 1))),
    );
    botCount.value = String(Math.min(chosen, most));
    show(botCountBox, most > 1);
    show(computer, kinds.length > 0);
  }

  /**
   * A new match with this browser in seat 0, as chosen on the page. `startNow`: the seats taken
   * at creation (bots) are all the players, so a match with room for more starts at once (if
   * that fails, the match page offers its own Start button).
   */
  async function create(match: NewMatch, button: HTMLButtonElement, startNow = false): Promise<void> {
    button.disabled = true;
    playError.hidden = true;
    const timeControl = controls[controlSelect.selectedIndex] ?? null;
    const created = await api().createMatch(timeControl === null ? match : { ...match, timeControl });
    if (created.ok && startNow && created.value.status === "waiting") await api().start(created.value.matchId);
    button.disabled = false;
    if (!created.ok) {
      playError.textContent = describeError(created.error);
      playError.hidden = false;
      return;
    }
    go(`/m/${created.value.matchId}`);
  }

  async function playComputer(kind: BotKind): Promise<void> {
    const button = computerButtons.querySelector<HTMLButtonElement>(`[data-bot="${kind}"]`);
    if (!button) return;
    const count = botCountBox.hidden ? 1 : Number(botCount.value) || 1;
    await create({ game, bots: Array<BotKind>(count).fill(kind) }, button, true);
  }
  drawSettings();

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

  const live = h(
    "section",
    { class: "card live", "aria-labelledby": "live-title" },
    h("h2", { id: "live-title" }, "Live now"),
  );
  const lobbyGrid = h(
    "div",
    { class: "lobby" },
    h("div", { class: "lobby-main" }, play, waiting),
    h("div", { class: "lobby-side" }, join, live),
  );
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
    const taken = await api().enqueue(game, undefined, botFallback.checked ? { botAfterMs: BOT_FALLBACK_MS } : {});
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

  privateMatch.addEventListener("click", () => {
    const delay = DELAYS[delaySelect.selectedIndex]?.delay ?? null;
    void create({ game, private: true, ...(delay ? { spectatorDelay: delay } : {}) }, privateMatch);
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
