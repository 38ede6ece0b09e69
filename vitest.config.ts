import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_TOKEN_SECRET } from "./test/secret.ts";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          // Perft and whole random games of chess take seconds; on a busy 2-core machine, more.
          testTimeout: 60_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.jsonc" },
            miniflare: {
              // Tournament tests run each pairing pass and round themselves (tournament.test.ts).
              bindings: {
                PLY_TOKEN_SECRET: TEST_TOKEN_SECRET,
                PLY_BOT_DELAY_MS: "0",
                PLY_TOURNAMENT_PAIR_DELAY_MS: "3600000",
                PLY_TOURNAMENT_ROUND_GAP_MS: "3600000",
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/worker/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
