/**
 * How people, bots and ratings are written on every page: bots by strength ("Computer (easy)"),
 * told apart when a match has several ("Computer (easy) 2"), and a rating without games behind
 * it marked provisional ("1500?") rather than called "Unrated", which reads as "this match is
 * unrated".
 */
import type { GameRating, SeatInfo } from "../shared/protocol.ts";

/** Every player starts at this rating (Glicko-2's usual start; the server's INITIAL_RATING). */
export const START_RATING = 1500;

/** Above this rating deviation a rating is provisional (as on most game sites). */
export const PROVISIONAL_RD = 110;

/** What each kind of server bot is called, by how well it plays. */
const BOT_LABELS: Readonly<Record<string, string>> = { random: "Computer (easy)", search: "Computer (strong)" };

/**
 * A name as the server wrote it, for lists that don't say who is a bot (the lobby, a profile's
 * opponents): the server names its bots "Bot (<kind>)", and people's names can't hold
 * parentheses, so such a name is always a bot's.
 */
export function shownName(name: string): string {
  const bot = /^Bot \(([a-z-]+)\)$/.exec(name);
  return bot ? botLabel(bot[1]!) : name;
}

/** A bot's name from its kind ("random" → "Computer (easy)"); an unknown kind is still a computer. */
export function botLabel(kind: string): string {
  return BOT_LABELS[kind] ?? `Computer (${kind})`;
}

/**
 * The name to show for each seat, by seat: people as they named themselves, bots by strength,
 * and a number after each of several seats that would read the same ("Computer (easy) 2").
 */
export function seatNames(seats: readonly SeatInfo[]): Map<number, string> {
  const ordered = [...seats].sort((a, b) => a.seat - b.seat);
  const base = ordered.map((info) => (info.bot ? botLabel(info.bot) : info.name));
  return new Map(distinct(base).map((name, index) => [ordered[index]!.seat, name]));
}

/** Numbers the names that occur more than once, in order ("Ada", "X", "X" → "Ada", "X 1", "X 2"). */
export function distinct(names: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  const seen = new Map<string, number>();
  return names.map((name) => {
    if ((counts.get(name) ?? 0) < 2) return name;
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return `${name} ${n}`;
  });
}

/** A rating as shown: rounded, with "?" while provisional; a player with none shows the start, provisional. */
export function ratingText(rating: Pick<GameRating, "rating" | "rd"> | null | undefined): string {
  if (!rating) return `${START_RATING}?`;
  return `${Math.round(rating.rating)}${rating.rd > PROVISIONAL_RD ? "?" : ""}`;
}

/** A rating change as shown: "+12", "−162" (a real minus sign), "±0". */
export function deltaText(before: number, after: number): string {
  const delta = Math.round(after) - Math.round(before);
  return delta > 0 ? `+${delta}` : delta < 0 ? `−${-delta}` : "±0";
}
