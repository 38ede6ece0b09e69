/**
 * Bots: pure move choosers the server can seat in a match. A bot reads the game state (the
 * server holds the whole state), picks a move, and the server runs that move through the same
 * engine checks as a person's, so a bot is never trusted beyond the rules.
 *
 * Work is bounded by counting search nodes, never by a clock: `shared/` has none, and a node
 * budget makes a bot's choice a pure function of (state, seat, random), so matches replay.
 */
import { BOT_KINDS, type Bot, type BotKind } from "./bots/kinds.ts";
import type { AnyGame } from "./game.ts";

export { BOT_KINDS, type Bot, type BotKind } from "./bots/kinds.ts";

/** A uniformly random legal move, for any game. */
export const randomBot: Bot = {
  kind: "random",
  label: "Random",
  supports: () => true,
  choose(game, state, seat, random) {
    const moves = game.legalMoves(state, seat);
    if (moves.length === 0) throw new Error(`random bot: no legal move for seat ${seat} in ${game.id}`);
    return moves[random.int(moves.length)];
  },
};

const LABELS: Readonly<Record<BotKind, string>> = { random: "Random", search: "Search" };

/** The bot of this kind for `game`, or undefined when that kind cannot play it: `random`, or the game's own. */
export function botFor(kind: BotKind, game: AnyGame): Bot | undefined {
  if (kind === "random") return randomBot;
  const own = game.bots?.[kind];
  if (!own) return undefined;
  return {
    kind,
    label: LABELS[kind],
    supports: (other) => other.bots?.[kind] === own,
    choose: (other, state, seat, random) => {
      if (other.bots?.[kind] !== own) throw new Error(`${kind} bot: cannot play ${other.id}`);
      return own(state, seat, random);
    },
  };
}

/** The kinds of bot that can play `game`, weakest first (what the UI offers). */
export function botsFor(game: AnyGame): BotKind[] {
  return BOT_KINDS.filter((kind) => botFor(kind, game) !== undefined);
}
