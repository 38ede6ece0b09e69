/** Tournaments: upcoming, live and finished ones (paged), and a form to create one. */
import "../tournament.css";
import type { TimeControl } from "../../shared/clock.ts";
import type { TournamentKind, TournamentStatus, TournamentSummary } from "../../shared/tournament.ts";
import { controlText } from "../clock.ts";
import { go } from "../nav.ts";
import { account, api } from "../session.ts";
import { TournamentApi } from "../tournament-api.ts";
import { describeError, errorBox, h, title } from "./dom.ts";

const MINUTE = 60_000;
const fischer = (minutes: number, seconds: number): TimeControl => ({
  kind: "fischer",
  baseMs: minutes * MINUTE,
  incrementMs: seconds * 1000,
});
const CLOCKS: readonly TimeControl[] = [fischer(1, 0), fischer(3, 2), fischer(5, 0), fischer(10, 5)];
const STARTS: readonly { label: string; ms: number }[] = [
  { label: "in 15 seconds", ms: 15_000 },
  { label: "in 1 minute", ms: MINUTE },
  { label: "in 5 minutes", ms: 5 * MINUTE },
  { label: "in 15 minutes", ms: 15 * MINUTE },
  { label: "in 1 hour", ms: 60 * MINUTE },
];
const DURATIONS = [1, 3, 5, 10, 30, 60];
const ROUNDS = [3, 4, 5, 7, 9];

/** "Arena · 30 min" or "Swiss · 5 rounds". */
export function kindText(summary: Pick<TournamentSummary, "kind" | "durationMs" | "rounds">): string {
  return summary.kind === "arena"
    ? `Arena · ${Math.round((summary.durationMs ?? 0) / MINUTE)} min`
    : `Swiss · ${summary.rounds} rounds`;
}

export function tournamentApi(): TournamentApi {
  return new TournamentApi(location.origin, account()?.token ?? null);
}

function row(summary: TournamentSummary, gameName: string): HTMLLIElement {
  const when =
    summary.status === "upcoming"
      ? `starts ${new Date(summary.startsAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`
      : summary.status === "live"
        ? "live now"
        : `won by ${summary.podium[0]?.name ?? "nobody"}`;
  return h(
    "li",
    { class: "tournament-item", "data-tournament": summary.tournamentId },
    h(
      "a",
      { href: `/t/${summary.tournamentId}` },
      h("span", { class: "tournament-name" }, summary.name),
      h(
        "span",
        { class: "muted small" },
        `${gameName} · ${kindText(summary)} · ${controlText(summary.timeControl)}${summary.rated ? " · rated" : ""} · ${summary.players} ${summary.players === 1 ? "player" : "players"} · ${when}`,
      ),
    ),
  );
}

export async function render(root: HTMLElement): Promise<() => void> {
  title("Tournaments");
  root.classList.add("page-narrow");
  const games = await api().games();
  if (!games.ok) {
    root.replaceChildren(errorBox(describeError(games.error)));
    return () => {};
  }
  const twoPlayer = games.value.games.filter((game) => game.minPlayers <= 2 && game.maxPlayers >= 2);
  const names = new Map(games.value.games.map((game) => [game.id, game.name]));
  let stopped = false;

  // The lists, one tab each.
  const tabs = h("div", { class: "tabs", role: "group", "aria-label": "Tournaments" });
  const list = h("ul", { class: "tournament-list" });
  const empty = h("p", { class: "muted" }, "None right now.");
  const error = errorBox();
  const more = h("button", { type: "button", class: "more" }, "Show more");
  let status: TournamentStatus = "upcoming";
  let cursor: string | undefined;
  const load = async () => {
    more.disabled = true;
    const shown = status;
    const page = await tournamentApi().list(shown, cursor);
    if (stopped || shown !== status) return;
    more.disabled = false;
    if (!page.ok) {
      error.textContent = describeError(page.error);
      error.hidden = false;
      return;
    }
    error.hidden = true;
    list.append(...page.value.tournaments.map((summary) => row(summary, names.get(summary.gameId) ?? summary.gameId)));
    empty.hidden = list.childElementCount > 0;
    cursor = page.value.next ?? undefined;
    more.hidden = page.value.next === null;
  };
  const show = (next: TournamentStatus) => {
    status = next;
    cursor = undefined;
    list.replaceChildren();
    for (const button of tabs.querySelectorAll<HTMLButtonElement>("button"))
      button.setAttribute("aria-pressed", String(button.dataset.status === next));
    void load();
  };
  for (const [id, label] of [
    ["upcoming", "Upcoming"],
    ["live", "Live"],
    ["finished", "Finished"],
  ] as const) {
    tabs.append(h("button", { type: "button", class: "tab", "data-status": id, onclick: () => show(id) }, label));
  }
  more.addEventListener("click", () => void load());

  root.replaceChildren(
    h(
      "div",
      { class: "page-head" },
      h("h1", null, "Tournaments"),
      h(
        "p",
        { class: "muted" },
        "Arenas pair you again as soon as your game ends, for a fixed time; Swiss tournaments pair everyone each round by score.",
      ),
    ),
    account()
      ? createForm(twoPlayer)
      : h("p", null, h("a", { href: "/" }, "Pick a name"), " to create or join a tournament."),
    h("section", { class: "card wide" }, tabs, list, empty, error, more),
  );
  show("upcoming");
  return () => {
    stopped = true;
  };
}

