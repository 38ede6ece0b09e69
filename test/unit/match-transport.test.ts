import { describe, expect, it } from "vitest";
import { LIMITS } from "../../shared/protocol.ts";
import { FloodGuard } from "../../server/match/flood-guard.ts";
import { readFrame, tooLarge } from "../../server/match/frames.ts";
import { horizon, shownClocks } from "../../server/match/spectator-delay.ts";
import { T0 } from "./helpers.ts";

describe("FloodGuard", () => {
  it("allows a burst of LIMITS.frameBurst frames, then LIMITS.framesPerSecond a second", () => {
    let now = T0;
    const guard = new FloodGuard(() => now);
    for (let i = 0; i < LIMITS.frameBurst; i++) expect(guard.allow("a")).toBe(true);
    expect(guard.allow("a")).toBe(false);
    // Another socket has its own bucket.
    expect(guard.allow("b")).toBe(true);
    now += 1_000;
    for (let i = 0; i < LIMITS.framesPerSecond; i++) expect(guard.allow("a")).toBe(true);
    expect(guard.allow("a")).toBe(false);
  });

  it("closes after LIMITS.floodStrikes refusals in a row, but forgives strikes spread over time", () => {
    let now = T0;
    const guard = new FloodGuard(() => now);
    for (let i = 0; i < LIMITS.floodStrikes; i++) expect(guard.strike("a")).toBe(false);
    expect(guard.strike("a")).toBe(true);
    const patient = new FloodGuard(() => now);
    for (let i = 0; i < LIMITS.floodStrikes * 3; i++) {
      now += 1_000 / LIMITS.strikeDecayPerSecond;
      expect(patient.strike("b")).toBe(false);
    }
  });

  it("starts a socket over once it is forgotten", () => {
    const guard = new FloodGuard(() => T0);
    for (let i = 0; i < LIMITS.frameBurst; i++) guard.allow("a");
    expect(guard.allow("a")).toBe(false);
    guard.forget("a");
    expect(guard.allow("a")).toBe(true);
  });
});

describe("readFrame", () => {
  it.each([
    {
      name: "a frame over the limit in UTF-8 only",
      message: `"${"é".repeat(LIMITS.frameBytes / 2 + 1)}"`,
      code: "too-large",
    },
    { name: "a binary frame", message: new Uint8Array(4), code: "bad-message" },
    { name: "text that is not JSON", message: "{nope", code: "bad-message" },
    { name: "JSON outside the protocol", message: '{"type":"ping","x":1}', code: "bad-message" },
  ])("refuses $name with $code", ({ message, code }) => {
    expect(readFrame(message)).toMatchObject({ ok: false, error: { code } });
  });

  it("reads a frame of the protocol", () => {
    expect(readFrame('{"type":"ping","t":5}')).toEqual({ ok: true, value: { type: "ping", t: 5 } });
    expect(tooLarge("x".repeat(LIMITS.frameBytes))).toBe(false);
  });
});

describe("spectator delay", () => {
  const log = { nthMoveSeq: (n: number) => (n < 4 ? 3 + n * 2 : null), lastSeqBy: (cutoff: number) => cutoff - T0 };

  it("shows everything before the start and after the end", () => {
    expect(horizon({ moves: 2 }, { status: "waiting", seq: 2, moves: 0 }, log, T0)).toBe(2);
    expect(horizon({ moves: 2 }, { status: "finished", seq: 12, moves: 4 }, log, T0)).toBe(12);
    expect(horizon(null, { status: "playing", seq: 9, moves: 3 }, log, T0)).toBe(9);
  });

  it("stops just before the move that would put spectators fewer than N moves behind", () => {
    // Moves at seqs 3, 5, 7, 9: with 3 played and a delay of 2, spectators see up to before the 2nd.
    expect(horizon({ moves: 2 }, { status: "playing", seq: 8, moves: 3 }, log, T0)).toBe(4);
  });

  it("shows what was logged at least N seconds ago", () => {
    expect(horizon({ seconds: 5 }, { status: "playing", seq: 99, moves: 3 }, log, T0 + 12_000)).toBe(7_000);
  });

  it("shifts a seconds-behind view's clocks, and stops a moves-behind view's", () => {
    const clocks = { deadline: T0 + 30_000, since: T0, running: [1] };
    expect(shownClocks({ seconds: 5 }, "playing", clocks)).toEqual({
      deadline: T0 + 35_000,
      since: T0 + 5_000,
      running: [1],
    });
    expect(shownClocks({ moves: 1 }, "playing", clocks)).toEqual({ deadline: null, since: T0, running: [] });
    expect(shownClocks({ moves: 1 }, "finished", clocks)).toEqual(clocks);
  });
});
