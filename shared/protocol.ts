/**
 * The wire protocol: every WebSocket frame and HTTP body, as schemas plus inferred types.
 * docs/protocol.md describes the same thing for people; keep the two in step.
 */
import * as v from "valibot";
import { BOT_KINDS } from "./bots/kinds.ts";
import { TimeControl } from "./clock.ts";
import { DRAW_ACTIONS, DRAW_REFUSALS, MATCH_STATUSES, MOVE_REFUSALS, type MatchStatus } from "./engine.ts";
import { LoggedEvent } from "./events.ts";
import type { MatchResult, Seat } from "./game.ts";
import { ClientMoveId, GameId, SeatIndex, Seq } from "./ids.ts";

export { LoggedEvent } from "./events.ts";
export { ClientMoveId, GameId, MatchId, PlayerId, SeatIndex, Seq, gameNumberOf, nextGameId, seriesOf } from "./ids.ts";

/** Bumped on any change a deployed client could notice. */
export const PROTOCOL_VERSION = 3;

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
  /** Disconnect grace bounds and default, in milliseconds. */
  minGraceMs: 5_000,
  maxGraceMs: 60 * 60 * 1000,
  defaultGraceMs: 60_000,
  /** Per-move time limit bounds, in milliseconds. */
  minTurnMs: 1_000,
  maxTurnMs: 7 * 24 * 60 * 60 * 1000,
  /** Spectator delay bounds. */
  maxDelayMoves: 100,
  maxDelaySeconds: 3_600,
  /** Bots one match may hold. */
  maxBots: 7,
  /** Bounds of a quick-match ticket's wait before a bot plays it (`botAfterMs`). */
  minBotAfterMs: 1_000,
  maxBotAfterMs: 5 * 60 * 1000,
} as const;

/** WebSocket close codes Ply uses (4000–4999 is the application range). */
export const CLOSE_CODES = {
  /** The socket kept sending refused frames (rate limit or garbage) past LIMITS.floodStrikes. */
  flooding: 4008,
  /** A player socket sent no heartbeat for a while (it is gone: the network dropped); reconnect. */
  silent: 4009,
} as const;

/** Every error code a WebSocket client can receive in an `error` frame. */
export const FRAME_ERRORS = [
  "too-large",
  "bad-message",
  "rate-limited",
  "spectator",
  ...MOVE_REFUSALS,
  ...DRAW_REFUSALS,
  "stale",
  "not-finished",
] as const;
export type FrameError = (typeof FRAME_ERRORS)[number];

/** Every error code an HTTP route can answer with, in `{error: {code, message}}`. */
export const HTTP_ERRORS = [
  "bad-request",
  "too-large",
  "not-found",
  "unknown-game",
  "bad-options",
  "bad-bots",
  "match-full",
  "match-exists",
  "unauthorized",
  "method-not-allowed",
  "upgrade-required",
  "rate-limited",
  "already-joined",
  "already-started",
  "not-enough-players",
  "not-creator",
  "duplicate-ticket",
  "already-matched",
  "server-misconfigured",
  "internal",
  // Passkeys (server/routes/passkeys.ts).
  "bad-challenge",
  "challenge-expired",
  "challenge-used",
  "wrong-origin",
  "unknown-passkey",
  "passkey-refused",
  "passkey-exists",
  "too-many-passkeys",
  // Tournaments (shared/tournament.ts).
  "tournament-full",
  "tournament-over",
  "not-entered",
  "wrong-code",
] as const;
export type HttpError = (typeof HTTP_ERRORS)[number];

// ---------------------------------------------------------------------------------------------
// Shared pieces

/**
 * Display names: 1–24 characters (as people count them: graphemes) of letters with their
 * accents, digits, spaces and `_.-`; trimmed and NFC-normalised so "Zoë" is one name however typed.
 * An accent (combining mark) must sit on a letter or digit, at least one letter or digit is
 * needed, and nothing invisible (default-ignorable, such as U+034F or U+3164) is allowed.
 */
