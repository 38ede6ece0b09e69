import fc from "fast-check";
import { anything } from "./arbitraries.ts";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { ClientMessage, CreateMatchBody, DisplayName, LIMITS } from "../../shared/protocol.ts";

const accepts = (schema: v.GenericSchema, input: unknown): boolean => v.safeParse(schema, input).success;

describe("ClientMessage", () => {
  it.each([
    ["a move", { type: "move", id: "m1", seq: 0, move: { cell: 4 } }],
    ["a move with any move payload", { type: "move", id: "A-z_09", seq: 12, move: null }],
    ["a move with a 64-character id", { type: "move", id: "a".repeat(64), seq: 1, move: [1, 2] }],
    ["a move at the largest safe seq", { type: "move", id: "x", seq: Number.MAX_SAFE_INTEGER, move: "e4" }],
    ["a resync", { type: "resync", seq: 0 }],
    ["a resync from later on", { type: "resync", seq: 4096 }],
    ["a resign", { type: "resign" }],
    ["a ping", { type: "ping" }],
    ["a ping with a time", { type: "ping", t: 1_700_000_000_000.5 }],
    ["a ping with a negative time", { type: "ping", t: -3 }],
  ])("accepts %s and parses it unchanged", (_name, frame) => {
    const parsed = v.safeParse(ClientMessage, frame);
    expect(parsed.success).toBe(true);
    if (parsed.success) expect(parsed.output).toEqual(frame);
  });

  it.each([
    ["an unknown type", { type: "chat", text: "hi" }],
    ["an upper-case type", { type: "RESIGN" }],
    ["a missing type", { seq: 1 }],
    ["a numeric type", { type: 1 }],
    ["null", null],
    ["a string", "resign"],
    ["an array", [{ type: "resign" }]],
    ["a resign with an extra key", { type: "resign", seat: 0 }],
    ["a ping with an extra key", { type: "ping", t: 1, x: 2 }],
    ["a resync with an extra key", { type: "resync", seq: 0, from: 0 }],
    ["a move with an extra key", { type: "move", id: "m1", seq: 0, move: {}, seat: 1 }],
    ["a move without a move", { type: "move", id: "m1", seq: 0 }],
    ["a move without an id", { type: "move", seq: 0, move: {} }],
    ["a move with an empty id", { type: "move", id: "", seq: 0, move: {} }],
    ["a move with a 65-character id", { type: "move", id: "a".repeat(65), seq: 0, move: {} }],
    ["a move with a space in its id", { type: "move", id: "m 1", seq: 0, move: {} }],
    ["a move with a slash in its id", { type: "move", id: "m/1", seq: 0, move: {} }],
    ["a move with a non-ASCII id", { type: "move", id: "mé", seq: 0, move: {} }],
    ["a move with a numeric id", { type: "move", id: 7, seq: 0, move: {} }],
    ["a move with a negative seq", { type: "move", id: "m1", seq: -1, move: {} }],
    ["a move with a fractional seq", { type: "move", id: "m1", seq: 1.5, move: {} }],
    ["a move with a string seq", { type: "move", id: "m1", seq: "1", move: {} }],
    ["a move with a seq past the safe integers", { type: "move", id: "m1", seq: 2 ** 53, move: {} }],
    ["a resync with a negative seq", { type: "resync", seq: -1 }],
    ["a resync with a fractional seq", { type: "resync", seq: 0.25 }],
    ["a resync with a NaN seq", { type: "resync", seq: Number.NaN }],
    ["a resync with an infinite seq", { type: "resync", seq: Infinity }],
    ["a resync without a seq", { type: "resync" }],
    ["a ping with an infinite time", { type: "ping", t: Infinity }],
    ["a ping with a NaN time", { type: "ping", t: Number.NaN }],
    ["a ping with a string time", { type: "ping", t: "1" }],
  ])("rejects %s", (_name, frame) => {
    expect(accepts(ClientMessage, frame)).toBe(false);
  });

  it("rejects any extra key on any frame type", () => {
    const frame = fc.constantFrom<Record<string, unknown>>(
      { type: "move", id: "m1", seq: 3, move: { column: 2 } },
      { type: "resync", seq: 3 },
      { type: "resign" },
      { type: "ping", t: 5 },
    );
    const extraKey = fc.string({ minLength: 1 }).filter((key) => !["type", "id", "seq", "move", "t"].includes(key));
    fc.assert(
      fc.property(frame, extraKey, fc.anything(), (base, key, value) => {
        expect(accepts(ClientMessage, base)).toBe(true);
        const withExtra: Record<string, unknown> = { ...base };
        Object.defineProperty(withExtra, key, { value, enumerable: true, configurable: true, writable: true });
        expect(accepts(ClientMessage, withExtra)).toBe(false);
      }),
    );
  });

  it("accepts every well-formed frame, also after a JSON round trip", () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    const seq = fc.nat({ max: Number.MAX_SAFE_INTEGER });
    const frame = fc.oneof(
      fc.record({ type: fc.constant("move"), id, seq, move: fc.jsonValue() }),
      fc.record({ type: fc.constant("resync"), seq }),
      fc.constant({ type: "resign" }),
      fc.record(
        { type: fc.constant("ping"), t: fc.double({ noNaN: true, noDefaultInfinity: true }) },
        { requiredKeys: ["type"] },
      ),
    );
    fc.assert(
      fc.property(frame, (message) => {
        expect(accepts(ClientMessage, message)).toBe(true);
        expect(accepts(ClientMessage, JSON.parse(JSON.stringify(message)))).toBe(true);
      }),
    );
  });

  it("never throws, whatever it is given", () => {
    const typed = fc
      .record({ type: fc.constantFrom("move", "resync", "resign", "ping", "__proto__", "constructor"), rest: anything })
      .map(({ type, rest }) =>
        typeof rest === "object" && rest !== null
          ? { ...rest, type }
          : { type, id: rest, seq: rest, t: rest, move: rest },
      );
    fc.assert(
      fc.property(fc.oneof(anything, typed), (input) => {
        const parsed = v.safeParse(ClientMessage, input);
        expect(typeof parsed.success).toBe("boolean");
        if (parsed.success) expect(["move", "resync", "resign", "ping"]).toContain(parsed.output.type);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("DisplayName", () => {
  it.each([
    ["Alice", "Alice"],
    ["  Zoë  ", "Zoë"],
    ["李雷", "李雷"],
    ["Ольга", "Ольга"],
    ["Ann-Marie O.", "Ann-Marie O."],
    ["player_2", "player_2"],
    ["7", "7"],
    ["a".repeat(24), "a".repeat(24)],
    [`  ${"b".repeat(24)}\n`, "b".repeat(24)],
    // Regression rows: the same name typed with a combining accent is one name, NFC-normalised.
    ["Zoe\u0308", "Zoë"],
    ["हिन्दी", "हिन्दी"],
    // The limit counts characters as people see them, not UTF-16 units.
    ["𠀀".repeat(24), "𠀀".repeat(24)],
    ["e\u0301".repeat(24), "é".repeat(24)],
  ])("accepts %j as %j", (input, output) => {
    const parsed = v.safeParse(DisplayName, input);
    expect(parsed.success).toBe(true);
    if (parsed.success) expect(parsed.output).toBe(output);
  });

  it.each([
    ["an empty name", ""],
    ["only spaces", "   "],
    ["25 characters", "a".repeat(25)],
    ["markup", "<script>"],
    ["a quote", 'Bob"'],
    ["a tab inside", "a\tb"],
    ["a newline inside", "a\nb"],
    ["an emoji", "🙂"],
    ["a zero-width space", "a\u200bb"],
    ["a control character", "a\u0000b"],
    ["a slash", "a/b"],
    // Regression rows (issue 14): marks with no letter under them, and invisible characters.
    ["only a combining grapheme joiner (invisible)", "\u034f"],
    ["only combining accents", "\u0301\u0301"],
    ["only a combining enclosing circle", "\u20dd"],
    ["a space and an accent (trimmed to the accent)", " \u0301"],
    ["an accent on a space", "a \u0301"],
    ["a letter followed by an invisible joiner", "Ada\u034f"],
    ["a Hangul filler (an invisible letter)", "\u3164"],
    ["no letter or digit", "_.-"],
    ["a number", 42],
    ["null", null],
  ])("rejects %s", (_name, input) => {
    expect(accepts(DisplayName, input)).toBe(false);
  });

  it("outputs a trimmed, NFC-normalised name of 1 to 24 graphemes whenever it accepts", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30, unit: "grapheme" }), (input) => {
        const parsed = v.safeParse(DisplayName, input);
        if (parsed.success) {
          expect(parsed.output).toBe(input.normalize("NFC").trim());
          const graphemes = [...new Intl.Segmenter().segment(parsed.output)].length;
          expect(graphemes).toBeGreaterThanOrEqual(1);
          expect(graphemes).toBeLessThanOrEqual(24);
          expect(parsed.output).not.toMatch(/[<>&"'`\\/]/);
        }
      }),
    );
  });
});

describe("CreateMatchBody", () => {
  it.each([
    ["just a game", { game: "tic-tac-toe" }],
    ["empty options", { game: "connect-four", options: {} }],
    ["some options", { game: "connect-four", options: { rows: 6 } }],
    ["the shortest turn", { game: "tic-tac-toe", turnMs: LIMITS.minTurnMs }],
    ["the longest turn", { game: "tic-tac-toe", turnMs: LIMITS.maxTurnMs }],
    ["a turn in between", { game: "tic-tac-toe", turnMs: 30_000 }],
    ["a private match", { game: "tic-tac-toe", private: true }],
    ["the shortest grace period", { game: "tic-tac-toe", graceMs: LIMITS.minGraceMs }],
  ])("accepts %s (public unless it says otherwise)", (_name, body) => {
    const parsed = v.safeParse(CreateMatchBody, body);
    expect(parsed.success).toBe(true);
    if (parsed.success) expect(parsed.output).toEqual({ private: false, ...body });
  });

  it.each([
    ["a turn just under the minimum", { game: "tic-tac-toe", turnMs: LIMITS.minTurnMs - 1 }],
    ["a turn just over the maximum", { game: "tic-tac-toe", turnMs: LIMITS.maxTurnMs + 1 }],
    ["a zero turn", { game: "tic-tac-toe", turnMs: 0 }],
    ["a negative turn", { game: "tic-tac-toe", turnMs: -30_000 }],
    ["a fractional turn", { game: "tic-tac-toe", turnMs: 1500.5 }],
    ["an infinite turn", { game: "tic-tac-toe", turnMs: Infinity }],
    ["a string turn", { game: "tic-tac-toe", turnMs: "30000" }],
    ["a missing game", { turnMs: 30_000 }],
    ["an upper-case game id", { game: "Tic-Tac-Toe" }],
    ["a game id with a space", { game: "tic tac toe" }],
    ["a 41-character game id", { game: "a".repeat(41) }],
    ["string options", { game: "tic-tac-toe", options: "fast" }],
    ["null options", { game: "tic-tac-toe", options: null }],
    // Regression rows: a record schema alone lets arrays through.
    ["empty array options", { game: "tic-tac-toe", options: [] }],
    ["array options", { game: "tic-tac-toe", options: [1] }],
    ["an extra key", { game: "tic-tac-toe", seed: "x" }],
  ])("rejects %s", (_name, body) => {
    expect(accepts(CreateMatchBody, body)).toBe(false);
  });

  it("accepts exactly the integer turn lengths within the limits", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.integer({ min: LIMITS.minTurnMs - 5, max: LIMITS.minTurnMs + 5 }), fc.double()),
        (turnMs) => {
          const inRange = Number.isInteger(turnMs) && turnMs >= LIMITS.minTurnMs && turnMs <= LIMITS.maxTurnMs;
          expect(accepts(CreateMatchBody, { game: "tic-tac-toe", turnMs })).toBe(inRange);
        },
      ),
    );
  });
});
