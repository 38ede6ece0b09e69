import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_RULES,
  compatible,
  formGroups,
  windowOf,
  type PairingRules,
  type Waiting,
} from "../../server/pairing.ts";

const TWO: PairingRules = { ...DEFAULT_RULES, minPlayers: 2, maxPlayers: 2 };
const THREE_TO_FOUR: PairingRules = { ...DEFAULT_RULES, minPlayers: 3, maxPlayers: 4 };

const ticket = (id: string, rating: number, since = 0, playerId = `p-${id}`): Waiting => ({
  id,
  playerId,
  rating,
  since,
});
const ids = (groups: Waiting[][]) => groups.map((group) => group.map((member) => member.id).sort());

describe("the rating window", () => {
  it.each([
    { waited: 0, window: 100 },
    { waited: 5_000, window: 150 },
    { waited: 20_000, window: 300 },
    { waited: 29_999, window: 399.99 },
    { waited: 30_000, window: Infinity },
  ])("is ±$window after $waited ms", ({ waited, window }) => {
    expect(windowOf(ticket("a", 1500, 0), waited, TWO)).toBeCloseTo(window, 6);
  });

  it("needs both tickets to accept: the narrower window decides", () => {
    const old = ticket("old", 1500, 0);
    const fresh = ticket("new", 1750, 25_000);
    expect(compatible(old, fresh, 25_000, TWO)).toBe(false); // fresh accepts only ±100
    expect(compatible(old, fresh, 40_000, TWO)).toBe(true); // fresh has waited 15 s: ±250
  });

  it("never pairs a player with themself", () => {
    expect(compatible(ticket("a", 1500, 0, "same"), ticket("b", 1500, 0, "same"), 60_000, TWO)).toBe(false);
  });
});

describe("forming two-player matches", () => {
  it("pairs close ratings at once and leaves a far one waiting", () => {
    const groups = formGroups([ticket("a", 1500), ticket("b", 1560), ticket("c", 1900)], 0, TWO);
    expect(ids(groups)).toEqual([["a", "b"]]);
  });

  it("pairs far ratings once the windows have widened enough", () => {
    const tickets = [ticket("a", 1500, 0), ticket("b", 1750, 0)];
    expect(formGroups(tickets, 14_000, TWO)).toEqual([]); // ±240
    expect(ids(formGroups(tickets, 15_000, TWO))).toEqual([["a", "b"]]); // ±250
  });

  it("pairs anyone after the maximum wait", () => {
    expect(ids(formGroups([ticket("a", 800, 0), ticket("b", 2600, 0)], 30_000, TWO))).toEqual([["a", "b"]]);
  });

  it("serves the longest-waiting ticket first, with its closest rating", () => {
    const groups = formGroups(
      [ticket("new", 1540, 9_000), ticket("old", 1500, 0), ticket("closest", 1510, 8_000)],
      9_000,
      TWO,
    );
    expect(ids(groups)).toEqual([["closest", "old"]]);
  });

  it("puts nobody in two matches and pairs everyone when ratings are alike (20 players → 10 matches)", () => {
    const tickets = Array.from({ length: 20 }, (_, i) => ticket(`t${i}`, 1500 + (i % 3) * 10, i));
    const groups = formGroups(tickets, 100, TWO);
    expect(groups).toHaveLength(10);
    expect(new Set(groups.flat().map((member) => member.id)).size).toBe(20);
  });

  it("holds its invariants for any queue (property)", () => {
    const waiting = fc.array(
      fc.record({
        rating: fc.integer({ min: 600, max: 2800 }),
        since: fc.integer({ min: 0, max: 60_000 }),
        player: fc.integer({ min: 0, max: 15 }),
      }),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(waiting, fc.integer({ min: 0, max: 90_000 }), (entries, extra) => {
        const tickets = entries.map((entry, i) => ticket(`t${i}`, entry.rating, entry.since, `p${entry.player}`));
        const now = Math.max(0, ...tickets.map((t) => t.since)) + extra;
        const groups = formGroups(tickets, now, TWO);
        const members = groups.flat();
        expect(new Set(members.map((member) => member.id)).size).toBe(members.length);
        for (const group of groups) {
          expect(group).toHaveLength(2);
          expect(compatible(group[0]!, group[1]!, now, TWO)).toBe(true);
        }
        // Nobody left over could have been paired with anybody else left over.
        const left = tickets.filter((t) => !members.includes(t));
        for (const a of left) for (const b of left) if (a !== b) expect(compatible(a, b, now, TWO)).toBe(false);
      }),
    );
  });
});

describe("games for three or more", () => {
  it("starts a full group at once", () => {
    const tickets = ["a", "b", "c", "d"].map((id) => ticket(id, 1500, 0));
    expect(ids(formGroups(tickets, 0, THREE_TO_FOUR))).toEqual([["a", "b", "c", "d"]]);
  });

  it("waits briefly for more once the minimum is there, then starts with the minimum", () => {
    const tickets = [ticket("a", 1500, 0), ticket("b", 1500, 1_000), ticket("c", 1500, 2_000)];
    expect(formGroups(tickets, 2_000 + DEFAULT_RULES.fillWaitMs - 1, THREE_TO_FOUR)).toEqual([]);
    expect(ids(formGroups(tickets, 2_000 + DEFAULT_RULES.fillWaitMs, THREE_TO_FOUR))).toEqual([["a", "b", "c"]]);
  });

  it("takes a fourth player who arrives during the brief wait", () => {
    const tickets = [ticket("a", 1500, 0), ticket("b", 1500, 0), ticket("c", 1500, 0), ticket("d", 1500, 3_000)];
    expect(ids(formGroups(tickets, 3_000, THREE_TO_FOUR))).toEqual([["a", "b", "c", "d"]]);
  });

  it("never starts below the minimum", () => {
    expect(formGroups([ticket("a", 1500), ticket("b", 1500)], 120_000, THREE_TO_FOUR)).toEqual([]);
  });
});
