/**
 * The renderer of every game the server hosts, by game id. Each game keeps its renderer in its
 * own folder (`client/games/<id>/renderer.ts`, exporting `renderer`), found here by Vite at
 * build time, so adding a game needs no line in this file. Each renderer also declares itself
 * in `Renderers` (below), so the type checker knows which games have one: `RENDERERS` does not
 * compile while a game in shared/games/index.ts lacks its renderer, or has one for another view.
 */
import type { GameId } from "../../shared/games/index.ts";
import type { Renderer, RendererOf } from "./renderer.ts";

/**
 * The renderers that exist, by game id. Empty here: each renderer adds its own entry with
 * `declare module "../index.ts" { interface Renderers { "<id>": typeof renderer } }`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging from each renderer module.
export interface Renderers {}

const FOLDERS = import.meta.glob<Renderer>("./*/renderer.ts", { eager: true, import: "renderer" });
const found = Object.fromEntries(
  Object.entries(FOLDERS).map(([path, renderer]): [string, Renderer] => [path.split("/")[1] ?? path, renderer]),
) as Partial<Renderers>;

/** Fails to compile, naming the game, when a registered game has no renderer (or a mistyped one). */
export const RENDERERS: { readonly [K in GameId]: RendererOf<K> } = found as Renderers;

/** The renderer for `gameId`, if this client knows the game. */
export function rendererFor(gameId: string): Renderer | undefined {
  return Object.hasOwn(RENDERERS, gameId) ? (RENDERERS[gameId as GameId] as Renderer) : undefined;
}
