/**
 * The test projects, shared by vitest.config.ts (`npm test`) and vitest.fuzz.config.ts
 * (`npm run fuzz`): the same three environments; `npm test` runs every `*.test.ts` but the
 * long runs (`*.long.test.ts`), `npm run fuzz` runs only those.
 */
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import type { Plugin } from "vite";
import { configDefaults, type TestProjectInlineConfiguration } from "vitest/config";
import { TEST_TOKEN_SECRET } from "./test/secret.ts";

/**
 * Drops Vite's warning that chess.js's published source map names a file it doesn't ship
 * (`../../../src/chess.ts`): a packaging slip upstream, nothing a test can act on. A plugin,
 * because Vitest replaces any `customLogger` with its own.
 */
const quietChessSourceMap: Plugin = {
  name: "ply:quiet-chess-source-map",
  configResolved(config) {
    const warnOnce = config.logger.warnOnce.bind(config.logger);
    config.logger.warnOnce = (message, options) => {
      if (/Sourcemap for .*node_modules\/chess\.js\/.* points to a source file outside its package/.test(message))
        return;
      warnOnce(message, options);
    };
  },
};

const LONG = "**/*.long.test.ts";

/** `*.test.ts` under `dir` without the long runs, or only the long runs. */
function files(dir: string, long: boolean) {
  return long
    ? { include: [`${dir}/${LONG}`] }
    : { include: [`${dir}/**/*.test.ts`], exclude: [...configDefaults.exclude, LONG] };
}

export function projects(long: boolean): TestProjectInlineConfiguration[] {
  return [
    {
      test: {
        name: "unit",
        ...files("test/unit", long),
        environment: "node",
        // Perft and whole random games of chess take seconds; on a busy 2-core machine, more.
        testTimeout: 60_000,
      },
    },
    {
      plugins: [
        quietChessSourceMap,
        cloudflareTest({
          wrangler: { configPath: "./wrangler.jsonc" },
          miniflare: {
            // Tournament tests run each pairing pass and round themselves (tournament.test.ts).
            bindings: {
              PLY_TOKEN_SECRET: TEST_TOKEN_SECRET,
              PLY_BOT_DELAY_MS: "0",
              PLY_REPORT_DELAY_MS: "0",
              PLY_TOURNAMENT_PAIR_DELAY_MS: "3600000",
              PLY_TOURNAMENT_ROUND_GAP_MS: "3600000",
              // Two who just met wait for someone new however long a pass takes on a busy machine.
              PLY_TOURNAMENT_REPEAT_AFTER_MS: "3600000",
            },
          },
        }),
      ],
      test: {
        name: "workers",
        ...files("test/worker", long),
      },
    },
    {
      test: {
        name: "e2e",
        ...files("test/e2e", long),
        environment: "node",
        testTimeout: 60_000,
        hookTimeout: 90_000,
      },
    },
  ];
}
