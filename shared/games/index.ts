import type { AnyGame } from "../game.ts";
import { chooseBattleshipMove } from "./battleship.bot.ts";
import { battleship } from "./battleship.ts";
import { chess } from "./chess.ts";
import { searchConnectFour } from "./connect-four.bot.ts";
import { connectFour } from "./connect-four.ts";
import { crazyEights } from "./crazy-eights.ts";
import { ticTacToe } from "./tic-tac-toe.ts";

/**
 * Every game the server hosts, by id: adding a game is its import and one line here, which
 * also joins the game's own bots (`shared/games/<id>.bot.ts`) to its rules. The keys
 * make `GameId`, the type the client's renderer registry is checked against (each key is its
 * game's `id`, which test/unit/renderers.test.ts checks).
 */
const BY_ID = {
  "tic-tac-toe": ticTacToe,
  "connect-four": { ...connectFour, bots: { search: searchConnectFour } },
  chess: chess,
  "crazy-eights": crazyEights,
  battleship: { ...battleship, bots: { search: chooseBattleshipMove } },
} as const;

/** The id of a game the server hosts. */
export type GameId = keyof typeof BY_ID;
/** The game with id `K`, with its own state, move, options and view types. */
export type GameOf<K extends GameId> = (typeof BY_ID)[K];
/** Every game id, in the lobby's order. */
export const GAME_IDS = Object.keys(BY_ID) as readonly GameId[];

/** Every game the server hosts, by id. */
export const GAMES: ReadonlyMap<string, AnyGame> = new Map<string, AnyGame>(Object.entries(BY_ID));

/** The game with this id, if the server has it. */
export function findGame(id: string): AnyGame | undefined {
  return GAMES.get(id);
}
