import { defineConfig } from "vitest/config";
import { projects } from "./vitest.projects.ts";

/**
 * `npm run fuzz`: the long runs (`*.long.test.ts`): 100,000 fuzzed frames, the soak, three
 * SIGKILLs of the server, 200 bot games. CI runs them after `npm test`.
 */
export default defineConfig({
  test: {
    silent: "passed-only",
    // One file at a time: the soak counts matches finished in 30 s, which the fuzzer running
    // beside it on the same cores would make a test of the machine.
    maxWorkers: 1,
    globalSetup: ["./test/global-setup.ts"],
    projects: projects(true),
  },
});
