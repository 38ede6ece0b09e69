/** Identifier and counter schemas shared by the event log, the frames and the HTTP bodies. */
import * as v from "valibot";

/** Match ids are nanoids: URL-safe alphabet. Bounded so a path can't smuggle anything else. */
export const MatchId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,32}$/, "not a match id"));
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
