import * as v from "valibot";
import {
  carriesOver,
  flagged,
  nextFlag,
  startClock,
  stopClock,
  tick,
  type ClockState,
  type TimeControl,
} from "./clock.ts";
import { createRandom, seedRandom, type Random, type RandomState } from "./random.ts";
import { fail, ok, type Failure, type Result } from "./result.ts";

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
 * same functions. Members are declared as methods so that a `GameDefinition<S, M, O>` can be
 * held in a registry of `AnyGame` (method parameters are checked bivariantly).
 */
export interface GameDefinition<S, M, O> {
  /** Stable identifier used in URLs and stored with every match (kebab-case). */
  readonly id: string;
  readonly name: string;
  readonly minPlayers: number;
  readonly maxPlayers: number;
  /** Options schema; every field optional with a default, so `{}` parses to the defaults. */
  readonly options: v.GenericSchema<unknown, O>;
  /** Shape of one move, checked before `validate` runs. */
  readonly move: v.GenericSchema<unknown, M>;
  /** True when `view` hides something from some viewers; false lets the server send one frame to all. */
  readonly hiddenInformation: boolean;
  /** The per-move time limit a match gets unless its creator chooses another. */
  readonly defaultTurnMs: number;
  /** The clock a match gets unless its creator chooses one (quick match uses it); absent: `defaultTurnMs` per move. */
  readonly defaultTimeControl?: TimeControl;
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
  /** What `viewer` may see. Absent for games without hidden information (the state itself). */
  view?(state: S, viewer: Viewer): unknown;
  /**
   * The result when `flagged` run out of time and forfeit. Absent: every other seat wins.
   * Chess, for one, draws when the side with time left cannot mate.
   */
  onFlag?(state: S, flagged: readonly Seat[]): GameResult;
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
}

/** A game of any type, as held in a registry. */
// Method bivariance makes every GameDefinition<S, M, O> assignable to this.
export type AnyGame = GameDefinition<unknown, unknown, unknown>;

/** Match lifecycle phase. */
export const MATCH_STATUSES = ["waiting", "playing", "finished"] as const;
export type MatchStatus = (typeof MATCH_STATUSES)[number];

/** Everything that changes a match, as stored in its log. `seq` and time are added by the server. */
export type MatchEvent =
  | { readonly kind: "join"; readonly seat: Seat; readonly name: string }
  | { readonly kind: "start"; readonly players: number }
  | { readonly kind: "move"; readonly seat: Seat; readonly move: unknown; readonly id: string }
  | { readonly kind: "resign"; readonly seat: Seat }
  /** Time ran out for `seats`; `move` is what the timeout policy played, when it plays one. */
  | { readonly kind: "timeout"; readonly seats: readonly Seat[]; readonly move?: unknown }
  /** `seat` stayed disconnected past the grace period. */
  | { readonly kind: "abandon"; readonly seat: Seat }
  /** Called off (for instance a quick-match player never came): no winner, never rated. */
  | { readonly kind: "abort"; readonly reason: string }
  /** `seat` offers a draw; when every seat has offered (or accepted), the match is drawn. */
  | { readonly kind: "draw-offer"; readonly seat: Seat }
  | { readonly kind: "draw-accept"; readonly seat: Seat }
  /** `seat` turns the pending offer down; every offer is withdrawn. */
  | { readonly kind: "draw-decline"; readonly seat: Seat };

/** What a seat can do about a draw. */
export const DRAW_ACTIONS = ["offer", "accept", "decline"] as const;
export type DrawAction = (typeof DRAW_ACTIONS)[number];

/** The engine's whole state of a match: the game state plus what the engine adds around it. */
export interface MatchState {
  readonly status: MatchStatus;
  readonly players: number;
  readonly game: unknown;
  readonly random: RandomState | null;
  /** Moves applied so far (timeout moves included). */
  readonly moves: number;
  readonly result: MatchResult | null;
  /** The clocks, from the start on (null before it). */
  readonly clock: ClockState | null;
  /** Seats that offer a draw now. A move by any other seat withdraws every offer. */
  readonly drawOffers: readonly Seat[];
}

/** Stable codes for a move the engine refuses; a game's own codes come back as `illegal`. */
export const MOVE_REFUSALS = ["not-started", "game-over", "not-your-turn", "bad-move", "illegal"] as const;
/** Stable codes for a draw offer, acceptance or refusal the engine turns down. */
export const DRAW_REFUSALS = ["no-draw-offer", "draw-offered"] as const;
export type MoveRefusal = (typeof MOVE_REFUSALS)[number];

/** A refusal, with the game's own code in `reason` when the rules refused the move. */
export interface Refusal extends Failure<MoveRefusal> {
  readonly reason?: string;
}

