/** The pure pieces of passkey sign-in: the relying party of a URL, user handles, the counter rule. */
import { describe, expect, it } from "vitest";
import { counterMovedOn, playerOfUserHandle, relyingParty, toBase64Url, userIdOf } from "../../server/passkeys.ts";

describe("passkey helpers", () => {
  it.each([
    ["http://localhost:8787/api/passkeys/login/options", "localhost", "http://localhost:8787"],
    ["http://127.0.0.1:8787/api/passkeys/login/options", "127.0.0.1", "http://127.0.0.1:8787"],
    ["https://ply.example.com/api/passkeys/login/options", "ply.example.com", "https://ply.example.com"],
  ])("takes the relying party of %s from the URL itself", (url, id, origin) => {
    expect(relyingParty(new URL(url))).toEqual({ id, origin, name: "Ply" });
  });

  it("reads back the player id a user handle carries, and nothing else", () => {
    const pid = "zuQzyrzXs_ahAAwVFNJGw";
    expect(playerOfUserHandle(toBase64Url(userIdOf(pid)))).toBe(pid);
    expect(playerOfUserHandle(undefined)).toBeNull();
    expect(playerOfUserHandle("")).toBeNull();
    // Not base64url, not UTF-8, not a player id.
    expect(playerOfUserHandle("a+b/")).toBeNull();
    expect(
      playerOfUserHandle(toBase64Url(new Uint8Array([0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8]))),
    ).toBeNull();
    expect(playerOfUserHandle(toBase64Url(new TextEncoder().encode("../../etc")))).toBeNull();
  });

  it.each([
    [0, 0, true, "a synced passkey counts nothing"],
    [0, 1, true, "the first count"],
    [4, 5, true, "counting up"],
    [5, 5, false, "the same count again: a replay or a clone"],
    [5, 3, false, "counting down"],
    [5, 0, false, "a counter that stopped counting"],
  ])("stored %i, reported %i: moved on is %s (%s)", (stored, reported, expected) => {
    expect(counterMovedOn(stored, reported)).toBe(expected);
  });
});
