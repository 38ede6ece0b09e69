/**
 * A copy of the project in a temporary folder with a game written into it by the scaffold:
 * what the scaffold's tests check and serve, without a generated file ever entering the tree.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { scaffold } from "../scripts/new-game.ts";

export const ROOT = join(import.meta.dirname, "..");

/** What a copy holds besides `node_modules` (linked) and the client's build (made by `build`). */
const PARTS = [
  "shared",
  "client",
  "server",
  "scripts",
  "tsconfig.base.json",
  "biome.json",
  ".gitignore",
  "vite.config.ts",
  "wrangler.jsonc",
  "package.json",
];

export interface ProjectCopy {
  readonly root: string;
  /** Runs a Node tool of the project (a path under node_modules) in the copy. */
  run(bin: string, args: readonly string[]): { status: number | null; output: string };
  remove(): void;
}

/** Copies the project and writes the scaffold's game `id` into the copy. */
export function copyWithGame(id: string): ProjectCopy {
  const root = mkdtempSync(join(tmpdir(), "ply-new-game-"));
  for (const part of PARTS) {
    cpSync(join(ROOT, part), join(root, part), { recursive: true, filter: (source) => !source.includes("/dist") });
  }
  symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"), "dir");
  for (const file of scaffold(id, readFileSync(join(ROOT, "shared/games/index.ts"), "utf8"))) {
    mkdirSync(dirname(join(root, file.path)), { recursive: true });
    writeFileSync(join(root, file.path), file.content);
  }
  return {
    root,
    run(bin, args) {
      const result = spawnSync(process.execPath, [join(ROOT, "node_modules", bin), ...args], {
        cwd: root,
        encoding: "utf8",
      });
      return { status: result.status, output: `${result.stdout}${result.stderr}` };
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