/** The engine bound to one match's game, options, seed and time control. */
export interface Engine {
  readonly game: AnyGame;
  readonly options: unknown;
  readonly control: TimeControl;
  /** The state before anyone has joined. */
  initial(): MatchState;
  /** Checks a move in the order: status, turn, shape, legality. */
  check(state: MatchState, seat: Seat, move: unknown): { ok: true; move: unknown } | { ok: false; error: Refusal };
  /**
   * Applies an event that passed its checks, made at `at` (server epoch ms; it drives the
   * clocks, and without it no time passes). Throws on an event that cannot follow `state` (a defect).
   */
  apply(state: MatchState, event: MatchEvent, at?: number): MatchState;
  /**
   * The event for the seats whose time is up at `at` (without `at`: the first to run out):
   * a flag with a banked clock (Fischer, delay), the game's timeout policy with a per-move one.
   */
  timeout(state: MatchState, at?: number): MatchEvent | null;
  /** When the first running clock reaches zero; null when none runs. */
  deadline(state: MatchState): number | null;
  /** The event for `seat`'s draw `action`, or why it cannot be taken now. */
  draw(
    state: MatchState,
    seat: Seat,
    action: DrawAction,
  ):
    | { ok: true; event: MatchEvent }
    | { ok: false; error: Failure<(typeof DRAW_REFUSALS)[number] | "not-started" | "game-over"> };
  /** The seats that may act now. */
  activeSeats(state: MatchState): readonly Seat[];
  /** What `viewer` may see of the game (null before the match starts). */
  view(state: MatchState, viewer: Viewer): unknown;
  /** Folds a whole log from the initial state (with each event's `at`, when logged): replay, audit and tests. */
  replay(events: Iterable<MatchEvent & { readonly at?: number }>): MatchState;
}

/** Parses a game's options; failures name the offending field. */
export function parseOptions(game: AnyGame, input: unknown): Result<unknown, "bad-options"> {
  const parsed = v.safeParse(game.options, input ?? {});
  if (parsed.success) return ok(parsed.output);
  return fail("bad-options", describeIssues(parsed.issues));
}

/** One line naming each schema issue with its path, for error messages. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const path = v.getDotPath(issue);
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}

/** A game's time control when its match chooses none: its per-move default. */
export function defaultTimeControl(game: AnyGame): TimeControl {
  return game.defaultTimeControl ?? { kind: "move", ms: game.defaultTurnMs };
}

