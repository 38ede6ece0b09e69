import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRandom, seedRandom, type Random, type RandomState } from "../../shared/random.ts";

/** `count` raw draws from a generator, as floats in [0, 1). */
function draws(random: Random, count: number): number[] {
  return Array.from({ length: count }, () => random.next());
}

const seed = fc.string({ maxLength: 40 });

describe("seedRandom and createRandom", () => {
  it("derives the same state from the same seed", () => {
    fc.assert(
      fc.property(seed, (s) => {
        expect(seedRandom(s)).toEqual(seedRandom(s));
      }),
    );
  });

  it("derives a state of four unsigned 32-bit integers", () => {
    fc.assert(
      fc.property(seed, (s) => {
        const state = seedRandom(s);
        expect(state).toHaveLength(4);
        for (const word of state) {
          expect(Number.isInteger(word)).toBe(true);
          expect(word).toBeGreaterThanOrEqual(0);
          expect(word).toBeLessThan(2 ** 32);
        }
      }),
    );
  });

  it("produces the same sequence from the same seed", () => {
    fc.assert(
      fc.property(seed, (s) => {
        expect(draws(createRandom(seedRandom(s)), 32)).toEqual(draws(createRandom(seedRandom(s)), 32));
      }),
    );
  });

  it.each([
    ["", "a"],
    ["a", "b"],
    ["ab", "ba"],
    ["match-1", "match-2"],
    ["seed", "seed "],
    ["\u0000", ""],
  ])("produces different sequences for the seeds %j and %j", (a, b) => {
    expect(draws(createRandom(seedRandom(a)), 8)).not.toEqual(draws(createRandom(seedRandom(b)), 8));
  });

  it("produces different sequences for any two different seeds", () => {
    fc.assert(
      fc.property(seed, seed, (a, b) => {
        fc.pre(a !== b);
        expect(seedRandom(a)).not.toEqual(seedRandom(b));
        expect(draws(createRandom(seedRandom(a)), 4)).not.toEqual(draws(createRandom(seedRandom(b)), 4));
      }),
    );
  });

  it("continues identically after its state round-trips through JSON", () => {
    fc.assert(
      fc.property(seed, fc.nat({ max: 200 }), (s, advance) => {
        const live = createRandom(seedRandom(s));
        draws(live, advance);
        const stored = JSON.parse(JSON.stringify(live.state())) as RandomState;
        const restored = createRandom(stored);
        expect(restored.state()).toEqual(live.state());
        expect(draws(restored, 32)).toEqual(draws(live, 32));
      }),
    );
  });

  it("never mutates the state it was created from", () => {
    fc.assert(
      fc.property(seed, (s) => {
        const initial = Object.freeze(seedRandom(s).slice()) as unknown as RandomState;
        const copy = initial.slice();
        const random = createRandom(initial);
        draws(random, 10);
        random.shuffle([1, 2, 3, 4]);
        expect(initial).toEqual(copy);
        expect(random.state()).not.toEqual(copy);
      }),
    );
  });

  it("returns a state snapshot that later draws do not change", () => {
    const random = createRandom(seedRandom("snapshot"));
    const before = random.state();
    const copy = before.slice();
    draws(random, 5);
    expect(before).toEqual(copy);
  });
});

describe("next", () => {
  it("stays in [0, 1)", () => {
    fc.assert(
      fc.property(seed, (s) => {
        for (const x of draws(createRandom(seedRandom(s)), 200)) {
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThan(1);
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe("int", () => {
  it("stays an integer in [0, n)", () => {
    fc.assert(
      fc.property(seed, fc.integer({ min: 1, max: 2 ** 31 }), (s, n) => {
        const random = createRandom(seedRandom(s));
        for (let i = 0; i < 50; i++) {
          const x = random.int(n);
          expect(Number.isInteger(x)).toBe(true);
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThan(n);
        }
      }),
    );
  });

  it("hits every value for small n over many draws", () => {
    fc.assert(
      fc.property(seed, fc.integer({ min: 1, max: 10 }), (s, n) => {
        const random = createRandom(seedRandom(s));
        const seen = new Set<number>();
        // With 600 draws the chance of missing one of ≤ 10 values is below 10 × 0.9^600 ≈ 2e-26.
        for (let i = 0; i < 600; i++) seen.add(random.int(n));
        expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
      { numRuns: 100 },
    );
  });

  it("spreads draws roughly evenly across the range", () => {
    const random = createRandom(seedRandom("uniformity"));
    const counts = Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) counts[random.int(10)]! += 1;
    // Expected 2000 each, standard deviation ≈ 42; ±300 is over seven deviations.
    for (const count of counts) {
      expect(count).toBeGreaterThan(1700);
      expect(count).toBeLessThan(2300);
    }
  });

  it.each([0, -1, 1.5, -0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    "rejects the bound %s with a RangeError and without consuming randomness",
    (bound) => {
      const random = createRandom(seedRandom("bounds"));
      const before = random.state();
      expect(() => random.int(bound)).toThrow(RangeError);
      expect(random.state()).toEqual(before);
    },
  );
});

describe("shuffle", () => {
  it("returns a permutation of its input and leaves the input untouched", () => {
    fc.assert(
      fc.property(seed, fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 30 }), (s, items) => {
        const input = Object.freeze(items.slice());
        const shuffled = createRandom(seedRandom(s)).shuffle(input);
        expect(input).toEqual(items);
        expect(shuffled).not.toBe(input);
        expect(shuffled).toHaveLength(items.length);
        const sort = (xs: readonly number[]) => xs.slice().sort((x, y) => x - y);
        expect(sort(shuffled)).toEqual(sort(items));
      }),
    );
  });

  it("is deterministic given the generator state", () => {
    fc.assert(
      fc.property(seed, fc.array(fc.nat(), { maxLength: 20 }), (s, items) => {
        expect(createRandom(seedRandom(s)).shuffle(items)).toEqual(createRandom(seedRandom(s)).shuffle(items));
      }),
    );
  });

  it("returns a new array even for empty and one-item inputs", () => {
    const random = createRandom(seedRandom("small"));
    const empty: number[] = [];
    const one = ["only"];
    expect(random.shuffle(empty)).not.toBe(empty);
    expect(random.shuffle(empty)).toEqual([]);
    expect(random.shuffle(one)).not.toBe(one);
    expect(random.shuffle(one)).toEqual(["only"]);
  });

  it("reaches all six orders of three items, including leaving them in place", () => {
    const random = createRandom(seedRandom("orders"));
    const seen = new Set<string>();
    for (let i = 0; i < 600; i++) seen.add(random.shuffle(["a", "b", "c"]).join(""));
    expect([...seen].sort()).toEqual(["abc", "acb", "bac", "bca", "cab", "cba"]);
  });
});
