/** The long run of the bot strength check (`npm run fuzz`); bots.test.ts plays its first 40 games. */
import { expect, it } from "vitest";
import { CONNECT_FOUR_NODE_BUDGET } from "../../shared/games/connect-four.bot.ts";
import { searchVersusRandom } from "./bot-games.ts";

// Measured with these seeds at the real budget: 200 wins in 200 games (npm run bench:bots
// gives the time per move).
it(`wins at least 95 % of 200 games against the random bot, alternating seats (budget ${CONNECT_FOUR_NODE_BUDGET} nodes; measured 200/200)`, () => {
  const games = 200;
  expect(searchVersusRandom(games) / games).toBeGreaterThanOrEqual(0.95);
}, 120_000);
