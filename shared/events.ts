/**
 * The one event vocabulary: everything that changes a match, as the log stores it and as the
 * wire carries it. One schema; the stored type (`MatchEvent`) and the logged one (`LoggedEvent`,
 * with the seq and time the server adds) both derive from it.
 */
import * as v from "valibot";
import { SeatIndex, Seq } from "./ids.ts";

/** Everything that changes a match, as stored in its log. `seq` and time are added by the server. */
export const MatchEvent = v.variant("kind", [
  v.object({ kind: v.literal("join"), seat: SeatIndex, name: v.string() }),
  v.object({ kind: v.literal("start"), players: v.number() }),
  v.object({ kind: v.literal("move"), seat: SeatIndex, move: v.unknown(), id: v.string() }),
  v.object({ kind: v.literal("resign"), seat: SeatIndex }),
  /** Time ran out for `seats`; `move` is what the timeout policy played, when it plays one. */
  v.object({
    kind: v.literal("timeout"),
    seats: v.pipe(v.array(SeatIndex), v.readonly()),
    move: v.optional(v.unknown()),
  }),
  /** `seat` stayed disconnected past the grace period. */
  v.object({ kind: v.literal("abandon"), seat: SeatIndex }),
  /** Called off (for instance a quick-match player never came): no winner, never rated. */
  v.object({ kind: v.literal("abort"), reason: v.string() }),
  /** `seat` offers a draw; when every seat has offered (or accepted), the match is drawn. */
  v.object({ kind: v.literal("draw-offer"), seat: SeatIndex }),
  v.object({ kind: v.literal("draw-accept"), seat: SeatIndex }),
  /** `seat` turns the pending offer down; every offer is withdrawn. */
  v.object({ kind: v.literal("draw-decline"), seat: SeatIndex }),
]);
export type MatchEvent = v.InferOutput<typeof MatchEvent>;

/** What the server adds to a stored event: its place in the log and its time (server epoch ms). */
const Logged = v.object({ seq: Seq, at: v.number() });

/** A logged event as clients and the public log see it. */
export const LoggedEvent = v.intersect([Logged, MatchEvent]);
export type LoggedEvent = v.InferOutput<typeof LoggedEvent>;

/** The event kinds, for code that dispatches on them. */
export type EventKind = MatchEvent["kind"];
