import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { projects } from "./vitest.projects.ts";

/**
 * `npm run fuzz`: the long runs (`*.long.test.ts`): 100,000 fuzzed frames, the soak, three
 * SIGKILLs of the server, 200 bot games. CI runs them after `npm test`.
 */
export default defineConfig({
  test: {
    silent: "passed-only",
    // Vitest's default is one worker per core but one, so a 2-core machine ran every file in
    // turn; most files wait on sockets and timers as much as they compute.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    globalSetup: ["./test/global-setup.ts"],
    projects: projects(true),
  },
});
