/**
 * Soak, in `npm run fuzz`: 20 concurrent matches of SDK bots for 30 seconds against one
 * `wrangler dev`, each slot starting a new match when its match ends. 0 errors; moves persisted in the logs =
 * moves the bots saw acknowledged. The long run is `npm run soak -- --matches 200 --minutes 10`.
 */
import { afterAll, expect, it } from "vitest";
import { runSoak } from "../../scripts/soak.ts";
import { stopAll } from "../../scripts/crash.ts";

afterAll(async () => {
  await stopAll();
});

it("plays 20 matches at once for 30 s with no error and every move persisted", async () => {
  const report = await runSoak({ matches: 20, seconds: 30, paceMs: 100, sampleMs: 2_000, log: () => {} });
  expect(report.problems).toEqual([]);
  expect(report.errors).toBe(0);
  expect(report.movesPersisted).toBe(report.movesCounted);
  expect(report.movesCounted).toBeGreaterThan(100);
  expect(report.matchesFinished).toBeGreaterThan(20);
  expect(report.rssMiB.samples).toBeGreaterThan(5);
}, 150_000);
