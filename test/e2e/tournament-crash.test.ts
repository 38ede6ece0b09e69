/**
 * Crash and restart mid-tournament, short: bots play a one-minute arena while `wrangler dev`
 * is SIGKILLed twice and restarted on the same folder. No result a bot saw may be lost, every
 * game must end and score as its match did, nobody may be in two games at once, and no
 * acknowledged move may be missing. The full run is `npm run crash:tournament`.
 */
import { afterAll, expect, it } from "vitest";
import { stopAll } from "../../scripts/crash.ts";
import { runTournamentCrash } from "../../scripts/tournament-crash.ts";

afterAll(async () => {
  await stopAll();
});

it("loses no tournament result and pairs nobody twice at once across 2 SIGKILLs", async () => {
  const report = await runTournamentCrash({ kills: 2, players: 6, durationMs: 60_000, log: () => {} });
  expect(report.problems).toEqual([]);
  expect(report).toMatchObject({ ok: true, kills: 2, resultsLost: 0, overlaps: 0, movesLost: 0, finished: true });
  expect(report.resultsSeen).toBeGreaterThan(6);
}, 240_000);
