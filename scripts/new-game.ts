/**
 * new-game: writes the files of a new two-player game with placeholder rules (take 1–3
 * counters from a pile of 15; whoever takes the last one wins) that type-check, pass
 * check-game and play in the browser at once; then you replace the rules with your own.
 *
 *   npm run new-game -- <id> [--name "Display name"] [--dry-run]
 *
 * Writes shared/games/<id>.ts (rules), client/games/<id>/renderer.ts and <id>.css (the
 * renderer, found by client/games/index.ts on its own and declared to the type checker in its
 * own file), test/unit/<id>.test.ts, and adds the game to the list in shared/games/index.ts
 * (its one registry line, with the import). `--dry-run` prints the
 * paths instead. Also a library: `scaffold` is pure, and the scaffold test uses it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/** A file to write, relative to the repository root. */
export interface ScaffoldFile {
  readonly path: string;
  readonly content: string;
}

const ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** The names a game id gives: `dots-and-boxes` → dotsAndBoxes, DotsAndBoxes, "Dots and boxes". */
export function namesOf(id: string, name?: string) {
  const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
  const words = id.split("-");
  const pascal = words.map(capital).join("");
  return {
    id,
    camel: pascal.charAt(0).toLowerCase() + pascal.slice(1),
    pascal,
    name: name ?? [capital(words[0] ?? ""), ...words.slice(1)].join(" "),
  };
}

type Names = ReturnType<typeof namesOf>;

const rules = ({ id, camel, pascal, name }: Names) => `/**
 * ${name}. Placeholder rules from \`npm run new-game\`: two players take 1–3 counters in turn
 * from a pile of 15; whoever takes the last one wins. Replace them with the game's own.
 */
import * as v from "valibot";
import { sequential } from "../engine.ts";
import type { GameResult, Seat } from "../game.ts";

export const PILE = 15;

export interface ${pascal}State {
  readonly pile: number;
  readonly turn: Seat;
  readonly winner: Seat | null;
}

export const ${pascal}Move = v.strictObject({ take: v.picklist([1, 2, 3]) });
export type ${pascal}Move = v.InferOutput<typeof ${pascal}Move>;

function outcome(state: ${pascal}State): GameResult | null {
  return state.winner === null ? null : { kind: "win", winners: [state.winner], reason: "took-the-last" };
}

// One seat acts at a time: \`sequential\` works out who may act from \`turn\` (nobody once it is over).
export const ${camel} = sequential<${pascal}State, ${pascal}Move>({
  id: "${id}",
  name: "${name}",
  minPlayers: 2,
  maxPlayers: 2,
  options: v.strictObject({}),
  move: ${pascal}Move,
  defaultTimeControl: { kind: "move", ms: 30_000 },
  timeout: { kind: "forfeit" },
  // Every move takes at least one counter.
  maxMoves: PILE,

  setup: () => ({ pile: PILE, turn: 0, winner: null }),

  turn: (state) => state.turn,

  validate: (state, _seat, move) =>
    move.take <= state.pile ? null : { code: "not-enough", message: \`only \${state.pile} left\` },

  legalMoves: (state) => ([1, 2, 3] as const).filter((take) => take <= state.pile).map((take) => ({ take })),

  apply: (state, seat, move) => {
    const pile = state.pile - move.take;
    return { pile, turn: seat === 0 ? 1 : 0, winner: pile === 0 ? seat : null };
  },

  outcome,
});
`;

const renderer = ({ id, name }: Names) => `/** ${name}: the pile as a row of counters, and a button for each move. */
import "./${id}.css";
import type { RendererOf } from "../renderer.ts";

// Tells the type checker this game has a renderer (client/games/index.ts requires one per game).
declare module "../index.ts" {
  interface Renderers {
    "${id}": typeof renderer;
  }
}

/** Sentences for the rules' refusal codes. */
const REFUSALS: Readonly<Record<string, string>> = {
  "not-enough": "There are not that many counters left.",
};

// \`view\` and moves are typed by the rules: a view is the state (this game hides nothing).
export const renderer: RendererOf<"${id}"> = {
  pieces: ["First", "Second"],
  // How the result line says why the game ended.
  reasons: { "took-the-last": "took the last counter" },

  render(root, { view, mySeat, canMove, play }) {
    const state = view;
    let board = root.querySelector<HTMLElement>(":scope > .${id}-board");
    if (!board) {
      board = document.createElement("div");
      board.className = "board ${id}-board";
      const pile = document.createElement("div");
      pile.className = "${id}-pile";
      pile.setAttribute("role", "img");
      const moves = document.createElement("div");
      moves.className = "${id}-moves";
      for (const take of [1, 2, 3] as const) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = \`Take \${take}\`;
        button.addEventListener("click", () => play({ take }));
        moves.append(button);
      }
      board.append(pile, moves);
      root.replaceChildren(board);
    }
    const left = state?.pile ?? 0;
    const pile = board.querySelector<HTMLElement>(".${id}-pile");
    pile?.replaceChildren(...Array.from({ length: left }, () => document.createElement("span")));
    pile?.setAttribute("aria-label", \`\${left} counters left\`);
    for (const button of board.querySelectorAll("button")) button.disabled = mySeat === null || !canMove;
  },

  describe: ({ take }) => \`took \${take}\`,

  explain: (reason) => REFUSALS[reason] ?? null,
};
`;

