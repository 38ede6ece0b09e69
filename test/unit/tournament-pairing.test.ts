import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pairArena, type ArenaCandidate } from "../../server/tournament/arena.ts";
import { NO_SEATS, sat, seatOrder, type SeatHistory } from "../../server/tournament/seats.ts";
import { pairSwiss, type SwissPlayer } from "../../server/tournament/swiss.ts";

const player = (
  pid: string,
  rating: number,
  extra: Partial<Omit<SwissPlayer, "pid" | "rating">> = {},
): SwissPlayer => ({
  pid,
  rating,
  score: 0,
  order: rating,
  opponents: [],
  byes: 0,
  seats: NO_SEATS,
  ...extra,
});
const seats = (...history: (0 | 1)[]): SeatHistory => history.reduce(sat, NO_SEATS);

describe("seat balance", () => {
  it.each([
    { name: "the one who had seat 0 less often takes it", a: seats(0, 0), b: seats(0, 1), first: "b" },
    { name: "on a tie, the one who sat in seat 1 last", a: seats(1, 0), b: seats(0, 1), first: "b" },
    { name: "on a full tie, the better placed (first given)", a: seats(0, 1), b: seats(0, 1), first: "a" },
    { name: "a newcomer against someone who sat in seat 0 last", a: seats(1, 0), b: NO_SEATS, first: "b" },
  ])("$name", ({ a, b, first }) => {
    const [seat0] = seatOrder({ id: "a", seats: a }, { id: "b", seats: b });
    expect(seat0.id).toBe(first);
  });
});

