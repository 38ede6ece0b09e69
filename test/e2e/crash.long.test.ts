/**
 * Crash and restart, in `npm run fuzz` (crash.test.ts kills once): SDK bots play while
 * `wrangler dev` (wrangler and workerd) is SIGKILLed 3 times and restarted on the same
 * persistence folder and port. No acknowledged move may be lost, no log may have a gap or a
 * duplicate, every log replays to what the server shows, and a turn timer pending at a kill
 * fires after the restart. The full run is `npm run crash -- --kills 20` (scripts/crash.ts).
 */
import { afterAll, expect, it } from "vitest";
import { runCrash, stopAll } from "../../scripts/crash.ts";

afterAll(async () => {
  await stopAll();
});

it("loses no acknowledged move across 3 SIGKILLs of the server", async () => {
  const report = await runCrash({ kills: 3, matches: 6, timers: 2, movesBetweenKills: 10, log: () => {} });
  expect(report.problems).toEqual([]);
  expect(report).toMatchObject({
    ok: true,
    kills: 3,
    movesLost: 0,
    clientErrors: 0,
    timerMatches: 2,
    timersFiredAfterRestart: 2,
  });
  expect(report.movesAcknowledged).toBeGreaterThan(30);
  expect(report.movesLogged).toBeGreaterThanOrEqual(report.movesAcknowledged);
}, 150_000);
