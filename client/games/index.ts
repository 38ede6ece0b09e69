/** The renderer of every game the server hosts, by game id (checked by test/unit/renderers.test.ts). */
import type { Renderer } from "./renderer.ts";

/**
 * Every game keeps its renderer in its own folder (`client/games/<id>/renderer.ts`, exporting
 * `renderer`), found here by Vite at build time: adding one needs no line in this file.
 */
const FOLDERS = import.meta.glob<Renderer>("./*/renderer.ts", { eager: true, import: "renderer" });

export const RENDERERS: ReadonlyMap<string, Renderer> = new Map<string, Renderer>(
  Object.entries(FOLDERS).map(([path, renderer]): [string, Renderer] => [path.split("/")[1] ?? path, renderer]),
);

/** The renderer for `gameId`, if this client knows the game. */
export function rendererFor(gameId: string): Renderer | undefined {
  return RENDERERS.get(gameId);
}
