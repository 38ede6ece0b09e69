/**
 * Crash and restart: SDK bots play matches against a real `wrangler dev` with a persistence
 * folder while the whole server process group (wrangler + workerd) is SIGKILLed at random
 * moments and restarted on the same folder and port. At the end every match is checked:
 * every move a client saw acknowledged is in the log, seq has no gaps or duplicates, the
 * summary loads, the log replays with the shared engine to the state the server shows, and
 * turn timers that were pending at a kill fired after the restart.
 *
 *   npm run crash -- --kills 20 --matches 8 [--timers 4] [--seed 1]
 *
 * The same kills mid-tournament: `npm run crash:tournament` (scripts/tournament-crash.ts).
 *
 * Also a library: the launcher (crash/server.ts), the bot (crash/play.ts) and the checks
 * (crash/checks.ts) are reused by scripts/soak.ts and the e2e tests, through this module.
 * Loopback only; every process started is stopped at the end, also on failure.
 */
import { flag, isMain, runMain } from "./crash/cli.ts";
import { runCrash } from "./crash/run.ts";

export * from "./crash/checks.ts";
export * from "./crash/cli.ts";
export * from "./crash/play.ts";
export * from "./crash/run.ts";
export * from "./crash/server.ts";

if (isMain(import.meta.url)) {
  await runMain("crash run", () =>
    runCrash({
      kills: flag("kills", 20),
      matches: flag("matches", 8),
      timers: flag("timers", 4),
      movesBetweenKills: flag("moves-between-kills", 10),
    }),
  );
}
