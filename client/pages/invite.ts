/** `/i/:code`: joins the private match an invite code names (asking for a name first if needed). */
import { account, api } from "../session.ts";
import { INVITE_ALPHABET, inviteMatchId } from "../../shared/protocol.ts";
import { nameForm } from "./account.ts";
import { describeError, h, replace, title } from "./dom.ts";

/** The code as the server reads it: upper case, spaces and dashes dropped. */
function normalise(code: string): string | null {
  const clean = code.toUpperCase().replace(/[\s-]/g, "");
  return new RegExp(`^[${INVITE_ALPHABET}]{6}$`).test(clean) ? clean : null;
}

export async function render(root: HTMLElement, [raw = ""]: readonly string[]): Promise<void> {
  title("Invitation");
  const code = normalise(raw);
  const fail = (heading: string, text: string, watch?: string) =>
    root.replaceChildren(
      h(
        "section",
        { class: "card narrow", role: "alert" },
        h("h1", null, heading),
        h("p", null, text),
        h(
          "p",
          { class: "actions" },
          watch ? h("a", { class: "button primary", href: watch }, "Watch the match") : null,
          h("a", { class: "button", href: "/" }, "Back to the lobby"),
        ),
      ),
    );
  if (!code)
    return fail(
      "That invite code looks wrong",
      `“${raw}” is not an invite code: codes are six letters and digits, like ABC234.`,
    );

  const join = async (): Promise<void> => {
    root.replaceChildren(h("p", { class: "muted", role: "status" }, `Joining match ${code}…`));
    const joined = await api().joinInvite(code);
    const matchPath = `/m/${inviteMatchId(code)}`;
    if (joined.ok) return replace(`/m/${joined.value.matchId}`);
    switch (joined.error.code) {
      case "already-joined":
        return replace(matchPath);
      case "match-full":
        return fail("This match is already full", "Both seats are taken, but you can still watch.", matchPath);
      case "not-found":
        return fail(
          "No match for this code",
          `Nobody has created a match with the code ${code}. Check it with your friend.`,
        );
      default:
        return fail("Could not join", describeError(joined.error));
    }
  };

  if (account()) return join();
  root.replaceChildren(
    h(
      "div",
      { class: "page-head" },
      h("h1", null, "You're invited to a match"),
      h("p", { class: "muted" }, `Invite code ${code}`),
    ),
    nameForm(() => void join(), "Pick a name, then you go straight to the board."),
  );
}
