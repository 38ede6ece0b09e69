import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import { projects } from "./vitest.projects.ts";

/**
 * `npm test`: unit, workers and e2e, without the long runs (`npm run fuzz`). A passing test
 * prints nothing; the logs of a failing one are shown with its failure.
 */
export default defineConfig({
  test: {
    silent: "passed-only",
    // Vitest's default is one worker per core but one, so a 2-core machine ran every file in
    // turn; most files wait on sockets and timers as much as they compute.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Lists only tests slower than this beside their file (the default, 300 ms, is most of them
    // on a busy machine); `--reporter=verbose` shows every test.
    slowTestThreshold: 5_000,
    globalSetup: ["./test/global-setup.ts"],
    projects: projects(false),
  },
});
