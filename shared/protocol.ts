/**
 * The wire protocol: every WebSocket frame and HTTP body, as schemas plus inferred types.
 * docs/protocol.md describes the same thing for people; keep the two in step.
 */
import * as v from "valibot";
import { MATCH_STATUSES, MOVE_REFUSALS, type GameResult, type MatchStatus, type Seat } from "./game.ts";

/** Bumped on any change a deployed client could notice. */
export const PROTOCOL_VERSION = 1;

/** Limits a client must respect; each has a stable error code when exceeded. */
export const LIMITS = {
  /** Largest WebSocket frame accepted, in UTF-8 bytes (`too-large`). */
  frameBytes: 16 * 1024,
  /** Largest HTTP JSON body accepted, in bytes (`too-large`). */
  bodyBytes: 8 * 1024,
  /** Frames a socket may send per second on average, and in a burst (`rate-limited`). */
  framesPerSecond: 20,
  frameBurst: 40,
  /** Refused frames after which a socket is closed with CLOSE_CODES.flooding... */
  floodStrikes: 100,
  /** ...where each strike fades at this rate, so an occasional refusal never adds up. */
  strikeDecayPerSecond: 1,
  /** A resync further behind than this gets a snapshot instead of the events. */
  resyncEvents: 256,
  /** Events per page of GET /api/matches/:id/events. */
  eventsPage: 500,
  /** Per-move time limit bounds, in milliseconds. */
  minTurnMs: 1_000,
  maxTurnMs: 7 * 24 * 60 * 60 * 1000,
} as const;

/** WebSocket close codes Ply uses (4000–4999 is the application range). */
export const CLOSE_CODES = {
  /** The socket kept sending refused frames (rate limit or garbage) past LIMITS.floodStrikes. */
  flooding: 4008,
} as const;

/** Every error code a WebSocket client can receive in an `error` frame. */
export const FRAME_ERRORS = [
  "too-large",
  "bad-message",
  "rate-limited",
  "spectator",
  ...MOVE_REFUSALS,
  "stale",
] as const;
export type FrameError = (typeof FRAME_ERRORS)[number];

/** Every error code an HTTP route can answer with, in `{error: {code, message}}`. */
export const HTTP_ERRORS = [
  "bad-request",
  "too-large",
  "not-found",
  "unknown-game",
  "bad-options",
  "match-full",
  "match-exists",
  "unauthorized",
  "forbidden",
  "method-not-allowed",
  "upgrade-required",
  "server-misconfigured",
  "internal",
] as const;
export type HttpError = (typeof HTTP_ERRORS)[number];

// ---------------------------------------------------------------------------------------------
// Shared pieces

/** Match ids are nanoids: URL-safe alphabet. Bounded so a path can't smuggle anything else. */
export const MatchId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,32}$/, "not a match id"));
export const GameId = v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,40}$/, "not a game id"));
export const SeatIndex = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(63));
export const Seq = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
/** Chosen by the client, unique per seat and match; a repeat is answered, not re-applied. */
export const ClientMoveId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, "move ids are 1–64 of A–Z a–z 0–9 _ -"));
/**
 * Display names: 1–24 characters (as people count them: graphemes) of letters with their
 * accents, digits, spaces and `_.-`; trimmed and NFC-normalised so "Zoë" is one name however typed.
 */
export const DisplayName = v.pipe(
  v.string(),
  v.maxLength(200, "a name has at most 24 characters"),
  v.transform((name) => name.normalize("NFC").trim()),
  v.minLength(1, "a name needs at least one character"),
  v.maxGraphemes(24, "a name has at most 24 characters"),
  v.regex(/^[\p{L}\p{M}\p{N} _.-]+$/u, "a name may hold letters, digits, spaces and _ . - only"),
);

// ---------------------------------------------------------------------------------------------
// Client → server frames

export const MoveFrame = v.strictObject({
  type: v.literal("move"),
  /** Client move id. */
  id: ClientMoveId,
  /** The seq of the state the move was made against. */
  seq: Seq,
  move: v.unknown(),
});
export const ResyncFrame = v.strictObject({ type: v.literal("resync"), seq: Seq });
export const ResignFrame = v.strictObject({ type: v.literal("resign") });
export const PingFrame = v.strictObject({
  type: v.literal("ping"),
  /** Echoed back, for round-trip measurement. */
  t: v.optional(v.pipe(v.number(), v.finite())),
});

export const ClientMessage = v.variant("type", [MoveFrame, ResyncFrame, ResignFrame, PingFrame]);
export type ClientMessage = v.InferOutput<typeof ClientMessage>;

// ---------------------------------------------------------------------------------------------
// Server → client frames (types only on the server side; the schemas let clients check them)

const GameResultSchema = v.variant("kind", [
  v.object({ kind: v.literal("win"), winners: v.pipe(v.array(SeatIndex), v.readonly()), reason: v.string() }),
  v.object({ kind: v.literal("draw"), reason: v.string() }),
]);

