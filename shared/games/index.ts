import type { AnyGame } from "../game.ts";
import { chess } from "./chess.ts";
import { connectFour } from "./connect-four.ts";
import { crazyEights } from "./crazy-eights.ts";
import { ticTacToe } from "./tic-tac-toe.ts";
import { battleship } from "./battleship.ts";

/** Every game the server hosts, by id. Adding a game is adding it here. */
export const GAMES: ReadonlyMap<string, AnyGame> = new Map<string, AnyGame>(
  [ticTacToe, connectFour, chess, crazyEights, battleship].map((game) => [game.id, game]),
);

/** The game with this id, if the server has it. */
export function findGame(id: string): AnyGame | undefined {
  return GAMES.get(id);
}