/** Binds a game to a match's options (already parsed), seed and time control. */
export function createEngine(
  game: AnyGame,
  options: unknown,
  seed: string,
  control: TimeControl = defaultTimeControl(game),
): Engine {
  const activeSeats = (state: MatchState): readonly Seat[] =>
    state.status === "playing" ? game.activeSeats(state.game) : [];

  const applyMove = (state: MatchState, seat: Seat, move: unknown, at: number): MatchState => {
    if (state.random === null || state.clock === null) throw new Error("move applied before the match started");
    const random = createRandom(state.random);
    const next = game.apply(state.game, seat, move, random);
    const result = game.outcome(next);
    return {
      ...state,
      game: next,
      random: random.state(),
      moves: state.moves + 1,
      status: result ? "finished" : "playing",
      result,
      clock: tick(control, state.clock, at, [seat], result ? [] : game.activeSeats(next)),
      // Moving is declining: only the offering seats' own moves leave their offers standing.
      drawOffers: state.drawOffers.includes(seat) ? state.drawOffers : [],
    };
  };

  /** Every move, a player's or a timeout's, passes the same checks before it is applied. */
  const applyChecked = (state: MatchState, seat: Seat, move: unknown, at: number): MatchState => {
    const checked = engine.check(state, seat, move);
    if (!checked.ok) throw new Error(`logged move refused on apply: ${checked.error.code}`);
    return applyMove(state, seat, checked.move, at);
  };

  /** The match over at `at` with `result`: the clocks stop, offers lapse. */
  const finish = (state: MatchState, result: MatchResult, at: number): MatchState => ({
    ...state,
    status: "finished",
    result,
    clock: state.clock === null ? null : stopClock(control, state.clock, at),
    drawOffers: [],
  });

  const seatOf = (state: MatchState, event: { kind: string; seat: Seat }): Seat => {
    if (state.status !== "playing") throw new Error(`${event.kind} applied outside play`);
    if (event.seat < 0 || event.seat >= state.players)
      throw new Error(`${event.kind} by seat ${event.seat}, not in the match`);
    return event.seat;
  };

  const othersWin = (state: MatchState, losers: readonly Seat[], reason: string): GameResult => {
    const winners: Seat[] = [];
    for (let seat = 0; seat < state.players; seat++) if (!losers.includes(seat)) winners.push(seat);
    return winners.length > 0 ? { kind: "win", winners, reason } : { kind: "draw", reason };
  };

  const engine: Engine = {
    game,
    options,
    control,
    initial: () => ({
      status: "waiting",
      players: 0,
      game: null,
      random: null,
      moves: 0,
      result: null,
      clock: null,
      drawOffers: [],
    }),

    check(state, seat, move) {
      if (state.status === "waiting")
        return { ok: false, error: { code: "not-started", message: "the match has not started" } };
      if (state.status === "finished") return { ok: false, error: { code: "game-over", message: "the match is over" } };
      if (!activeSeats(state).includes(seat)) {
        return { ok: false, error: { code: "not-your-turn", message: `seat ${seat} may not act now` } };
      }
      const parsed = v.safeParse(game.move, move);
      if (!parsed.success) {
        return {
          ok: false,
          error: { code: "bad-move", message: `not a ${game.name} move: ${describeIssues(parsed.issues)}` },
        };
      }
      const illegal = game.validate(state.game, seat, parsed.output);
      if (illegal) return { ok: false, error: { code: "illegal", message: illegal.message, reason: illegal.code } };
      return { ok: true, move: parsed.output };
    },

    apply(state, event, at) {
      // Without a time, none passes: the clocks stand where they are.
      const when = at ?? state.clock?.since ?? 0;
      switch (event.kind) {
        case "join":
          return state;
        case "start": {
          if (state.status !== "waiting") throw new Error("start applied twice");
          const random = createRandom(seedRandom(seed));
          const setup = game.setup(event.players, options, random);
          const clock = startClock(control, event.players, game.activeSeats(setup), when);
          return {
            ...state,
            status: "playing",
            players: event.players,
            game: setup,
            random: random.state(),
            clock,
            drawOffers: [],
          };
        }
        case "move":
          return applyChecked(state, event.seat, event.move, when);
        case "resign":
        case "abandon": {
          const seat = seatOf(state, event);
          return finish(state, othersWin(state, [seat], event.kind === "resign" ? "resign" : "abandoned"), when);
        }
        case "abort":
          if (state.status === "finished") throw new Error("abort applied to a finished match");
          return finish(state, { kind: "aborted", reason: event.reason }, when);
        case "draw-offer":
        case "draw-accept":
        case "draw-decline": {
          const seat = seatOf(state, event);
          const action = event.kind === "draw-offer" ? "offer" : event.kind === "draw-accept" ? "accept" : "decline";
          const allowed = engine.draw(state, seat, action);
          if (!allowed.ok || allowed.event.kind !== event.kind) throw new Error(`${event.kind} refused on apply`);
          if (action === "decline") return { ...state, drawOffers: [] };
          const offers = [...state.drawOffers, seat].sort((a, b) => a - b);
          if (offers.length < state.players) return { ...state, drawOffers: offers };
          return finish(state, { kind: "draw", reason: "agreement" }, when);
        }
        case "timeout": {
          if (state.status !== "playing") throw new Error("timeout applied outside play");
          // A logged timeout happened when the clock said so; a test's may leave the time out.
          const flagTime = at ?? (state.clock === null ? 0 : (nextFlag(control, state.clock) ?? when));
          if (event.move !== undefined) {
            const [seat] = event.seats;
            if (seat === undefined) throw new Error("timeout move without a seat");
            return applyChecked(state, seat, event.move, flagTime);
          }
          const result = game.onFlag ? game.onFlag(state.game, event.seats) : othersWin(state, event.seats, "timeout");
          return finish(state, result, flagTime);
        }
      }
    },

    timeout(state, at) {
      if (state.status !== "playing" || state.clock === null) return null;
      const first = nextFlag(control, state.clock);
      if (first === null) return null;
      const seats = flagged(control, state.clock, at ?? first);
      const [seat] = seats;
      if (seat === undefined) return null;
      // A banked clock at zero is a lost game (a flag); a per-move limit is the game's business.
      if (carriesOver(control) || game.timeout.kind === "forfeit") return { kind: "timeout", seats };
      const move = game.timeout.choose(state.game, seat);
      // A policy that picks an unplayable move must not wedge the match: the seat forfeits.
      if (!engine.check(state, seat, move).ok) return { kind: "timeout", seats };
      return { kind: "timeout", seats: [seat], move };
    },

    deadline(state) {
      return state.status === "playing" && state.clock !== null ? nextFlag(control, state.clock) : null;
    },

    draw(state, seat, action) {
      if (state.status === "waiting")
        return { ok: false, error: { code: "not-started", message: "the match has not started" } };
      if (state.status === "finished") return { ok: false, error: { code: "game-over", message: "the match is over" } };
      const mine = state.drawOffers.includes(seat);
      const others = state.drawOffers.some((offerer) => offerer !== seat);
      switch (action) {
        case "offer":
          if (mine) return { ok: false, error: { code: "draw-offered", message: "you have offered a draw already" } };
          // Offering while another seat's offer stands is agreeing to it.
          return { ok: true, event: { kind: others ? "draw-accept" : "draw-offer", seat } };
        case "accept":
          if (!others) return { ok: false, error: { code: "no-draw-offer", message: "nobody offers a draw" } };
          if (mine)
            return { ok: false, error: { code: "draw-offered", message: "you have agreed to the draw already" } };
          return { ok: true, event: { kind: "draw-accept", seat } };
        case "decline":
          if (!others) return { ok: false, error: { code: "no-draw-offer", message: "nobody offers a draw" } };
          return { ok: true, event: { kind: "draw-decline", seat } };
      }
    },

    activeSeats,

    view(state, viewer) {
      if (state.game === null) return null;
      return game.view ? game.view(state.game, viewer) : state.game;
    },

    replay(events) {
      let state = engine.initial();
      for (const event of events)
        state = engine.apply(state, event, "at" in event && typeof event.at === "number" ? event.at : undefined);
      return state;
    },
  };
  return engine;
}
