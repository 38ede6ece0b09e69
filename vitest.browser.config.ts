import { defineConfig } from "vitest/config";

/**
 * The browser tests: real Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
 * against a real `wrangler dev` serving the built client. `npm run test:browser` builds first.
 */
export default defineConfig({
  test: {
    // Logs show only with a failing test, as in vitest.config.ts.
    silent: "passed-only",
    projects: [
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          // One server and one set of browsers per file; the tests in a file run in order.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
