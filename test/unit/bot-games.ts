/** Whole games between bots through the engine, shared by bots.test.ts and its long run. */
import { expect } from "vitest";
import { randomBot, type Bot } from "../../shared/bots.ts";
import { createEngine, type Engine, type MatchState } from "../../shared/engine.ts";
import type { AnyGame } from "../../shared/game.ts";
import { searchBot } from "../../shared/games/connect-four.bot.ts";
import { parseOptions } from "../../shared/schema-issues.ts";
import { connectFour } from "../../shared/games/connect-four.ts";
import { createRandom, seedRandom } from "../../shared/random.ts";
import type { Random } from "../../shared/random.ts";

export function startEngine(game: AnyGame, players: number, seed: string): { engine: Engine; state: MatchState } {
  const options = parseOptions(game, {});
  if (!options.ok) throw new Error(`${game.id}: its default options do not parse`);
  const engine = createEngine(game, options.value, seed);
  return { engine, state: engine.apply(engine.initial(), { kind: "start", players }) };
}

/** Plays `bots[seat]` for each seat through the engine, checking every move, for at most `cap` moves. */
export function playOut(
  engine: Engine,
  start: MatchState,
  bots: readonly Bot[],
  random: Random,
  cap: number,
): MatchState {
  let state = start;
  for (let step = 0; step < cap && state.status === "playing"; step++) {
    const seats = engine.activeSeats(state);
    expect(seats.length, "a playing match has a seat that may act").toBeGreaterThan(0);
    // With simultaneous turns any active seat may go first.
    const seat = seats[seats.length === 1 ? 0 : random.int(seats.length)]!;
    const bot = bots[seat];
    if (!bot) throw new Error(`no bot for seat ${seat}`);
    const move = bot.choose(engine.game, state.game, seat, random);
    const checked = engine.check(state, seat, move);
    if (!checked.ok)
      throw new Error(
        `${engine.game.id}: ${bot.kind} bot's move ${JSON.stringify(move)} refused: ${checked.error.code} ${checked.error.message}`,
      );
    state = engine.apply(state, { kind: "move", seat, move, id: String(step) });
  }
  return state;
}

/**
 * Plays `games` seeded games of Connect Four, the search bot against the random bot, seats
 * alternating, and returns the search bot's wins. Game n is the same whatever `games` is.
 */
export function searchVersusRandom(games: number): number {
  let wins = 0;
  for (let n = 0; n < games; n++) {
    const searchSeat = n % 2;
    const { engine, state } = startEngine(connectFour, 2, `vs-random-${n}`);
    const bots = searchSeat === 0 ? [searchBot, randomBot] : [randomBot, searchBot];
    const end = playOut(engine, state, bots, createRandom(seedRandom(`vs-random-bots-${n}`)), 42);
    expect(end.status).toBe("finished");
    if (end.result?.kind === "win" && end.result.winners.includes(searchSeat)) wins++;
  }
  return wins;
}