export const DisplayName = v.pipe(
  v.string(),
  v.maxLength(200, "a name has at most 24 characters"),
  v.transform((name) => name.normalize("NFC").trim()),
  v.minLength(1, "a name needs at least one character"),
  v.maxGraphemes(24, "a name has at most 24 characters"),
  v.regex(
    /^(?:[\p{L}\p{N}]\p{M}*|[ _.-])+$/u,
    "a name may hold letters (with their accents), digits, spaces and _ . - only",
  ),
  v.regex(/[\p{L}\p{N}]/u, "a name needs at least one letter or digit"),
  v.regex(/^\P{Default_Ignorable_Code_Point}*$/u, "a name may not hold invisible characters"),
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
/** After the end: ask for a rematch (seats rotate); when every player has asked, it starts. */
export const RematchFrame = v.strictObject({ type: v.literal("rematch") });
export const PingFrame = v.strictObject({
  type: v.literal("ping"),
  /** Echoed back, for round-trip measurement. */
  t: v.optional(v.pipe(v.number(), v.finite())),
  /** "This socket sends HEARTBEAT.ping every second from now on": the match starts watching it. */
  heartbeat: v.optional(v.literal(true)),
});

/**
 * The heartbeat, byte for byte. The server's runtime answers `ping` with `pong` itself
 * (WebSocket auto-response), without waking a hibernated match, and notes when it last did:
 * that is how the match tells a silent socket from a quiet one. Any other spelling of a ping
 * (extra spaces, a `t`) is answered by the match itself, with its clock.
 */
export const HEARTBEAT = { ping: '{"type":"ping"}', pong: '{"type":"pong"}' } as const;

/** Offer a draw, accept the one offered, or decline it. */
export const DrawFrame = v.strictObject({ type: v.literal("draw"), action: v.picklist(DRAW_ACTIONS) });

export const ClientMessage = v.variant("type", [
  MoveFrame,
  ResyncFrame,
  ResignFrame,
  RematchFrame,
  DrawFrame,
  PingFrame,
]);
export type ClientMessage = v.InferOutput<typeof ClientMessage>;

// ---------------------------------------------------------------------------------------------
// Server → client frames (types only on the server side; the schemas let clients check them)

const MatchResultSchema = v.variant("kind", [
  v.object({ kind: v.literal("win"), winners: v.pipe(v.array(SeatIndex), v.readonly()), reason: v.string() }),
  v.object({ kind: v.literal("draw"), reason: v.string() }),
  v.object({ kind: v.literal("aborted"), reason: v.string() }),
]);

export const SeatInfo = v.object({
  seat: SeatIndex,
  name: v.string(),
  playerId: v.string(),
  /** The bot that plays this seat on the server; absent for people. */
  bot: v.optional(v.string()),
});
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
  /**
   * The clocks: time left per seat as it stood at `since` (epoch ms, server clock), and whose
   * clock runs since then. A running seat has `remaining - (now - since - delay)` left (delay: the
   * free time per turn of a `delay` control). Null before the start.
   */
  clock: v.nullable(
    v.object({
      control: TimeControl,
      remaining: v.array(v.number()),
      running: v.array(SeatIndex),
      since: v.number(),
    }),
  ),
  /** Seats that offer a draw now. */
  drawOffers: v.array(SeatIndex),
  result: v.nullable(MatchResultSchema),
  /** After the end: who asked for a rematch, and the new match once everyone has. */
  rematch: v.nullable(v.object({ offers: v.array(v.boolean()), matchId: v.nullable(v.string()) })),
  /** The server's clock when the frame was made, so clients can correct for skew. */
  serverTime: v.number(),
});
export type MatchView = v.InferOutput<typeof MatchView>;

/** Per seat: connected now, and if not, when the grace period ends and the seat forfeits. */
export const Presence = v.object({
  connected: v.array(v.boolean()),
  forfeitAt: v.array(v.nullable(v.number())),
  /** Spectators watching now. */
  spectators: v.number(),
});
export type Presence = v.InferOutput<typeof Presence>;

