/**
 * The game contract: what a game author writes. The engine that runs a game is in engine.ts,
 * the event vocabulary in events.ts.
 */
import type * as v from "valibot";
import type { TimeControl } from "./clock.ts";
import type { Random } from "./random.ts";
import type { Failure } from "./result.ts";

/** A seat index, 0-based, in join order. */
export type Seat = number;

/** Who a view is computed for: a seated player, or a spectator (who never sees hidden information). */
export type Viewer = Seat | "spectator";

/** How a finished game ended. An empty `winners` list never occurs; a draw is its own kind. */
export type GameResult =
  | { readonly kind: "win"; readonly winners: readonly Seat[]; readonly reason: string }
  | { readonly kind: "draw"; readonly reason: string };

/** How a match ended: as its game ended, or called off before it was decided (never rated). */
export type MatchResult = GameResult | { readonly kind: "aborted"; readonly reason: string };

/** What happens to the seats whose time runs out. */
export type TimeoutPolicy<S, M> =
  | { readonly kind: "forfeit" }
  /** The engine plays this move for the seat (a pass is a move the game defines). */
  | { readonly kind: "move"; choose(state: S, seat: Seat): M };

/** A legality check failed: a game-specific stable code (kebab-case) and a message for people. */
export type Illegal = Failure;

/**
 * A game: plain data plus pure functions over plain JSON. The server and the browser call the
 * same functions. Members are declared as methods so that a `GameDefinition<S, M, O, V>` can be
 * held in a registry of `AnyGame` (method parameters are checked bivariantly). `V` is what a
 * viewer is shown (the state itself unless the game has a `view`): its renderer draws a `V`.
 * A game where one seat acts at a time is written with `sequential` (engine.ts), which keeps
 * the turn bookkeeping (`activeSeats`, and `legalMoves` empty for the others) for it.
 */
export interface GameDefinition<S, M, O = Record<string, never>, V = S> {
  /** Stable identifier used in URLs and stored with every match (kebab-case). */
  readonly id: string;
  readonly name: string;
  readonly minPlayers: number;
  readonly maxPlayers: number;
  /** Options schema; every field optional with a default, so `{}` parses to the defaults. */
  readonly options: v.GenericSchema<unknown, O>;
  /** Shape of one move, checked before `validate` runs. */
  readonly move: v.GenericSchema<unknown, M>;
  /** The clock a match gets unless its creator chooses one (quick match uses it). */
  readonly defaultTimeControl: TimeControl;
  readonly timeout: TimeoutPolicy<S, M>;
  setup(players: number, options: O, random: Random): S;
  /** The seats that may act now; empty when nobody can (the game is over). */
  activeSeats(state: S): readonly Seat[];
  /** Null when the move is legal for `seat` now; otherwise why not. Only called for active seats. */
  validate(state: S, seat: Seat, move: M): Illegal | null;
  /**
   * Every move `seat` may make now, each one `validate` accepts; empty when the seat may not act.
   * Bots choose from it and tests enumerate it, so it must use only what `seat` may know.
   */
  legalMoves(state: S, seat: Seat): readonly M[];
  /** The state after a move that `validate` accepted. Pure and deterministic given `random`. */
  apply(state: S, seat: Seat, move: M, random: Random): S;
  /** Null while the game goes on. */
  outcome(state: S): GameResult | null;
  /**
   * What `viewer` may see. Absent for games without hidden information (everyone sees the state
   * itself, and the server sends one frame to all): a game has hidden information exactly when
   * it has a `view`.
   */
  view?(state: S, viewer: Viewer): V;
  /**
   * The result when `flagged` run out of time and forfeit. Absent: every other seat wins.
   * Chess, for one, draws when the side with time left cannot mate.
   */
  onFlag?(state: S, flagged: readonly Seat[]): GameResult;
  /**
   * The game state once the match is over, however it ended: the game's own `outcome`, a
   * resignation, a flag, an abandonment, an agreed draw or an abort. The engine applies it once,
   * as it finishes the match, so a replay and a wake-up reproduce it; it must be pure. A `view`
   * cannot tell a match ended off the board otherwise (Battleship shows both fleets with it).
   */
  onEnd?(state: S): S;
  /**
   * The most moves any match of this game can take (timeout moves included); absent: no bound is
   * claimed. `npm run check-game` plays random matches and fails a game that outlasts it.
   */
  readonly maxMoves?: number;
  /**
   * Another state that differs from `state` only in what `viewer` cannot see (unseen cards
   * re-dealt, unseen ships moved), drawn with `random`. Games with hidden information provide
   * it so `npm run check-game` can prove their views and `legalMoves` leak nothing.
   */
  resampleHidden?(state: S, viewer: Viewer, random: Random): S;
  /**
   * The game's own bots by kind, each a move chooser for a seat that may act (the `random` bot
   * plays every game from `legalMoves`). They live beside the game (`shared/games/<id>.bot.ts`)
   * and join it at its line in shared/games/index.ts, so shared/bots.ts never names a game.
   */
  readonly bots?: GameBots<S, M>;
}

/** A game's own bots, one per kind beyond `random`: each a pure move chooser for a seat that may act. */
export interface GameBots<S, M> {
  // A method, so that every game's bots fit `AnyGame` (method parameters are checked bivariantly).
  search?(state: S, seat: Seat, random: Random): M;
}

/** A game of any type, as held in a registry. */
// Method bivariance makes every GameDefinition<S, M, O, V> assignable to this.
export type AnyGame = GameDefinition<unknown, unknown, unknown, unknown>;

/** What a game shows its viewers (its renderer draws this). */
export type ViewOf<G> = G extends GameDefinition<infer _S, infer _M, infer _O, infer V> ? V : never;
/** A game's move. */
export type MoveOf<G> = G extends GameDefinition<infer _S, infer M, infer _O, infer _V> ? M : never;
