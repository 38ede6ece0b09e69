/**
 * The scaffold: `npm run new-game` output, written into a copy of the project in a temporary
 * folder (never into the tree), type-checks, is formatted, passes check-game, and is found by
 * the client's renderer registry in a Vite build with its CSS.
 */
import { readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnyGame } from "../../shared/game.ts";
import { checkGame, describeViolation } from "../../scripts/check-game.ts";
import { namesOf, register, scaffold } from "../../scripts/new-game.ts";
import { copyWithGame, ROOT, type ProjectCopy } from "../scaffold-copy.ts";

const ID = "pile-of-counters";
let copy: ProjectCopy;
const run = (bin: string, args: readonly string[]) => copy.run(bin, args);

beforeAll(() => {
  copy = copyWithGame(ID);
  // The generated test is checked with the types the test project uses.
  writeFileSync(
    join(copy.root, "test", "tsconfig.json"),
    JSON.stringify({
      extends: "../tsconfig.base.json",
      compilerOptions: { lib: ["ES2023"], types: ["node"] },
      include: [`unit/${ID}.test.ts`],
    }),
  );
});

afterAll(() => copy?.remove());

describe("npm run new-game", () => {
  it("writes the rules, the renderer with its CSS, a test, and one line in the game registry", () => {
    const index = readFileSync(join(ROOT, "shared/games/index.ts"), "utf8");
    const files = scaffold(ID, index);
    expect(files.map((file) => file.path)).toEqual([
      `shared/games/${ID}.ts`,
      `client/games/${ID}/renderer.ts`,
      `client/games/${ID}/${ID}.css`,
      `test/unit/${ID}.test.ts`,
      "shared/games/index.ts",
    ]);
    const before = index.split("\n");
    const after = register(index, namesOf(ID)).split("\n");
    // Two new lines, nothing else changed: the import and the game's line in the list.
    expect(after.length).toBe(before.length + 2);
    expect(after.filter((line) => !before.includes(line))).toEqual([
      `import { pileOfCounters } from "./${ID}.ts";`,
      `  "${ID}": pileOfCounters,`,
    ]);
  });

  it("refuses an id that is not kebab-case", () => {
    expect(() => scaffold("Pile_Of", "")).toThrow(/kebab-case/);
  });

  it("type-checks: rules and renderer with the client's types, the test with the tests'", () => {
    const client = run("typescript/bin/tsc", ["-p", "client"]);
    expect(client.output).toBe("");
    const test = run("typescript/bin/tsc", ["-p", "test"]);
    expect(test.output).toBe("");
  });

  it("is formatted and linted as the tree is", () => {
    const generated = scaffold(ID, "const BY_ID = {\n} as const;")
      .filter((file) => !file.path.endsWith("index.ts"))
      .map((file) => file.path);
    const formatted = run("@biomejs/biome/bin/biome", ["format", ...generated]);
    expect(formatted.status, formatted.output).toBe(0);
    const linted = run("@biomejs/biome/bin/biome", ["lint", ...generated]);
    expect(linted.status, linted.output).toBe(0);
  });

  it("passes check-game", async () => {
    const module = (await import(pathToFileURL(join(copy.root, "shared", "games", `${ID}.ts`)).href)) as Record<
      string,
      AnyGame
    >;
    const game = module.pileOfCounters!;
    expect(game.id).toBe(ID);
    expect(checkGame(game, { runs: 20, seed: 3 }).map(describeViolation)).toEqual([]);
  });

  it("cannot type-check the client without the game's renderer", () => {
    const file = join(copy.root, "client", "games", ID, "renderer.ts");
    renameSync(file, `${file}.away`);
    try {
      const client = run("typescript/bin/tsc", ["-p", "client"]);
      expect(client.status).not.toBe(0);
      // The registry names the game that has none.
      expect(client.output).toMatch(
        /client\/games\/index\.ts.*Property '"pile-of-counters"' is missing in type 'Renderers'/s,
      );
    } finally {
      renameSync(`${file}.away`, file);
    }
  });

  it("is in the browser build: the registry finds the renderer, and its CSS is bundled", () => {
    const built = run("vite/bin/vite.js", ["build", "--logLevel", "error"]);
    expect(built.status, built.output).toBe(0);
    const assets = join(copy.root, "client", "dist", "assets");
    const bundle = (ext: string) =>
      readdirSync(assets)
        .filter((file) => file.endsWith(ext))
        .map((file) => readFileSync(join(assets, file), "utf8"))
        .join("\n");
    // Asserted as booleans: a failure should not print a whole bundle.
    expect(bundle(".js").includes(`${ID}-board`)).toBe(true);
    expect(/id:["`]pile-of-counters["`]/.test(bundle(".js"))).toBe(true);
    expect(bundle(".css").includes(`.${ID}-pile`)).toBe(true);
  });
});
