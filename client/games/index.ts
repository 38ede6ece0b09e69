/** The renderer of every game the server hosts, by game id (checked by test/browser). */
import { chessRenderer } from "./chess.ts";
import { connectFourRenderer } from "./connect-four.ts";
import { crazyEightsRenderer } from "./crazy-eights.ts";
import type { Renderer } from "./renderer.ts";
import { ticTacToeRenderer } from "./tic-tac-toe.ts";

/**
 * Games kept in their own folder (`client/games/<id>/renderer.ts`, exporting `renderer`) are
 * found here by Vite at build time: adding one needs no line in this file.
 */
const FOLDERS = import.meta.glob<Renderer>("./*/renderer.ts", { eager: true, import: "renderer" });

export const RENDERERS: ReadonlyMap<string, Renderer> = new Map<string, Renderer>([
  ["tic-tac-toe", ticTacToeRenderer],
  ["connect-four", connectFourRenderer],
  ["chess", chessRenderer],
  ["crazy-eights", crazyEightsRenderer],
  ...Object.entries(FOLDERS).map(([path, renderer]): [string, Renderer] => [path.split("/")[1] ?? path, renderer]),
]);

/** The renderer for `gameId`, if this client knows the game. */
export function rendererFor(gameId: string): Renderer | undefined {
  return RENDERERS.get(gameId);
}
