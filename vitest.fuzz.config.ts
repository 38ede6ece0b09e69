import { defineConfig } from "vitest/config";
import { projects } from "./vitest.projects.ts";

/**
 * `npm run fuzz`: the long runs (`*.long.test.ts`): 100,000 fuzzed frames, the soak, three
 * SIGKILLs of the server, 200 bot games. CI runs them after `npm test`.
 */
export default defineConfig({
  test: {
    silent: "passed-only",
    globalSetup: ["./test/global-setup.ts"],
    projects: projects(true),
  },
});
