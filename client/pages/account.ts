/** The first-visit form: pick a display name, which creates the anonymous account. */
import { api, saveAccount, type Account } from "../session.ts";
import { describeError, errorBox, h } from "./dom.ts";

/** A form that creates a player and calls `done` with the saved account. */
export function nameForm(
  done: (account: Account) => void,
  intro = "Pick a name other players will see. No sign-up, no password.",
): HTMLFormElement {
  const input = h("input", {
    id: "name",
    name: "name",
    autocomplete: "nickname",
    required: true,
    maxlength: 24,
    placeholder: "e.g. Ada",
    spellcheck: "false",
  });
  const error = errorBox();
  const submit = h("button", { type: "submit", class: "primary" }, "Continue");
  const form = h(
    "form",
    { class: "card name-form", "aria-labelledby": "name-title" },
    h("h2", { id: "name-title" }, "Choose your display name"),
    h("p", { class: "muted" }, intro),
    h("label", { for: "name" }, "Display name"),
    h("div", { class: "row" }, input, submit),
    error,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = input.value.trim();
    error.hidden = true;
    if (!name) {
      // Spaces alone pass the browser's own check for a required field: say what is missing.
      error.textContent = "Type a name with at least one letter or digit: spaces alone are not a name.";
      error.hidden = false;
      input.focus();
      return;
    }
    submit.disabled = true;
    const created = await api().createPlayer(name);
    submit.disabled = false;
    if (!created.ok) {
      error.textContent = describeError(created.error);
      error.hidden = false;
      input.focus();
      return;
    }
    const account = { playerId: created.value.playerId, name: created.value.name, token: created.value.token };
    saveAccount(account);
    const me = document.getElementById("me");
    if (me) me.textContent = account.name;
    done(account);
  });
  queueMicrotask(() => input.focus());
  return form;
}
