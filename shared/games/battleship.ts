/**
 * Battleship. Placeholder rules from `npm run new-game`: two players take 1–3 counters in turn
 * from a pile of 15; whoever takes the last one wins. Replace them with the game's own.
 */
import * as v from "valibot";
import type { GameDefinition, GameResult, Seat } from "../game.ts";

export const PILE = 15;

export interface BattleshipState {
  readonly pile: number;
  readonly turn: Seat;
  readonly winner: Seat | null;
}

export const BattleshipMove = v.strictObject({ take: v.picklist([1, 2, 3]) });
export type BattleshipMove = v.InferOutput<typeof BattleshipMove>;

function outcome(state: BattleshipState): GameResult | null {
  return state.winner === null ? null : { kind: "win", winners: [state.winner], reason: "took-the-last" };
}

export const battleship: GameDefinition<BattleshipState, BattleshipMove, Record<string, never>> = {
  id: "battleship",
  name: "Battleship",
  minPlayers: 2,
  maxPlayers: 2,
  options: v.strictObject({}),
  move: BattleshipMove,
  hiddenInformation: false,
  defaultTurnMs: 30_000,
  timeout: { kind: "forfeit" },
  // Every move takes at least one counter.
  maxMoves: PILE,

  setup: () => ({ pile: PILE, turn: 0, winner: null }),

  activeSeats: (state) => (outcome(state) ? [] : [state.turn]),

  validate: (state, _seat, move) =>
    move.take <= state.pile ? null : { code: "not-enough", message: `only ${state.pile} left` },

  legalMoves: (state, seat) =>
    outcome(state) || seat !== state.turn
      ? []
      : ([1, 2, 3] as const).filter((take) => take <= state.pile).map((take) => ({ take })),

  apply: (state, seat, move) => {
    const pile = state.pile - move.take;
    return { pile, turn: seat === 0 ? 1 : 0, winner: pile === 0 ? seat : null };
  },

  outcome,
};
