/**
 * Bots: the Connect Four search bot against the random bot, through the engine as the server
 * plays them. Prints one JSON line: the search bot's time per move (p50/p99/max) and its win rate.
 *
 *   npm run bench:bots -- --games 400 --budget 20000 --seed bench
 */
import { parseArgs } from "node:util";
import { randomBot } from "../shared/bots.ts";
import { CONNECT_FOUR_NODE_BUDGET, createSearchBot } from "../shared/games/connect-four.bot.ts";
import { createEngine, type MatchState } from "../shared/engine.ts";
import { connectFour } from "../shared/games/connect-four.ts";
import { createRandom, seedRandom } from "../shared/random.ts";

const { values } = parseArgs({
  options: {
    games: { type: "string", default: "400" },
    budget: { type: "string", default: String(CONNECT_FOUR_NODE_BUDGET) },
    seed: { type: "string", default: "bench" },
  },
});
const games = Number(values.games);
const budget = Number(values.budget);
if (!Number.isInteger(games) || games <= 0 || !Number.isInteger(budget) || budget <= 0) {
  throw new Error("--games and --budget take positive integers");
}

const search = createSearchBot(budget);
const times: number[] = [];
const tally = { wins: 0, draws: 0, losses: 0 };
const started = performance.now();
for (let game = 0; game < games; game++) {
  // The search bot takes seat 0 in even games and seat 1 in odd ones.
  const searchSeat = game % 2;
  const engine = createEngine(connectFour, {}, `${values.seed}-${game}`);
  const random = createRandom(seedRandom(`${values.seed}-bots-${game}`));
  let state: MatchState = engine.apply(engine.initial(), { kind: "start", players: 2 });
  while (state.status === "playing") {
    const [seat] = engine.activeSeats(state);
    if (seat === undefined) throw new Error("a playing match with nobody to move");
    let move: unknown;
    if (seat === searchSeat) {
      const t0 = performance.now();
      move = search.choose(connectFour, state.game, seat, random);
      times.push(performance.now() - t0);
    } else {
      move = randomBot.choose(connectFour, state.game, seat, random);
    }
    const checked = engine.check(state, seat, move);
    if (!checked.ok) throw new Error(`game ${game}: refused ${checked.error.code}`);
    state = engine.apply(state, { kind: "move", seat, move, id: String(state.moves) });
  }
  const result = state.result;
  if (result?.kind === "win") tally[result.winners.includes(searchSeat) ? "wins" : "losses"]++;
  else tally.draws++;
}

times.sort((a, b) => a - b);
const at = (q: number): number => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
const round = (ms: number): number => Math.round(ms * 100) / 100;
console.log(
  JSON.stringify({
    bench: "bots",
    game: connectFour.id,
    budget,
    games,
    ...tally,
    winRate: tally.wins / games,
    moves: times.length,
    msPerMove: {
      p50: round(at(0.5)),
      p99: round(at(0.99)),
      max: round(times.at(-1) ?? 0),
      mean: round(times.reduce((a, b) => a + b, 0) / times.length),
    },
    seconds: round((performance.now() - started) / 1000),
    node: process.version,
  }),
);
