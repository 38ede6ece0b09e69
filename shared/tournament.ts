/**
 * Tournaments on the wire: the HTTP bodies (schemas) and answers, and the frames of a
 * tournament's own WebSocket feed. docs/tournaments.md and docs/http-api.md describe the same.
 */
import * as v from "valibot";
import { TimeControl } from "./clock.ts";
import { DisplayName, GameId, LIMITS, MatchOptions } from "./protocol.ts";

/** Arena: pair whoever is free for a fixed time. Swiss: N rounds, everyone paired at each round's start. */
export const TOURNAMENT_KINDS = ["arena", "swiss"] as const;
export type TournamentKind = (typeof TOURNAMENT_KINDS)[number];

/** Where a tournament is in its life, as listed. */
export const TOURNAMENT_STATUSES = ["upcoming", "live", "finished"] as const;
export type TournamentStatus = (typeof TOURNAMENT_STATUSES)[number];

/** An entrant: playing for it, paused (not paired until back), or withdrawn (keeps the score made). */
export const ENTRANT_STATES = ["active", "paused", "withdrawn"] as const;
export type EntrantState = (typeof ENTRANT_STATES)[number];

/** Bounds of what a creator may ask for. */
export const TOURNAMENT_LIMITS = {
  minDurationMs: 60_000,
  maxDurationMs: 24 * 60 * 60 * 1000,
  minRounds: 1,
  maxRounds: 30,
  minPlayers: 2,
  maxPlayers: 2_000,
  defaultMaxPlayers: 1_000,
  /** A tournament starts at most this far ahead. */
  maxLeadMs: 30 * 24 * 60 * 60 * 1000,
  minRoundMs: 30_000,
  maxRoundMs: 7 * 24 * 60 * 60 * 1000,
  /** Rows of standings in a feed frame; the rest are paged over HTTP. */
  feedRows: 50,
  /** Live games a feed frame shows (the top boards). */
  feedGames: 6,
  /** Rows per page over HTTP. */
  maxPage: 200,
  /** House bots a tournament may be created with. */
  maxBots: 64,
} as const;

const int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

/** POST /api/tournaments. Exactly one of `durationMs` (arena) and `rounds` (Swiss). */
export const CreateTournamentBody = v.pipe(
  v.strictObject({
    name: DisplayName,
    game: GameId,
    kind: v.picklist(TOURNAMENT_KINDS),
    options: v.optional(MatchOptions),
    /** The clock of every game; the game's default when absent. */
    timeControl: v.optional(TimeControl),
    /** When it starts (epoch ms), or `startsInMs` from now; one of the two. */
    startsAt: v.optional(int(0, Number.MAX_SAFE_INTEGER)),
    startsInMs: v.optional(int(0, TOURNAMENT_LIMITS.maxLeadMs)),
    durationMs: v.optional(int(TOURNAMENT_LIMITS.minDurationMs, TOURNAMENT_LIMITS.maxDurationMs)),
    rounds: v.optional(int(TOURNAMENT_LIMITS.minRounds, TOURNAMENT_LIMITS.maxRounds)),
    /** Swiss: the longest a round waits for its last game before the next round starts. */
    roundMs: v.optional(int(TOURNAMENT_LIMITS.minRoundMs, TOURNAMENT_LIMITS.maxRoundMs)),
    rated: v.optional(v.boolean(), false),
    /** Private tournaments are never listed; joining takes the code their creator is given. */
    private: v.optional(v.boolean(), false),
    maxPlayers: v.optional(
      int(TOURNAMENT_LIMITS.minPlayers, TOURNAMENT_LIMITS.maxPlayers),
      TOURNAMENT_LIMITS.defaultMaxPlayers,
    ),
    /** How long a paired player has to turn up (and to come back after a drop) before losing the game. */
    graceMs: v.optional(int(LIMITS.minGraceMs, LIMITS.maxGraceMs)),
    /** House bots (the game's strongest bot) entered at creation, to fill the field. */
    bots: v.optional(int(0, TOURNAMENT_LIMITS.maxBots), 0),
  }),
  v.check(
    (body) => (body.kind === "arena") === (body.durationMs !== undefined),
    "an arena takes durationMs, a Swiss tournament does not",
  ),
  v.check(
    (body) => (body.kind === "swiss") === (body.rounds !== undefined),
    "a Swiss tournament takes rounds, an arena does not",
  ),
  v.check((body) => body.roundMs === undefined || body.kind === "swiss", "roundMs is for Swiss tournaments"),
  v.check(
    (body) => !(body.startsAt !== undefined && body.startsInMs !== undefined),
    "give startsAt or startsInMs, not both",
  ),
);
export type CreateTournamentBody = v.InferOutput<typeof CreateTournamentBody>;

/** POST /api/tournaments/:id/join. */
export const JoinTournamentBody = v.strictObject({ code: v.optional(v.pipe(v.string(), v.maxLength(20))) });
/** POST /api/tournaments/:id/pause: `paused: false` comes back. */
export const PauseTournamentBody = v.strictObject({ paused: v.optional(v.boolean(), true) });

/** Tournament ids are nanoids, like match ids. */
export const TournamentId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,32}$/, "not a tournament id"));

