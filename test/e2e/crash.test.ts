/**
 * Crash and restart, short: SDK bots play while `wrangler dev` (wrangler and workerd) is
 * SIGKILLed once and restarted on the same persistence folder and port. No acknowledged
 * move may be lost, no log may have a gap or a duplicate, every log replays to what the server
 * shows, and a turn timer pending at a kill fires after the restart.
 * `npm run fuzz` kills it 3 times (crash.long.test.ts); the full run is
 * `npm run crash -- --kills 20` (scripts/crash.ts).
 */
import { afterAll, expect, it } from "vitest";
import { runCrash, stopAll } from "../../scripts/crash.ts";

afterAll(async () => {
  await stopAll();
});

it("loses no acknowledged move across a SIGKILL of the server", async () => {
  const report = await runCrash({ kills: 1, matches: 4, timers: 1, movesBetweenKills: 10, log: () => {} });
  expect(report.problems).toEqual([]);
  expect(report).toMatchObject({
    ok: true,
    kills: 1,
    movesLost: 0,
    clientErrors: 0,
    timerMatches: 1,
    timersFiredAfterRestart: 1,
  });
  expect(report.movesAcknowledged).toBeGreaterThan(10);
  expect(report.movesLogged).toBeGreaterThanOrEqual(report.movesAcknowledged);
}, 150_000);
