/**
 * The engine: runs one game for one match. Pure: it takes the match state and returns the next
 * one (or a refusal), with no I/O and no clock of its own (every time is handed in).
 *
 * A move is checked once: `play` runs the ladder (status, turn, shape, legality) and returns the
 * event together with the state after it. `apply` folds events (an audit's `replay`) and checks
 * a logged move again, because a log is only as good as the code that wrote it; `restore` folds
 * this server's own log on wake-up and trusts it (each move was checked when it was logged).
 */
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
import type { MatchEvent } from "./events.ts";
import type { AnyGame, GameDefinition, GameResult, MatchResult, Seat, Viewer } from "./game.ts";
import { createRandom, seedRandom, type RandomState } from "./random.ts";
import { fail, ok, type Failure, type Result } from "./result.ts";
import { describeIssues } from "./schema-issues.ts";

/** Match lifecycle phase. */
export const MATCH_STATUSES = ["waiting", "playing", "finished"] as const;
export type MatchStatus = (typeof MATCH_STATUSES)[number];

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
export type MoveRefusal = (typeof MOVE_REFUSALS)[number];
/** Stable codes for a draw offer, acceptance or refusal the engine turns down. */
export const DRAW_REFUSALS = ["no-draw-offer", "draw-offered"] as const;
export type DrawRefusal = (typeof DRAW_REFUSALS)[number] | "not-started" | "game-over";
/** The code for a rematch asked for before a played match is over. */
export type RematchRefusal = "not-finished";

/** A refusal, with the game's own code in `reason` when the rules refused the move. */
export type Refusal = Failure<MoveRefusal>;

/** A move event, as `play` returns it: the move is the parsed one. */
export type MoveEvent = Extract<MatchEvent, { kind: "move" }>;

/** The engine bound to one match's game, options, seed and time control. */
export interface Engine {
  readonly game: AnyGame;
  readonly options: unknown;
  readonly control: TimeControl;
  /** The state before anyone has joined. */
  initial(): MatchState;
  /** Checks a move in the order: status, turn, shape, legality; the parsed move when it passes. */
  check(state: MatchState, seat: Seat, move: unknown): Result<unknown, MoveRefusal>;
  /**
   * `seat` plays `move` (client id `id`) at `at`: the checked event and the state after it, or
   * why not. The one rules call per move: the game's `validate` runs once.
   */
  play(
    state: MatchState,
    seat: Seat,
    move: unknown,
    at: number,
    id: string,
  ): Result<{ readonly event: MoveEvent; readonly state: MatchState }, MoveRefusal>;
  /**
   * Applies an event that passed its checks, made at `at` (server epoch ms; it drives the
   * clocks, and without it no time passes). Throws on an event that cannot follow `state` (a defect).
   */
  apply(state: MatchState, event: MatchEvent, at?: number): MatchState;
  /**
   * `apply` for an event read back from this match's own log: a move is not checked again (it was
   * when `play` logged it, and the stored move is the parsed one). A wake-up's fold; audits use `replay`.
   */
  restore(state: MatchState, event: MatchEvent, at?: number): MatchState;
  /**
   * The event for the seats whose time is up at `at` (without `at`: the first to run out):
   * a flag with a banked clock (Fischer, delay), the game's timeout policy with a per-move one.
   */
  timeout(state: MatchState, at?: number): MatchEvent | null;
  /** When the first running clock reaches zero; null when none runs. */
  deadline(state: MatchState): number | null;
  /** The event for `seat`'s draw `action`, or why it cannot be taken now. */
  draw(state: MatchState, seat: Seat, action: DrawAction): Result<MatchEvent, DrawRefusal>;
  /** The event for `seat` resigning, or why it cannot now. */
  resign(state: MatchState, seat: Seat): Result<MatchEvent, "not-started" | "game-over">;
  /** Whether a rematch may be asked for: only once a match that was played is over. */
  rematch(state: MatchState): Result<true, RematchRefusal>;
  /** The seats that may act now. */
  activeSeats(state: MatchState): readonly Seat[];
  /** What `viewer` may see of the game (null before the match starts). */
  view(state: MatchState, viewer: Viewer): unknown;
  /** Folds a whole log from the initial state (with each event's `at`, when logged): replay, audit and tests. */
  replay(events: Iterable<MatchEvent & { readonly at?: number }>): MatchState;
}

