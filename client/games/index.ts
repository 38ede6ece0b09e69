/** The renderer of every game the server hosts, by game id (checked by test/browser). */
import { chessRenderer } from "./chess.ts";
import { connectFourRenderer } from "./connect-four.ts";
import { crazyEightsRenderer } from "./crazy-eights.ts";
import type { Renderer } from "./renderer.ts";
import { ticTacToeRenderer } from "./tic-tac-toe.ts";

export const RENDERERS: ReadonlyMap<string, Renderer> = new Map<string, Renderer>([
  ["tic-tac-toe", ticTacToeRenderer],
  ["connect-four", connectFourRenderer],
  ["chess", chessRenderer],
  ["crazy-eights", crazyEightsRenderer],
]);

/** The renderer for `gameId`, if this client knows the game. */
export function rendererFor(gameId: string): Renderer | undefined {
  return RENDERERS.get(gameId);
}
