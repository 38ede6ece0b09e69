/**
 * Every game the server hosts has a renderer in the browser build. Until game ids are a type
 * the registry is checked against, this keeps a missing renderer from reaching the browser
 * tests: the registry is loaded through Vite (as the build loads it, folders found by glob).
 */
import { expect, it } from "vitest";
import { GAMES } from "../../shared/games/index.ts";

it("has a renderer for every registered game", async () => {
  // Imported by a computed path: the client's DOM types are not this project's to check.
  const path = ["..", "..", "client", "games", "index.ts"].join("/");
  const registry = (await import(/* @vite-ignore */ path)) as { RENDERERS: ReadonlyMap<string, unknown> };
  expect([...GAMES.keys()].filter((id) => !registry.RENDERERS.has(id))).toEqual([]);
  expect(registry.RENDERERS.has("battleship")).toBe(true);
});
