/**
 * The account: the first-visit form (pick a display name, which creates the anonymous account,
 * or sign in with a passkey made on another browser), and the account page at /account, where
 * a player adds the passkeys that carry the account to other browsers.
 */
import { addPasskey, passkeysUnavailable, signInWithPasskey } from "../passkeys.ts";
import { account as storedAccount, api, saveAccount, type Account } from "../session.ts";
import { findGame } from "../../shared/games/index.ts";
import type { PasskeySummary } from "../../shared/passkeys.ts";
import { ratingText } from "../names.ts";
import { ago, describeError, errorBox, h, show, title } from "./dom.ts";

/** Shows the signed-in name in the header. */
function showName(account: Account): void {
  const me = document.getElementById("me");
  if (me) me.textContent = account.name;
}

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
    "aria-describedby": "name-error",
  });
  // Its own id: the passkey sign-in below has an error box of its own.
  const error = Object.assign(errorBox(), { id: "name-error" });
  const submit = h("button", { type: "submit", class: "primary" }, "Continue");
  const form = h(
    "form",
    { class: "card name-form", "aria-labelledby": "name-title" },
    h("h2", { id: "name-title" }, "Choose your display name"),
    h("p", { class: "muted" }, intro),
    h("label", { for: "name" }, "Display name"),
    h("div", { class: "row" }, input, submit),
    error,
    passkeySignIn(done),
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
    showName(account);
    done(account);
  });
  queueMicrotask(() => input.focus());
  return form;
}

/** "Sign in with a passkey": for a player whose account was made on another browser. */
function passkeySignIn(
  done: (account: Account) => void,
  intro = "Played here before, on another browser or device?",
): HTMLElement {
  const error = errorBox();
  const button = h("button", { type: "button", id: "passkey-sign-in" }, "Sign in with a passkey");
  button.addEventListener("click", async () => {
    button.disabled = true;
    error.hidden = true;
    const signedIn = await signInWithPasskey();
    button.disabled = false;
    if (!signedIn.ok) {
      error.textContent = signedIn.message;
      error.hidden = false;
      return;
    }
    showName(signedIn.value);
    done(signedIn.value);
  });
  return h("div", { class: "passkey-sign-in" }, h("p", { class: "muted small" }, intro), button, error);
}

/** The account page (/account): who you are here, your ratings, and your passkeys. */
export async function render(root: HTMLElement): Promise<void> {
  title("Your account");
  const me = storedAccount();
  if (!me) {
    root.replaceChildren(nameForm(() => void render(root)));
    return;
  }
  const profile = await api().profile(me.playerId);
  const ratings = profile.ok ? Object.entries(profile.value.ratings) : [];
  const about = h(
    "section",
    { class: "card account", "aria-labelledby": "account-title" },
    h("h1", { id: "account-title" }, "Your account"),
    h("p", null, h("strong", { class: "account-name" }, me.name)),
    ratings.length === 0
      ? h("p", { class: "muted" }, "No rated games yet.")
      : h(
          "ul",
          { class: "account-ratings" },
          ...ratings.map(([gameId, rating]) =>
            h(
              "li",
              { "data-game": gameId },
              `${findGame(gameId)?.name ?? gameId}: `,
              h("strong", { class: "rating" }, ratingText(rating)),
              ` (${rating.games} ${rating.games === 1 ? "game" : "games"})`,
            ),
          ),
        ),
    profile.ok ? null : errorBox(describeError(profile.error)),
    // The player's own page has the rest: recent matches and what each did to the rating.
    h("p", null, h("a", { class: "profile-link", href: `/p/${me.playerId}` }, "Your matches and rating changes")),
  );
  // A player who typed a name on a new browser before thinking of their passkey can still
  // reach their old account from here.
  const switchAccount = h(
    "section",
    { class: "card switch-account", "aria-labelledby": "switch-title" },
    h("h2", { id: "switch-title" }, "Another account"),
    passkeySignIn(
      () => void render(root),
      "Signing in with another account's passkey replaces this one in this browser. Add a passkey here first if you want to come back to it.",
    ),
  );
  root.replaceChildren(h("div", { class: "account-page" }, about, passkeysCard(), switchAccount));
}

/** The passkeys card: the list, "Add a passkey", and what happened. */
function passkeysCard(): HTMLElement {
  const list = h("ul", { class: "passkey-list" });
  const none = h(
    "p",
    { class: "muted", id: "no-passkeys" },
    "No passkeys yet: this account lives only in this browser.",
  );
  const status = h("p", { class: "status", role: "status" });
  const error = errorBox();
  const add = h("button", { type: "button", class: "primary", id: "add-passkey" }, "Add a passkey");
  const unavailable = passkeysUnavailable();

  const draw = (passkeys: readonly PasskeySummary[]) => {
    show(none, passkeys.length === 0);
    list.replaceChildren(
      ...passkeys.map((passkey) =>
        h(
          "li",
          { class: "passkey", "data-id": passkey.id },
          h(
            "span",
            null,
            `Added ${ago(passkey.createdAt)}`,
            passkey.lastUsedAt === null ? "" : ` · last used to sign in ${ago(passkey.lastUsedAt)}`,
            passkey.backedUp ? " · synced" : "",
          ),
          h(
            "button",
            {
              type: "button",
              class: "small",
              "aria-label": `Remove the passkey added ${ago(passkey.createdAt)}`,
              onclick: () => void remove(passkey.id),
            },
            "Remove",
          ),
        ),
      ),
    );
  };
  const load = async () => {
    const passkeys = await api().passkeys();
    if (passkeys.ok) draw(passkeys.value.passkeys);
    else {
      error.textContent = describeError(passkeys.error);
      error.hidden = false;
    }
  };
  const remove = async (id: string) => {
    error.hidden = true;
    status.textContent = "";
    const removed = await api().removePasskey(id);
    if (!removed.ok) {
      error.textContent = describeError(removed.error);
      error.hidden = false;
    } else status.textContent = "Passkey removed. It no longer signs in to this account.";
    await load();
  };
  add.addEventListener("click", async () => {
    add.disabled = true;
    error.hidden = true;
    status.textContent = "";
    const added = await addPasskey();
    add.disabled = false;
    if (!added.ok) {
      error.textContent = added.message;
      error.hidden = false;
      return;
    }
    status.textContent = "Passkey added. On another browser, choose “Sign in with a passkey” to play as you.";
    await load();
  });
  void load();
  return h(
    "section",
    { class: "card passkeys", "aria-labelledby": "passkeys-title" },
    h("h2", { id: "passkeys-title" }, "Passkeys"),
    h(
      "p",
      { class: "muted" },
      "A passkey signs you in on another browser or device with the same name, ratings, history and open games. It stays on your device (or your password manager); there is no password.",
    ),
    none,
    list,
    h("div", { class: "actions" }, add),
    unavailable ? h("p", { class: "muted small" }, unavailable) : null,
    status,
    error,
  );
}