describe("Swiss pairing", () => {
  it("pairs a first round top half against bottom half (Dutch): 1 v 4, 2 v 5, 3 v 6", () => {
    const players = ["A", "B", "C", "D", "E", "F"].map((pid, index) => player(pid, 2000 - 100 * index));
    expect(pairSwiss(players)).toEqual({
      pairs: [
        ["A", "D"],
        ["B", "E"],
        ["C", "F"],
      ],
      bye: null,
      repeats: 0,
    });
  });

  it("gives an odd field's bye to the lowest-ranked player, then pairs the rest", () => {
    const players = ["A", "B", "C", "D", "E"].map((pid, index) => player(pid, 2000 - 100 * index));
    expect(pairSwiss(players)).toEqual({
      pairs: [
        ["A", "C"],
        ["B", "D"],
      ],
      bye: "E",
      repeats: 0,
    });
  });

  it("never gives a second bye while someone has had none", () => {
    const players = [player("A", 2000, { score: 1 }), player("B", 1900), player("C", 1800, { score: 1, byes: 1 })];
    expect(pairSwiss(players).bye).toBe("B");
  });

  it("pairs round two by score, avoiding a repeat by taking the next player down, with seats balanced", () => {
    // Round 1: A beat D, B beat E, C drew F (seat 0 first each time).
    const players = [
      player("A", 2000, { score: 1, opponents: ["D"], seats: seats(0) }),
      player("B", 1900, { score: 1, opponents: ["E"], seats: seats(0) }),
      player("C", 1800, { score: 0.5, opponents: ["F"], seats: seats(0) }),
      player("D", 1700, { score: 0, opponents: ["A"], seats: seats(1) }),
      player("E", 1600, { score: 0, opponents: ["B"], seats: seats(1) }),
      player("F", 1500, { score: 0.5, opponents: ["C"], seats: seats(1) }),
    ];
    // A v B (the 1-point group); C can't meet F again, so C meets D, the best of the group below; F meets E.
    // Seats: D has had seat 1, so D takes seat 0 against C; F and E both had seat 1: the better placed (F) takes seat 0.
    expect(pairSwiss(players)).toEqual({
      pairs: [
        ["A", "B"],
        ["D", "C"],
        ["F", "E"],
      ],
      bye: null,
      repeats: 0,
    });
  });

  it("backtracks when a greedy choice leaves two players who have met", () => {
    // All on 0: A would meet C first, leaving B v D, who have met; the search takes A v D, B v C instead.
    const players = [
      player("A", 2000),
      player("B", 1900, { opponents: ["D"] }),
      player("C", 1800),
      player("D", 1700, { opponents: ["B"] }),
    ];
    const round = pairSwiss(players);
    expect(round.repeats).toBe(0);
    expect(round.pairs.map((pair) => [...pair].sort().join(""))).toEqual(["AD", "BC"]);
  });

  it("pairs a repeat only when no pairing avoids one", () => {
    const round = pairSwiss([player("A", 2000, { opponents: ["B"] }), player("B", 1900, { opponents: ["A"] })]);
    expect(round).toEqual({ pairs: [["A", "B"]], bye: null, repeats: 1 });
  });

  it("pairs everyone exactly once (one bye at most) for any field and history", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ score: fc.integer({ min: 0, max: 8 }), rating: fc.integer({ min: 1000, max: 2500 }) }), {
          minLength: 2,
          maxLength: 40,
        }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 60 }),
        (rows, history) => {
          const ids = rows.map((_, index) => `p${index}`);
          const met = new Map(ids.map((id) => [id, [] as string[]]));
          for (const [a, b] of history) {
            const x = ids[a % ids.length] as string;
            const y = ids[b % ids.length] as string;
            if (x === y) continue;
            met.get(x)?.push(y);
            met.get(y)?.push(x);
          }
          const players = rows.map((row, index) =>
            player(ids[index] as string, row.rating, {
              score: row.score / 2,
              order: index,
              opponents: met.get(ids[index] as string) ?? [],
            }),
          );
          const round = pairSwiss(players, 2_000);
          const seen = round.pairs.flat().concat(round.bye === null ? [] : [round.bye]);
          expect(new Set(seen).size).toBe(seen.length);
          expect(seen.sort()).toEqual([...ids].sort());
          expect(round.bye === null).toBe(ids.length % 2 === 0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

const free = (pid: string, score: number, extra: Partial<ArenaCandidate> = {}): ArenaCandidate => ({
  pid,
  score,
  order: 0,
  lastOpponent: null,
  freeSince: 0,
  seats: NO_SEATS,
  ...extra,
});

describe("arena pairing", () => {
  it("pairs the free players closest in score: the two best, then the next two", () => {
    const { pairs } = pairArena(
      [free("D", 2), free("A", 10), free("C", 8, { order: 3 }), free("B", 8, { order: 2 })],
      0,
      10,
    );
    expect(pairs).toEqual([
      ["A", "B"],
      ["C", "D"],
    ]);
  });

  it("avoids an immediate repeat: the next closest plays instead, and the one left waits", () => {
    const { pairs, retryAt } = pairArena(
      [free("A", 10, { lastOpponent: "B" }), free("B", 8, { lastOpponent: "A" }), free("C", 6)],
      0,
      10,
    );
    expect(pairs).toEqual([["A", "C"]]);
    expect(retryAt).toBeNull();
  });

  it("lets two who just met wait for someone new, then meet again once both have waited 10 s", () => {
    const candidates = [
      free("A", 4, { lastOpponent: "B", freeSince: 1_000 }),
      free("B", 2, { lastOpponent: "A", freeSince: 1_200 }),
    ];
    expect(pairArena(candidates, 1_500, 4)).toEqual({ pairs: [], retryAt: 11_200 });
    expect(pairArena(candidates, 11_200, 4).pairs).toEqual([["A", "B"]]);
  });

  it("pairs the same two again at once when nobody else is in the arena", () => {
    const candidates = [free("A", 4, { lastOpponent: "B" }), free("B", 2, { lastOpponent: "A" })];
    expect(pairArena(candidates, 0, 2).pairs).toEqual([["A", "B"]]);
  });

  it("balances seats: whoever had seat 0 more often takes seat 1", () => {
    const { pairs } = pairArena([free("A", 10, { seats: seats(0, 0) }), free("B", 8, { seats: seats(1, 0) })], 0, 10);
    expect(pairs).toEqual([["B", "A"]]);
  });
});