export const ServerMessage = v.variant("type", [
  v.object({
    type: v.literal("welcome"),
    protocol: v.number(),
    matchId: v.string(),
    gameId: v.string(),
    role: v.picklist(["player", "spectator"]),
    seat: v.nullable(SeatIndex),
  }),
  v.object({ type: v.literal("snapshot"), state: MatchView, presence: Presence }),
  v.object({ type: v.literal("event"), event: LoggedEvent, state: MatchView }),
  v.object({ type: v.literal("sync"), from: Seq, events: v.array(LoggedEvent), state: MatchView }),
  v.object({ type: v.literal("presence"), presence: Presence }),
  /** Who has asked for a rematch, and the new match once everyone has. */
  v.object({ type: v.literal("rematch"), offers: v.array(v.boolean()), matchId: v.nullable(v.string()) }),
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
  // The heartbeat's answer (HEARTBEAT.pong) has neither field: the runtime sends it as written.
  v.object({ type: v.literal("pong"), t: v.optional(v.number()), serverTime: v.optional(v.number()) }),
]);
export type ServerMessage = v.InferOutput<typeof ServerMessage>;

// ---------------------------------------------------------------------------------------------
// HTTP bodies

/** A game's options as sent: a JSON object (its fields are the game's business). */
export const MatchOptions = v.pipe(
  // Checked first: a record schema alone turns an array into an object.
  v.unknown(),
  v.check(
    (options) => typeof options === "object" && options !== null && !Array.isArray(options),
    "options must be an object",
  ),
  v.record(v.string(), v.unknown()),
);

/** Spectators see the match this many moves, or seconds, behind the players (never past the end). */
export const SpectatorDelay = v.union([
  v.strictObject({ moves: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(LIMITS.maxDelayMoves)) }),
  v.strictObject({ seconds: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(LIMITS.maxDelaySeconds)) }),
]);
export type SpectatorDelay = v.InferOutput<typeof SpectatorDelay>;

export const CreateMatchBody = v.strictObject({
  game: GameId,
  /** Private matches are never listed; others join with the invite code. */
  private: v.optional(v.boolean(), false),
  /** How long a disconnected player has to come back before forfeiting. */
  graceMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(LIMITS.minGraceMs), v.maxValue(LIMITS.maxGraceMs))),
  options: v.optional(MatchOptions),
  /** Per-move time limit; the game's default when absent. Shorthand for `timeControl: {kind: "move", ms}`. */
  turnMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(LIMITS.minTurnMs), v.maxValue(LIMITS.maxTurnMs))),
  /** The clock (per move, Fischer, delay or correspondence); not together with `turnMs`. */
  timeControl: v.optional(TimeControl),
  spectatorDelay: v.optional(SpectatorDelay),
  /** Server-side bots that take the seats after the creator's, in order; the match starts when full. */
  bots: v.optional(v.pipe(v.array(v.picklist(BOT_KINDS)), v.maxLength(LIMITS.maxBots))),
});
export type CreateMatchBody = v.InferOutput<typeof CreateMatchBody>;

/** Players: `POST /api/players`. */
export const CreatePlayerBody = v.strictObject({ name: DisplayName });

/** Invite codes: 6 characters without look-alikes (no 0 O 1 I L); case, spaces and dashes forgiven. */
export const INVITE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
export const InviteCode = v.pipe(
  v.string(),
  v.maxLength(20),
  v.transform((code) => code.toUpperCase().replace(/[\s-]/g, "")),
  v.regex(new RegExp(`^[${INVITE_ALPHABET}]{6}$`), "not an invite code"),
);
/** The match id behind an invite code. */
export function inviteMatchId(code: string): string {
  return `inv_${code}`;
}

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
  /** The per-move limit when `timeControl` is per move; otherwise the time control's bank. */
  readonly turnMs: number;
  readonly timeControl: TimeControl;
  readonly spectatorDelay: SpectatorDelay | null;
  readonly graceMs: number;
  readonly status: MatchStatus;
  readonly capacity: number;
  readonly minPlayers: number;
  readonly private: boolean;
  readonly rated: boolean;
  /** The invite code of a private match (share it, or the page link with it). */
  readonly inviteCode: string | null;
  readonly creatorId: string | null;
  readonly rematchId: string | null;
  readonly seats: readonly SeatInfo[];
  readonly seq: number;
  readonly moves: number;
  readonly turn: { readonly seats: readonly Seat[]; readonly deadline: number | null } | null;
  readonly result: MatchResult | null;
  /** The seed of the deal, published once the match is over so anyone can replay it. */
  readonly seed: string | null;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

