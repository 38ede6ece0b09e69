/**
 * Shared by the chess-*.test.ts files: a chess engine, positions built from moves or a FEN, and
 * short ways to read a state and a refusal.
 */
import { startClock } from "../../shared/clock.ts";
import { createEngine, type MatchState } from "../../shared/engine.ts";
import type { GameResult, Seat } from "../../shared/game.ts";
import type { MatchEvent } from "../../shared/events.ts";
import { chess, chessStateFromFen, type ChessState } from "../../shared/games/chess.ts";

export const START: MatchEvent = { kind: "start", players: 2 };
export const engine = createEngine(chess, {}, "seed");

export function started(): MatchState {
  return engine.apply(engine.initial(), START);
}

/** A match playing from `fen` (options only allow the initial position, so the game state is swapped in). */
export function fromFen(fen: string): MatchState {
  const state = chessStateFromFen(fen);
  if (!state.ok) throw new Error(state.error.message);
  const result = chess.outcome(state.value);
  // The clock runs for the side the position has to move.
  const clock = startClock(engine.control, 2, result ? [] : chess.activeSeats(state.value), 0);
  return { ...started(), game: state.value, status: result ? "finished" : "playing", result, clock };
}

export const game = (state: MatchState): ChessState => state.game as ChessState;

/** Plays `moves` in turn from `state`, failing loudly on a refusal; returns the states and the log. */
export function play(state: MatchState, moves: readonly string[]): { state: MatchState; events: MatchEvent[] } {
  const events: MatchEvent[] = [];
  for (const [index, move] of moves.entries()) {
    const [seat] = engine.activeSeats(state);
    if (seat === undefined) throw new Error(`no seat to play ${move}: the game is over`);
    const checked = engine.check(state, seat, move);
    if (!checked.ok)
      throw new Error(`${move} refused: ${checked.error.reason ?? checked.error.code} (${checked.error.message})`);
    const event: MatchEvent = { kind: "move", seat, move, id: `m${index}` };
    state = engine.apply(state, event);
    events.push(event);
  }
  return { state, events };
}

/** The refusal code (the game's own reason when the rules refused) or "accepted". */
export function refusal(state: MatchState, move: unknown, seat: Seat = engine.activeSeats(state)[0] ?? 0): string {
  const checked = engine.check(state, seat, move);
  return checked.ok ? "accepted" : (checked.error.reason ?? checked.error.code);
}

export const placement = (state: MatchState): string => game(state).fen.split(" ")[0]!;

export const win = (seat: Seat, reason: string): GameResult => ({ kind: "win", winners: [seat], reason });
export const draw = (reason: string): GameResult => ({ kind: "draw", reason });
