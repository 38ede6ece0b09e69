/**
 * Server-side bots as players: who they are in a match (id, name, rating) and the move the bot
 * to act would make now. A plain module, so the Match and the Matchmaker share it without one
 * Durable Object module importing another.
 */
import { botFor } from "../shared/bots.ts";
import type { BotKind } from "../shared/bots/kinds.ts";
import type { Engine, MatchState } from "../shared/engine.ts";
import type { Seat } from "../shared/game.ts";
import { createRandom, seedRandom } from "../shared/random.ts";
import type { SeatedPlayer } from "./contracts.ts";
import { log } from "./log.ts";
import { INITIAL_RATING } from "./ratings.ts";

/** How long a bot seems to think before its move (the pace a person can follow); PLY_BOT_DELAY_MS overrides. */
export const BOT_DELAY_MS = 600;

/** Bots are named for what they are; people's names can't hold parentheses, so no one can pose as one. */
const BOT_NAMES: Record<BotKind, string> = { random: "Bot (random)", search: "Bot (search)" };

/** A server-side bot as the player of seat `seat` (its id is unique in the match and never a real player's). */
export function botPlayer(kind: BotKind, seat: Seat): SeatedPlayer & { bot: BotKind } {
  return { pid: `bot-${kind}-${seat}`, name: BOT_NAMES[kind], rating: INITIAL_RATING, bot: kind };
}

/** The seat of the bot that may act now, if any. */
export function botToAct(engine: Engine, state: MatchState, bots: readonly (BotKind | null)[]): Seat | null {
  return engine.activeSeats(state).find((seat) => bots[seat]) ?? null;
}

/**
 * The bot to act plays its move through the same engine call as anyone's: the event and the
 * state after it, or null when no bot is to act. A refused move is a defect in the bot (logged):
 * its clock runs out and the timeout policy takes over.
 */
export function playBot(
  engine: Engine,
  state: MatchState,
  bots: readonly (BotKind | null)[],
  matchId: string,
  seq: number,
  now: number,
) {
  const chosen = botMove(engine, state, bots, matchId, seq);
  if (!chosen) return null;
  const played = engine.play(state, chosen.seat, chosen.move, now, `bot-${seq + 1}`);
  if (played.ok) return played.value;
  const { code, reason } = played.error;
  log("error", "bot-move-refused", { matchId, seat: chosen.seat, bot: chosen.kind, code, reason });
  return null;
}

/**
 * The move of the bot to act, for the engine to check like anyone's. Seeded by match and seq: a
 * bot's choice is reproducible, and a retried alarm makes the same one.
 */
export function botMove(
  engine: Engine,
  state: MatchState,
  bots: readonly (BotKind | null)[],
  matchId: string,
  seq: number,
): { seat: Seat; kind: BotKind; move: unknown } | null {
  const seat = botToAct(engine, state, bots);
  const kind = seat === null ? null : bots[seat];
  const bot = kind ? botFor(kind, engine.game) : undefined;
  if (seat === null || !kind || !bot) return null;
  const random = createRandom(seedRandom(`${matchId}:${seq}`));
  return { seat, kind, move: bot.choose(engine.game, state.game, seat, random) };
}
