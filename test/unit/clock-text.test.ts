import { describe, expect, it } from "vitest";
import { clockText, controlText } from "../../client/clock.ts";
import type { TimeControl } from "../../shared/clock.ts";

const fischer: TimeControl = { kind: "fischer", baseMs: 180_000, incrementMs: 2000 };
const days: TimeControl = { kind: "correspondence", days: 3 };

describe("clock readings", () => {
  it.each([
    [180_000, fischer, "3:00"],
    [179_001, fischer, "3:00"],
    [179_000, fischer, "2:59"],
    [10_000, fischer, "0:10"],
    // Under ten seconds: tenths, rounded down so 0.0 only shows when time is gone.
    [9_999, fischer, "9.9"],
    [8_450, fischer, "8.4"],
    [99, fischer, "0.0"],
    [0, fischer, "0.0"],
    [-5, fischer, "0.0"],
    [3_723_000, fischer, "1:02:03"],
    [3 * 86_400_000, days, "3d 0h"],
    [2 * 86_400_000 + 5 * 3_600_000 + 1, days, "2d 5h"],
    [5 * 3_600_000 + 7 * 60_000, days, "5h 07m"],
    // The last hour of a correspondence move counts like any clock.
    [59 * 60_000, days, "59:00"],
  ] as const)("shows %i ms as %s", (ms, control, text) => {
    expect(clockText(ms, control)).toBe(text);
  });

  it.each([
    [{ kind: "move", ms: 30_000 }, "30 s a move"],
    [{ kind: "move", ms: 60_000 }, "1 min a move"],
    [{ kind: "fischer", baseMs: 60_000, incrementMs: 0 }, "1+0"],
    [fischer, "3+2"],
    [{ kind: "fischer", baseMs: 600_000, incrementMs: 5000 }, "10+5"],
    [{ kind: "delay", baseMs: 300_000, delayMs: 3000 }, "5 min + 3 s delay"],
    [days, "3 days a move"],
  ] as const)("names %o %s", (control, text) => {
    expect(controlText(control)).toBe(text);
  });
});