/** Whether `game` hides something from some viewers: exactly when it has a `view`. */
export function hasHiddenInformation(game: AnyGame): boolean {
  return game.view !== undefined;
}

/** A game where one seat acts at a time, written without the bookkeeping: `turn` names that seat. */
export type SequentialGame<S, M, O, V> = Omit<GameDefinition<S, M, O, V>, "activeSeats"> & {
  /** The seat to act now (read only while the game goes on). */
  turn(state: S): Seat;
};

/**
 * A sequential game, completed with the turn bookkeeping every such game would write: the seat
 * whose `turn` it is acts, nobody once there is an `outcome`, and `legalMoves` is empty for
 * every other seat (so the game's own `legalMoves` need only list the mover's moves).
 */
export function sequential<S, M, O = Record<string, never>, V = S>(
  game: SequentialGame<S, M, O, V>,
): GameDefinition<S, M, O, V> & { turn(state: S): Seat } {
  const activeSeats = (state: S): readonly Seat[] => (game.outcome(state) ? [] : [game.turn(state)]);
  return {
    ...game,
    activeSeats,
    legalMoves: (state, seat) => (activeSeats(state).includes(seat) ? game.legalMoves(state, seat) : []),
  };
}

/** What the move ladder needs to know of a match: the engine's state, or a client's view of it. */
export interface MoveContext {
  readonly status: MatchStatus;
  /** The seats that may act now. */
  readonly active: readonly Seat[];
  /** The game state the rules can check against; absent when the checker cannot see it (hidden information). */
  readonly game?: unknown;
}

/**
 * The move ladder, shared by the engine and the client SDK: status, turn, shape, then the
 * game's rules (when the game state is at hand). The parsed move when every rung passes.
 */
export function checkMove(game: AnyGame, at: MoveContext, seat: Seat, move: unknown): Result<unknown, MoveRefusal> {
  if (at.status === "waiting") return fail("not-started", "the match has not started");
  if (at.status === "finished") return fail("game-over", "the match is over");
  if (!at.active.includes(seat)) return fail("not-your-turn", `seat ${seat} may not act now`);
  const parsed = v.safeParse(game.move, move);
  if (!parsed.success) return fail("bad-move", `not a ${game.name} move: ${describeIssues(parsed.issues)}`);
  if ("game" in at) {
    const illegal = game.validate(at.game, seat, parsed.output);
    if (illegal) return { ok: false, error: { code: "illegal", message: illegal.message, reason: illegal.code } };
  }
  return ok(parsed.output);
}

/**
 * The move ladder on a client's view of the match (the SDK's check before sending): the game's
 * rules run only for a game without hidden information, whose view is its state; otherwise the
 * server alone judges legality.
 */
export function checkOnView(
  game: AnyGame,
  view: {
    readonly status: MatchStatus;
    readonly turn: { readonly seats: readonly Seat[] } | null;
    readonly view: unknown;
  },
  seat: Seat,
  move: unknown,
): Result<unknown, MoveRefusal> {
  const active = view.turn?.seats ?? [];
  return checkMove(
    game,
    hasHiddenInformation(game) ? { status: view.status, active } : { status: view.status, active, game: view.view },
    seat,
    move,
  );
}

