// The bench's pure helpers: reading wrangler.jsonc for the generated workerd config, and the
// cost meter's arithmetic (the bench prints dollars from these; a slip would go unnoticed).
import { describe, expect, it } from "vitest";
import { parseJsonc } from "../../bench/lib/workerd.ts";
import { dollars, PRICES, type Units } from "../../bench/meter/prices.ts";

const none: Units = {
  requests: 0,
  wsMessages: 0,
  activeS: 0,
  rowsRead: 0,
  rowsWritten: 0,
  storedBytes: 0,
  workerRequests: 0,
};

describe("parseJsonc", () => {
  it("drops comments and trailing commas but keeps them inside strings", () => {
    const text = `{
      // a line comment
      "main": "server/index.ts", /* a block
      comment */ "url": "http://x/*not a comment*/ // nor this",
      "list": [1, 2,],
    }`;
    expect(parseJsonc(text)).toEqual({
      main: "server/index.ts",
      url: "http://x/*not a comment*/ // nor this",
      list: [1, 2],
    });
  });

  it("reads the repository's wrangler.jsonc", async () => {
    const { readFile } = await import("node:fs/promises");
    const config = parseJsonc(await readFile(new URL("../../wrangler.jsonc", import.meta.url), "utf8")) as {
      durable_objects: { bindings: { class_name: string }[] };
    };
    expect(config.durable_objects.bindings.map((binding) => binding.class_name)).toContain("Match");
  });
});

describe("dollars", () => {
  it("bills incoming WebSocket messages at 20 to a request", () => {
    const cost = dollars({ ...none, requests: 1_000_000, wsMessages: 20_000_000 });
    expect(cost.requests).toBeCloseTo(2 * PRICES.doRequestsPerMillion, 10);
  });

  it("prices rows and duration per million, at 128 MB", () => {
    const cost = dollars({ ...none, rowsWritten: 2_000_000, rowsRead: 1_000_000, activeS: 8_000_000 });
    expect(cost.rowsWritten).toBeCloseTo(2 * PRICES.rowsWrittenPerMillion, 10);
    expect(cost.rowsRead).toBeCloseTo(PRICES.rowsReadPerMillion, 10);
    expect(cost.duration).toBeCloseTo(PRICES.doDurationPerMillionGBs, 10);
  });

  it("leaves storage, a monthly charge, out of the one-off total", () => {
    const cost = dollars({ ...none, storedBytes: 5e9, workerRequests: 1_000_000 });
    expect(cost.storageMonth).toBeCloseTo(5 * PRICES.storagePerGBMonth, 10);
    expect(cost.total).toBeCloseTo(PRICES.workerRequestsPerMillion, 10);
  });
});

describe("the cost meter's entry", () => {
  it("wraps every Durable Object class wrangler.jsonc binds, so the metered bundle deploys", async () => {
    const { readFile } = await import("node:fs/promises");
    const config = parseJsonc(await readFile("wrangler.jsonc", "utf8")) as {
      durable_objects: { bindings: { class_name: string }[] };
    };
    const entry = await readFile("bench/meter/entry.ts", "utf8");
    const wrapped = [...entry.matchAll(/^export const (\w+) = meteredClass\(ply\.(\w+),/gm)].map(([, name, cls]) => {
      expect(cls).toBe(name);
      return name;
    });
    expect(wrapped.sort()).toEqual(config.durable_objects.bindings.map((binding) => binding.class_name).sort());
  });
});