/**
 * A game's options as a tournament keeps them: flat JSON (every game's options are). Typed, not
 * `unknown`, so that it crosses Workers RPC; not recursive, which RPC types can't expand.
 */
export type JsonValue = { readonly [key: string]: string | number | boolean | null };

/** A tournament as listed and summarised. */
export interface TournamentSummary {
  readonly tournamentId: string;
  readonly name: string;
  readonly gameId: string;
  readonly kind: TournamentKind;
  readonly status: TournamentStatus;
  readonly options: JsonValue;
  readonly timeControl: TimeControl;
  readonly rated: boolean;
  readonly private: boolean;
  readonly creatorId: string;
  readonly maxPlayers: number;
  readonly players: number;
  readonly startsAt: number;
  /** Arena: when pairing stops (known from the creation on). Swiss: null. */
  readonly endsAt: number | null;
  readonly durationMs: number | null;
  readonly rounds: number | null;
  /** Swiss: the round being played (0 before the first). */
  readonly round: number;
  /** Swiss: when the current round stops waiting for its last games. */
  readonly roundDeadline: number | null;
  readonly createdAt: number;
  readonly finishedAt: number | null;
  /** The three best when it is over. */
  readonly podium: readonly { readonly playerId: string; readonly name: string; readonly score: number }[];
}

/** The answer to creating a tournament: a private one carries its code. */
export type TournamentCreated = TournamentSummary & { readonly code?: string };

/** One row of the standings. */
export interface StandingRow {
  /** 1-based; ties are broken by the tie-breaks, then by seed, so ranks are distinct. */
  readonly rank: number;
  readonly playerId: string;
  readonly name: string;
  /** Arena: points (win 2, draw 1, 4 for a win on a streak). Swiss: 1 a win or bye, ½ a draw. */
  readonly score: number;
  readonly games: number;
  readonly wins: number;
  readonly draws: number;
  readonly losses: number;
  /** Arena: wins in a row now; two or more and the next win counts double. */
  readonly streak: number;
  readonly byes: number;
  readonly buchholz: number;
  readonly sonnebornBerger: number;
  /** Arena tie-break: the rating the results were worth (average opponent ± 400 × (wins − losses) / games). */
  readonly performance: number | null;
  readonly rating: number;
  readonly state: EntrantState;
  /** The match this player is in now, if any. */
  readonly playing: string | null;
}

/** GET /api/tournaments/:id/standings. */
export interface StandingsPage {
  readonly tournamentId: string;
  readonly rows: readonly StandingRow[];
  readonly total: number;
  readonly next: number | null;
}

/** One game of a tournament. */
export interface TournamentGame {
  readonly matchId: string;
  /** Swiss: the round; arena: null. */
  readonly round: number | null;
  /** Seat 0 first. */
  readonly players: readonly [
    { readonly playerId: string; readonly name: string },
    { readonly playerId: string; readonly name: string },
  ];
  readonly status: "playing" | "finished";
  /** Seat 0's score (1, ½ or 0) once it is over; null while it runs or when it did not count. */
  readonly score: number | null;
  readonly reason: string | null;
  readonly startedAt: number;
  readonly endedAt: number | null;
}

/** GET /api/tournaments/:id/games (newest first). */
export interface TournamentGamesPage {
  readonly tournamentId: string;
  readonly games: readonly TournamentGame[];
  readonly next: number | null;
}

/** GET /api/tournaments?status=. */
export interface TournamentListPage {
  readonly tournaments: readonly TournamentSummary[];
  readonly next: string | null;
}

/** What a player's own entry says (the answer to join, withdraw and pause). */
export interface EntryView {
  readonly tournamentId: string;
  readonly playerId: string;
  readonly state: EntrantState;
  readonly playing: string | null;
}

// ---------------------------------------------------------------------------------------------
// The feed: /parties/tournament/<id>[?token=...]. Server → client only, besides `ping`.

export const TournamentClientFrame = v.strictObject({
  type: v.literal("ping"),
  t: v.optional(v.pipe(v.number(), v.finite())),
});

/** Frames of the tournament feed. */
export type TournamentFrame =
  /** First frame: who this socket is (null: a spectator). */
  | { readonly type: "welcome"; readonly tournamentId: string; readonly playerId: string | null }
  /** The whole picture, on connect and (at most once a second) when anything changes. */
  | {
      readonly type: "state";
      readonly tournament: TournamentSummary;
      /** The top of the standings (TOURNAMENT_LIMITS.feedRows rows). */
      readonly standings: readonly StandingRow[];
      /** This socket's player, wherever they stand. */
      readonly me: StandingRow | null;
      /** The games now running between the best-placed players. */
      readonly top: readonly TournamentGame[];
      readonly serverTime: number;
    }
  /** To the two players only, as soon as they are paired: their next game. */
  | {
      readonly type: "paired";
      readonly matchId: string;
      readonly seat: number;
      readonly opponent: { readonly playerId: string; readonly name: string };
      readonly round: number | null;
    }
  | { readonly type: "pong"; readonly t?: number; readonly serverTime: number }
  | { readonly type: "error"; readonly code: "bad-message" | "too-large"; readonly message: string };