/** Binds a game to a match's options (already parsed), seed and time control. */
export function createEngine(
  game: AnyGame,
  options: unknown,
  seed: string,
  control: TimeControl = game.defaultTimeControl,
): Engine {
  const activeSeats = (state: MatchState): readonly Seat[] =>
    state.status === "playing" ? game.activeSeats(state.game) : [];

  const check = (state: MatchState, seat: Seat, move: unknown): Result<unknown, MoveRefusal> =>
    checkMove(game, { status: state.status, active: activeSeats(state), game: state.game }, seat, move);

  /** The state after a move that passed `check` (`move` is the parsed one). */
  const applyMove = (state: MatchState, seat: Seat, move: unknown, at: number): MatchState => {
    if (state.random === null || state.clock === null) throw new Error("move applied before the match started");
    const random = createRandom(state.random);
    const next = game.apply(state.game, seat, move, random);
    const result = game.outcome(next);
    return {
      ...state,
      game: result ? ended(next) : next,
      random: random.state(),
      moves: state.moves + 1,
      status: result ? "finished" : "playing",
      result,
      clock: tick(control, state.clock, at, [seat], result ? [] : game.activeSeats(next)),
      // Moving is declining: only the offering seats' own moves leave their offers standing.
      drawOffers: state.drawOffers.includes(seat) ? state.drawOffers : [],
    };
  };

  /** A logged move (a player's or a timeout's) passes the same checks again before it is applied. */
  const applyChecked = (state: MatchState, seat: Seat, move: unknown, at: number): MatchState => {
    const checked = check(state, seat, move);
    if (!checked.ok) throw new Error(`logged move refused on apply: ${checked.error.code}`);
    return applyMove(state, seat, checked.value, at);
  };

  /** Folds one event; `move` applies a logged move (checked again, or trusted). */
  const fold = (
    state: MatchState,
    event: MatchEvent,
    at: number | undefined,
    move: typeof applyChecked,
  ): MatchState => {
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
        return move(state, event.seat, event.move, when);
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
        if (!allowed.ok || allowed.value.kind !== event.kind) throw new Error(`${event.kind} refused on apply`);
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
          return move(state, seat, event.move, flagTime);
        }
        const result = game.onFlag ? game.onFlag(state.game, event.seats) : othersWin(state, event.seats, "timeout");
        return finish(state, result, flagTime);
      }
    }
  };

  /** A move from this match's own log: it was checked when it was logged. */
  const applyTrusted = applyMove;

  /** The game state of a match that just ended: the game's `onEnd` (a match called off before it started has none). */
  const ended = (state: unknown): unknown => (state !== null && game.onEnd ? game.onEnd(state) : state);

  /** The match over at `at` with `result`: the clocks stop, offers lapse, the game hears of it. */
  const finish = (state: MatchState, result: MatchResult, at: number): MatchState => ({
    ...state,
    game: ended(state.game),
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

  /** Status rungs shared by resign and draw. */
  const inPlay = (state: MatchState): Result<true, "not-started" | "game-over"> => {
    if (state.status === "waiting") return fail("not-started", "the match has not started");
    if (state.status === "finished") return fail("game-over", "the match is over");
    return ok(true);
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

    check,

    play(state, seat, move, at, id) {
      const checked = check(state, seat, move);
      if (!checked.ok) return checked;
      const event: MoveEvent = { kind: "move", seat, move: checked.value, id };
      return ok({ event, state: applyMove(state, seat, checked.value, at) });
    },

    apply: (state, event, at) => fold(state, event, at, applyChecked),

    restore: (state, event, at) => fold(state, event, at, applyTrusted),

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
      if (!check(state, seat, move).ok) return { kind: "timeout", seats };
      return { kind: "timeout", seats: [seat], move };
    },

    deadline(state) {
      return state.status === "playing" && state.clock !== null ? nextFlag(control, state.clock) : null;
    },

    draw(state, seat, action) {
      const playing = inPlay(state);
      if (!playing.ok) return playing;
      const mine = state.drawOffers.includes(seat);
      const others = state.drawOffers.some((offerer) => offerer !== seat);
      switch (action) {
        case "offer":
          if (mine) return fail("draw-offered", "you have offered a draw already");
          // Offering while another seat's offer stands is agreeing to it.
          return ok({ kind: others ? "draw-accept" : "draw-offer", seat });
        case "accept":
          if (!others) return fail("no-draw-offer", "nobody offers a draw");
          if (mine) return fail("draw-offered", "you have agreed to the draw already");
          return ok({ kind: "draw-accept", seat });
        case "decline":
          if (!others) return fail("no-draw-offer", "nobody offers a draw");
          return ok({ kind: "draw-decline", seat });
      }
    },

    resign(state, seat) {
      const playing = inPlay(state);
      return playing.ok ? ok({ kind: "resign", seat }) : playing;
    },

    rematch(state) {
      // A match called off before it began (players still 0) was never played: nothing to play again.
      if (state.status !== "finished" || state.players === 0) {
        return fail("not-finished", "a rematch can be asked for once a played match is over");
      }
      return ok(true);
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
