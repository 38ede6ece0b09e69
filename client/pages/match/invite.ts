/** The invitation card shown while a match waits for players: the link and code to send. */
import type { MatchSummary } from "../../../shared/protocol.ts";
import { copy, h } from "../dom.ts";

export function inviteCard(summary: MatchSummary): HTMLElement {
  const inviteLink = `${location.origin}/i/${summary.inviteCode ?? ""}`;
  const copyButton = h("button", { type: "button", id: "copy-invite" }, "Copy link");
  const copied = h("span", { class: "muted small", role: "status" });
  const invite = h(
    "section",
    { class: "card invite", "aria-labelledby": "invite-title", "data-invite-code": summary.inviteCode ?? "" },
    h("h2", { id: "invite-title" }, summary.inviteCode ? "Invite a friend" : "Waiting for an opponent"),
    summary.inviteCode
      ? h(
          "div",
          null,
          h("p", null, "Send this link, or the code, to the person you want to play:"),
          h(
            "p",
            { class: "invite-code" },
            h("span", { class: "muted small" }, "Code "),
            h("strong", { id: "invite-code-value" }, summary.inviteCode),
          ),
          h(
            "div",
            { class: "row" },
            h("input", { class: "invite-link", readonly: true, value: inviteLink, "aria-label": "Invite link" }),
            copyButton,
          ),
          copied,
        )
      : h("p", null, "Anyone with this page's address can take the free seat."),
  );
  copyButton.addEventListener("click", async () => {
    const input = invite.querySelector("input");
    const done = await copy(inviteLink);
    if (!done) input?.select();
    copied.textContent = done ? "Copied!" : "Select the link and copy it.";
  });
  return invite;
}
