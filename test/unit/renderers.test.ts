/**
 * Every game the server hosts has a renderer in the browser build. The type checker already
 * refuses a registry without one (client/games/index.ts; test/unit/new-game.test.ts shows it);
 * this checks what types cannot: that each registry key is its game's id, and that Vite's glob
 * finds each renderer under its game's folder.
 */
import { expect, it } from "vitest";
import { GAME_IDS, GAMES } from "../../shared/games/index.ts";

it("keys every game by its own id", () => {
  expect([...GAMES].filter(([id, game]) => id !== game.id)).toEqual([]);
  expect([...GAMES.keys()]).toEqual(GAME_IDS);
});

it("has a renderer for every registered game", async () => {
  // Imported by a computed path: the client's DOM types are not this project's to check.
  const path = ["..", "..", "client", "games", "index.ts"].join("/");
  const registry = (await import(/* @vite-ignore */ path)) as { RENDERERS: Readonly<Record<string, unknown>> };
  expect(GAME_IDS.filter((id) => typeof registry.RENDERERS[id] !== "object")).toEqual([]);
  expect(Object.keys(registry.RENDERERS).sort()).toEqual([...GAME_IDS].sort());
});