const css = ({ id }: Names) => `/* ${id}: imported by its renderer, bundled by Vite. */
.${id}-board {
  display: grid;
  gap: 1rem;
  justify-items: center;
}

.${id}-pile {
  display: flex;
  flex-wrap: wrap;
  gap: 0.4rem;
  min-height: 1.6rem;
}

.${id}-pile span {
  width: 1.4rem;
  height: 1.4rem;
  border-radius: 50%;
  background: var(--accent);
}

.${id}-moves {
  display: flex;
  gap: 0.5rem;
}

.token.g-${id}.s0 {
  background: var(--red);
}

.token.g-${id}.s1 {
  background: var(--yellow);
}

.icon-${id} {
  background: radial-gradient(circle, var(--accent) 0 35%, transparent 38%) 0 0 / 50% 50% var(--surface-2);
}
`;

const test = ({ id, camel, name }: Names) => `import { describe, expect, it } from "vitest";
import { createEngine } from "../../shared/engine.ts";
import type { MatchEvent } from "../../shared/events.ts";
import { ${camel} } from "../../shared/games/${id}.ts";
import { checkGame, describeViolation } from "../../scripts/check-game.ts";

describe("${name}", () => {
  it("passes check-game", () => {
    expect(checkGame(${camel}, { runs: 20 }).map(describeViolation)).toEqual([]);
  });

  it("is won by the seat that takes the last counter", () => {
    const engine = createEngine(${camel}, {}, "seed");
    const events: MatchEvent[] = [{ kind: "start", players: 2 }];
    // 3 + 3 + 3 + 3 + 3 = 15: seat 0 takes the last.
    for (let turn = 0; turn < 5; turn++) {
      events.push({ kind: "move", seat: turn % 2, move: { take: 3 }, id: \`m\${turn}\` });
    }
    expect(engine.replay(events).result).toEqual({ kind: "win", winners: [0], reason: "took-the-last" });
  });
});
`;

/** Where a game is listed: the line (and its import) `new-game` adds to shared/games/index.ts. */
export function register(index: string, { id, camel }: Names): string {
  const end = index.indexOf("\n} as const;");
  if (end === -1) throw new Error("shared/games/index.ts: no game list to add to");
  const withEntry = `${index.slice(0, end)}\n  "${id}": ${camel},${index.slice(end)}`;
  const imports = withEntry.lastIndexOf("\nimport ");
  const lineEnd = withEntry.indexOf("\n", imports + 1);
  return `${withEntry.slice(0, lineEnd + 1)}import { ${camel} } from "./${id}.ts";\n${withEntry.slice(lineEnd + 1)}`;
}

/** Every file of a new game, and the registry with it added (pure: nothing is written). */
export function scaffold(id: string, index: string, name?: string): ScaffoldFile[] {
  if (!ID.test(id)) throw new Error(`a game id is kebab-case (like "dots-and-boxes"), not ${JSON.stringify(id)}`);
  const names = namesOf(id, name);
  return [
    { path: `shared/games/${id}.ts`, content: rules(names) },
    { path: `client/games/${id}/renderer.ts`, content: renderer(names) },
    { path: `client/games/${id}/${id}.css`, content: css(names) },
    { path: `test/unit/${id}.test.ts`, content: test(names) },
    { path: "shared/games/index.ts", content: register(index, names) },
  ];
}

function main(args: readonly string[]): number {
  const root = join(import.meta.dirname, "..");
  const at = args.indexOf("--name");
  const name = at === -1 ? undefined : args[at + 1];
  const [id] = args.filter((arg, index) => !arg.startsWith("--") && args[index - 1] !== "--name");
  if (!id) {
    console.error('usage: npm run new-game -- <id> [--name "Display name"] [--dry-run]');
    return 2;
  }
  const files = scaffold(id, readFileSync(join(root, "shared/games/index.ts"), "utf8"), name);
  const taken = files.filter((file) => file.path !== "shared/games/index.ts" && existsSync(join(root, file.path)));
  if (taken.length > 0) {
    console.error(`already there: ${taken.map((file) => file.path).join(", ")}`);
    return 1;
  }
  for (const file of files) {
    if (!args.includes("--dry-run")) {
      mkdirSync(dirname(join(root, file.path)), { recursive: true });
      writeFileSync(join(root, file.path), file.content);
    }
    console.log(`${args.includes("--dry-run") ? "would write" : "wrote"} ${file.path}`);
  }
  // Long names can push a template line past the width: the project's formatter has the last word.
  if (!args.includes("--dry-run")) {
    const biome = join(root, "node_modules", "@biomejs", "biome", "bin", "biome");
    spawnSync(process.execPath, [biome, "format", "--write", ...files.map((file) => file.path)], { cwd: root });
  }
  console.log(`next: npm run check-game ${id}, then npm run build && npm start and pick it in the lobby`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exitCode = main(process.argv.slice(2));
