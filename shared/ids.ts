/** Identifier and counter schemas shared by the event log, the frames and the HTTP bodies. */
import * as v from "valibot";

/**
 * Match ids are nanoids (URL-safe alphabet), bounded so a path can't smuggle anything else. The
 * games after the first of a series (rematches, played in the first game's object) add `.<n>`,
 * n ≥ 2: `seriesOf` names the object that holds them all.
 */
export const MatchId = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_-]{8,32}(\.([2-9]|[1-9][0-9]{1,5}))?$/, "not a match id"),
);

/** The series a match id belongs to: the id of its first game, which names the object holding every game of it. */
export function seriesOf(matchId: string): string {
  const dot = matchId.indexOf(".");
  return dot === -1 ? matchId : matchId.slice(0, dot);
}

/** The game's number in its series: 1 for the first game. */
export function gameNumberOf(matchId: string): number {
  const dot = matchId.indexOf(".");
  return dot === -1 ? 1 : Number(matchId.slice(dot + 1));
}

/** The id of the game after `matchId` in its series. */
export function nextGameId(matchId: string): string {
  return `${seriesOf(matchId)}.${gameNumberOf(matchId) + 1}`;
}
/** Player ids are nanoids too. */
export const PlayerId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,32}$/, "not a player id"));
export const GameId = v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,40}$/, "not a game id"));
export const SeatIndex = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(63));
export const Seq = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
/** Chosen by the client, unique per seat and match; a repeat is answered, not re-applied. */
export const ClientMoveId = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_-]{1,64}$/, "move ids are 1–64 of A–Z a–z 0–9 _ -"),
);