function createForm(games: readonly { id: string; name: string; defaultTimeControl: TimeControl }[]): HTMLElement {
  const name = h("input", { id: "t-name", name: "name", required: true, maxlength: 24, value: "Friday arena" });
  const game = h(
    "select",
    { id: "t-game", name: "game" },
    ...games.map((info) => h("option", { value: info.id }, info.name)),
  );
  const kind = h(
    "select",
    { id: "t-kind", name: "kind" },
    h("option", { value: "arena" }, "Arena"),
    h("option", { value: "swiss" }, "Swiss"),
  );
  const duration = h(
    "select",
    { id: "t-duration", name: "duration" },
    ...DURATIONS.map((minutes) => h("option", { value: minutes * MINUTE, selected: minutes === 30 }, `${minutes} min`)),
  );
  const rounds = h(
    "select",
    { id: "t-rounds", name: "rounds" },
    ...ROUNDS.map((n) => h("option", { value: n }, `${n} rounds`)),
  );
  const clock = h("select", { id: "t-clock", name: "clock" });
  const fillClocks = () => {
    const info = games.find((entry) => entry.id === game.value);
    clock.replaceChildren(
      h("option", { value: "" }, `Game default${info ? ` (${controlText(info.defaultTimeControl)})` : ""}`),
      ...CLOCKS.map((control, index) => h("option", { value: index }, controlText(control))),
    );
  };
  fillClocks();
  game.addEventListener("change", fillClocks);
  const starts = h(
    "select",
    { id: "t-starts", name: "starts" },
    ...STARTS.map((start) => h("option", { value: start.ms, selected: start.ms === 5 * MINUTE }, start.label)),
  );
  const rated = h("input", { id: "t-rated", type: "checkbox", name: "rated" });
  const secret = h("input", { id: "t-private", type: "checkbox", name: "private" });
  const durationField = h("label", { class: "field" }, "Duration ", duration);
  const roundsField = h("label", { class: "field" }, "Rounds ", rounds);
  roundsField.hidden = true;
  kind.addEventListener("change", () => {
    durationField.hidden = kind.value !== "arena";
    roundsField.hidden = kind.value !== "swiss";
  });
  const error = errorBox();
  const submit = h("button", { type: "submit", class: "primary" }, "Create tournament");
  const form = h(
    "form",
    { class: "card wide tournament-form", "aria-label": "Create a tournament" },
    h("h2", null, "Create a tournament"),
    h("label", { class: "field" }, "Name ", name),
    h("label", { class: "field" }, "Game ", game),
    h("label", { class: "field" }, "Kind ", kind),
    durationField,
    roundsField,
    h("label", { class: "field" }, "Clock ", clock),
    h("label", { class: "field" }, "Starts ", starts),
    h("label", { class: "check" }, rated, " Rated"),
    h("label", { class: "check" }, secret, " Private (join with a code)"),
    error,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    const chosen = clock.value === "" ? undefined : CLOCKS[Number(clock.value)];
    const created = await tournamentApi().create({
      name: name.value,
      game: game.value,
      kind: kind.value as TournamentKind,
      startsInMs: Number(starts.value),
      ...(kind.value === "arena" ? { durationMs: Number(duration.value) } : { rounds: Number(rounds.value) }),
      ...(chosen ? { timeControl: chosen } : {}),
      rated: rated.checked,
      private: secret.checked,
    });
    submit.disabled = false;
    if (!created.ok) {
      error.textContent = describeError(created.error);
      error.hidden = false;
      return;
    }
    if (created.value.code) {
      try {
        sessionStorage.setItem(`ply:code:${created.value.tournamentId}`, created.value.code);
      } catch {
        // The code is shown once more on the tournament page only when storage works.
      }
    }
    go(`/t/${created.value.tournamentId}`);
  });
  return form;
}
