import { defineConfig } from "vitest/config";
import { projects } from "./vitest.projects.ts";

/**
 * `npm test`: unit, workers and e2e, without the long runs (`npm run fuzz`). A passing test
 * prints nothing; the logs of a failing one are shown with its failure.
 */
export default defineConfig({
  test: {
    silent: "passed-only",
    globalSetup: ["./test/global-setup.ts"],
    projects: projects(false),
  },
});
