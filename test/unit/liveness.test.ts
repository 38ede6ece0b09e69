import { describe, expect, it } from "vitest";
import { MIN_CHECK_MS, nextCheck, SILENT_MS, silentSockets } from "../../server/liveness.ts";

const NOW = 1_000_000;

describe("liveness", () => {
  it("finds the sockets whose heartbeat stopped, and never judges one that never beat", () => {
    const sockets = [
      { socket: "beating", heardAt: NOW - 900 },
      { socket: "just silent", heardAt: NOW - SILENT_MS },
      { socket: "long gone", heardAt: NOW - 60_000 },
      { socket: "no heartbeat", heardAt: null },
    ];
    expect(silentSockets(sockets, NOW)).toEqual(["just silent", "long gone"]);
  });

  it("looks again when the first beating socket would turn silent", () => {
    const sockets = [
      { socket: "a", heardAt: NOW - 3_000 },
      { socket: "b", heardAt: NOW - 500 },
    ];
    expect(nextCheck(sockets, NOW)).toBe(NOW - 3_000 + SILENT_MS);
  });

  it("never looks again sooner than MIN_CHECK_MS", () => {
    expect(nextCheck([{ socket: "a", heardAt: NOW - SILENT_MS + 10 }], NOW)).toBe(NOW + MIN_CHECK_MS);
  });

  it("books nothing when no socket beats, or every one is silent already", () => {
    expect(nextCheck([], NOW)).toBeNull();
    expect(
      nextCheck(
        [
          { socket: "a", heardAt: null },
          { socket: "b", heardAt: NOW - SILENT_MS },
        ],
        NOW,
      ),
    ).toBeNull();
  });

  it("sees a socket that stopped beating as silent by the check it books", () => {
    // The last heartbeat at NOW; the check comes at the booked time and finds it silent.
    const sockets = [{ socket: "a", heardAt: NOW }];
    const at = nextCheck(sockets, NOW)!;
    expect(silentSockets(sockets, at)).toEqual(["a"]);
  });
});