/** The answer to POST /api/matches: the creator holds seat 0; a private match has its invite link. */
export type MatchCreated = MatchSummary & { readonly seat: 0; readonly inviteUrl?: string };

/** The answer to joining a match: the seat the player's token now acts for. */
export interface JoinResult {
  readonly matchId: string;
  readonly seat: Seat;
}

/** The answer to creating a player: the id and the bearer token for every later call. */
export interface PlayerCreated {
  readonly playerId: string;
  readonly name: string;
  readonly token: string;
}

/** An HTTP error body. */
export interface ErrorBody {
  readonly error: { readonly code: HttpError; readonly message: string };
}

// ---------------------------------------------------------------------------------------------
// HTTP answers that clients read (types: the server builds them, clients trust their server)

/** A Glicko-2 rating. */
export interface Rating {
  readonly rating: number;
  readonly rd: number;
  readonly vol: number;
}

/** A player's rating in one game, with the number of rated matches behind it. */
export interface GameRating extends Rating {
  readonly games: number;
}

/** One finished match from a player's side, as the profile shows it. */
export interface MatchRecord {
  readonly matchId: string;
  readonly gameId: string;
  readonly finishedAt: number;
  readonly seat: number;
  readonly outcome: "win" | "loss" | "draw" | "aborted";
  readonly reason: string;
  readonly rated: boolean;
  readonly opponents: readonly { readonly playerId: string; readonly name: string; readonly seat: number }[];
  /** The rating in this game before and after the match; null when the match did not count. */
  readonly ratingBefore: Rating | null;
  readonly ratingAfter: Rating | null;
}

/** GET /api/players/:id. Ratings are unrounded: clients round for display. */
export interface PlayerProfile {
  readonly playerId: string;
  readonly name: string;
  readonly createdAt: number;
  readonly ratings: Readonly<Record<string, GameRating>>;
  readonly recent: readonly MatchRecord[];
}

/** One ranked row of a leaderboard page. Ratings are unrounded, as in profiles. */
export interface RankedEntry {
  /** 1-based position; players with equal ratings get consecutive ranks (ordered by id). */
  readonly rank: number;
  readonly playerId: string;
  readonly name: string;
  readonly rating: number;
  readonly rd: number;
  readonly games: number;
}

/** GET /api/leaderboard/:game. */
export interface LeaderboardPage {
  readonly gameId: string;
  readonly entries: readonly RankedEntry[];
  /** The offset of the next page; null on the last. */
  readonly next: number | null;
}

/** One live public match in the lobby (GET /api/matches?status=live). */
export interface LiveMatch {
  readonly matchId: string;
  readonly gameId: string;
  readonly players: readonly { readonly seat: number; readonly name: string }[];
  readonly moves: number;
  readonly startedAt: number;
  readonly rated: boolean;
}

/** A page of the lobby; `next` is the cursor of the following page. */
export interface LivePage {
  readonly matches: readonly LiveMatch[];
  readonly next: string | null;
}

export const TICKET_STATUSES = ["waiting", "matched", "cancelled", "expired"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** A quick-match ticket as its owner sees it. */
export interface TicketView {
  readonly ticketId: string;
  readonly gameId: string;
  readonly status: TicketStatus;
  readonly createdAt: number;
  /** The rating difference the ticket accepts now (±); null once it accepts anyone, or stopped waiting. */
  readonly window: number | null;
  readonly matchId?: string;
  readonly seat?: number;
}

/** A page of a match's public log. */
export interface EventsPage {
  readonly matchId: string;
  readonly events: readonly LoggedEvent[];
  readonly next: number | null;
}