/** A logged event as clients and the public log see it. */
export const LoggedEvent = v.variant("kind", [
  v.object({ seq: Seq, at: v.number(), kind: v.literal("join"), seat: SeatIndex, name: v.string() }),
  v.object({ seq: Seq, at: v.number(), kind: v.literal("start"), players: v.number() }),
  v.object({ seq: Seq, at: v.number(), kind: v.literal("move"), seat: SeatIndex, move: v.unknown(), id: v.string() }),
  v.object({ seq: Seq, at: v.number(), kind: v.literal("resign"), seat: SeatIndex }),
  v.object({
    seq: Seq,
    at: v.number(),
    kind: v.literal("timeout"),
    seats: v.array(SeatIndex),
    move: v.optional(v.unknown()),
  }),
]);
export type LoggedEvent = v.InferOutput<typeof LoggedEvent>;

export const SeatInfo = v.object({ seat: SeatIndex, name: v.string() });
export type SeatInfo = v.InferOutput<typeof SeatInfo>;

/** The recipient's view of the match at `seq`: everything a client needs to draw it. */
export const MatchView = v.object({
  seq: Seq,
  status: v.picklist(MATCH_STATUSES),
  seats: v.array(SeatInfo),
  /** Seats the game is for (filled or not). */
  capacity: v.number(),
  /** The game view for this recipient (null before the match starts). */
  view: v.unknown(),
  /** Seats that may act now, and when their time runs out (epoch ms, server clock). */
  turn: v.nullable(v.object({ seats: v.array(SeatIndex), deadline: v.nullable(v.number()) })),
  moves: v.number(),
  result: v.nullable(GameResultSchema),
  /** The server's clock when the frame was made, so clients can correct for skew. */
  serverTime: v.number(),
});
export type MatchView = v.InferOutput<typeof MatchView>;

export const ServerMessage = v.variant("type", [
  v.object({
    type: v.literal("welcome"),
    protocol: v.number(),
    matchId: v.string(),
    gameId: v.string(),
    role: v.picklist(["player", "spectator"]),
    seat: v.nullable(SeatIndex),
  }),
  v.object({ type: v.literal("snapshot"), state: MatchView, connected: v.array(v.boolean()) }),
  v.object({ type: v.literal("event"), event: LoggedEvent, state: MatchView }),
  v.object({ type: v.literal("sync"), from: Seq, events: v.array(LoggedEvent), state: MatchView }),
  v.object({ type: v.literal("presence"), connected: v.array(v.boolean()) }),
  v.object({ type: v.literal("ack"), id: v.string(), seq: Seq }),
  v.object({
    type: v.literal("error"),
    code: v.picklist(FRAME_ERRORS),
    message: v.string(),
    /** The client move id the error answers, when it answers a move. */
    id: v.optional(v.string()),
    /** The game's own code when `code` is `illegal`. */
    reason: v.optional(v.string()),
  }),
  v.object({ type: v.literal("pong"), t: v.optional(v.number()), serverTime: v.number() }),
]);
export type ServerMessage = v.InferOutput<typeof ServerMessage>;

// ---------------------------------------------------------------------------------------------
// HTTP bodies

export const CreateMatchBody = v.strictObject({
  game: GameId,
  options: v.optional(
    v.pipe(
      // Checked first: a record schema alone turns an array into an object.
      v.unknown(),
      v.check((options) => typeof options === "object" && options !== null && !Array.isArray(options), "options must be an object"),
      v.record(v.string(), v.unknown()),
    ),
  ),
  /** Per-move time limit; the game's default when absent. */
  turnMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(LIMITS.minTurnMs), v.maxValue(LIMITS.maxTurnMs))),
});
export type CreateMatchBody = v.InferOutput<typeof CreateMatchBody>;

export const JoinMatchBody = v.strictObject({ name: DisplayName });
export type JoinMatchBody = v.InferOutput<typeof JoinMatchBody>;

export const EventsQuery = v.object({
  after: v.optional(v.pipe(v.string(), v.regex(/^\d{1,15}$/, "after is a seq"), v.transform(Number)), "0"),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,4}$/, "limit is a number"),
      v.transform(Number),
      v.minValue(1),
      v.maxValue(LIMITS.eventsPage),
    ),
    String(LIMITS.eventsPage),
  ),
});

/** A match's public summary (GET /api/matches/:id). */
export interface MatchSummary {
  readonly matchId: string;
  readonly gameId: string;
  readonly options: unknown;
  readonly turnMs: number;
  readonly status: MatchStatus;
  readonly capacity: number;
  readonly seats: readonly SeatInfo[];
  readonly seq: number;
  readonly moves: number;
  readonly turn: { readonly seats: readonly Seat[]; readonly deadline: number | null } | null;
  readonly result: GameResult | null;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

/** The answer to joining a match: the seat and the bearer token that acts for it. */
export interface JoinResult {
  readonly matchId: string;
  readonly seat: Seat;
  readonly playerId: string;
  readonly token: string;
}

/** An HTTP error body. */
export interface ErrorBody {
  readonly error: { readonly code: HttpError; readonly message: string };
}
