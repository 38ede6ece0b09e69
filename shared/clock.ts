/**
 * Chess clocks for every game: pure functions over a plain `ClockState`, driven by the server's
 * event times. The engine ticks the clock on every event that changes whose turn it is, so a
 * match's clocks replay from its log like everything else, and a turn deadline is a function of
 * the state (the server sets its alarm to it; a hibernated match's clock keeps running because
 * the deadline is a wall-clock time).
 *
 * Bookkeeping that tests can hold the clock to: for every seat at every point,
 * `used + remaining = initial + added`, where `added` counts increments and per-move refills.
 */
import * as v from "valibot";
import type { Seat } from "./game.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Bounds of every time control, in milliseconds (days for correspondence). */
export const CLOCK_LIMITS = {
  minMoveMs: 1_000,
  maxMoveMs: 7 * DAY_MS,
  minBaseMs: 1_000,
  maxBaseMs: 6 * 60 * 60 * 1000,
  maxIncrementMs: 10 * 60 * 1000,
  maxDelayMs: 10 * 60 * 1000,
  maxDays: 30,
} as const;

const int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

/**
 * How a match is timed.
 * - `move`: a fixed limit for each move (the time left never carries over).
 * - `fischer`: a bank of `baseMs`, plus `incrementMs` after each of the seat's moves (3+2 is
 *   `{baseMs: 180000, incrementMs: 2000}`).
 * - `delay`: a bank of `baseMs`; the first `delayMs` of each turn are free (simple delay).
 * - `correspondence`: `days` for each move.
 */
export const TimeControl = v.variant("kind", [
  v.strictObject({ kind: v.literal("move"), ms: int(CLOCK_LIMITS.minMoveMs, CLOCK_LIMITS.maxMoveMs) }),
  v.strictObject({
    kind: v.literal("fischer"),
    baseMs: int(CLOCK_LIMITS.minBaseMs, CLOCK_LIMITS.maxBaseMs),
    incrementMs: int(0, CLOCK_LIMITS.maxIncrementMs),
  }),
  v.strictObject({
    kind: v.literal("delay"),
    baseMs: int(CLOCK_LIMITS.minBaseMs, CLOCK_LIMITS.maxBaseMs),
    delayMs: int(0, CLOCK_LIMITS.maxDelayMs),
  }),
  v.strictObject({ kind: v.literal("correspondence"), days: int(1, CLOCK_LIMITS.maxDays) }),
]);
export type TimeControl = v.InferOutput<typeof TimeControl>;

/** The clocks of a match. Times are epoch milliseconds on the server's clock. */
export interface ClockState {
  /** Time left per seat, as it stood at `since` (a running seat's clock has run since). */
  readonly remaining: readonly number[];
  /** The seats whose clocks run now (the seats that may act). */
  readonly running: readonly Seat[];
  /** When the running clocks started. */
  readonly since: number;
  /** Time charged per seat so far. */
  readonly used: readonly number[];
  /** Time given per seat so far on top of the initial amount (increments, per-move refills). */
  readonly added: readonly number[];
}

/** A bank that carries over from move to move (Fischer, delay), or a fresh limit per move. */
export function carriesOver(control: TimeControl): boolean {
  return control.kind === "fischer" || control.kind === "delay";
}

/** What each seat's clock holds at the start (and, for per-move controls, at each turn's start). */
export function initialMs(control: TimeControl): number {
  switch (control.kind) {
    case "move":
      return control.ms;
    case "fischer":
    case "delay":
      return control.baseMs;
    case "correspondence":
      return control.days * DAY_MS;
  }
}

/** The free time at the start of each turn (simple delay), before the bank runs. */
function graceOf(control: TimeControl): number {
  return control.kind === "delay" ? control.delayMs : 0;
}

/** Clocks for `players` seats, started at `at` with `running` to act. */
export function startClock(control: TimeControl, players: number, running: readonly Seat[], at: number): ClockState {
  const zeros = Array<number>(players).fill(0);
  return {
    remaining: Array<number>(players).fill(initialMs(control)),
    running: [...running],
    since: at,
    used: zeros,
    added: zeros,
  };
}

/** What `seat`'s clock has to charge for the time from `clock.since` to `at`, capped at what it holds. */
function charge(control: TimeControl, clock: ClockState, seat: Seat, at: number): number {
  if (!clock.running.includes(seat)) return 0;
  const elapsed = Math.max(0, at - clock.since) - graceOf(control);
  return Math.min(Math.max(0, elapsed), clock.remaining[seat] ?? 0);
}

/**
 * The clocks after an event at `at`: the running seats are charged, `moved` (the seats that just
 * made a move) get their increment, and `next` start running. Per-move controls refill the
 * clock of each seat that starts a turn (a seat of `next` that moved or was not running).
 */
export function tick(
  control: TimeControl,
  clock: ClockState,
  at: number,
  moved: readonly Seat[],
  next: readonly Seat[],
): ClockState {
  const remaining = [...clock.remaining];
  const used = [...clock.used];
  const added = [...clock.added];
  for (const seat of clock.running) {
    const spent = charge(control, clock, seat, at);
    remaining[seat] = (remaining[seat] ?? 0) - spent;
    used[seat] = (used[seat] ?? 0) + spent;
  }
  if (control.kind === "fischer") {
    for (const seat of moved) {
      remaining[seat] = (remaining[seat] ?? 0) + control.incrementMs;
      added[seat] = (added[seat] ?? 0) + control.incrementMs;
    }
  }
  if (!carriesOver(control)) {
    const full = initialMs(control);
    // A seat already running that did not move keeps its turn's time: in a simultaneous phase
    // another seat's move does not give it a fresh limit.
    for (const seat of next.filter((seat) => moved.includes(seat) || !clock.running.includes(seat))) {
      added[seat] = (added[seat] ?? 0) + full - (remaining[seat] ?? 0);
      remaining[seat] = full;
    }
  }
  // Time only moves forward: an event stamped before `since` (a clock step back) charges nothing.
  return { remaining, running: [...next], since: Math.max(clock.since, at), used, added };
}

/** The clocks stopped at `at` (the match is over): the running seats are charged. */
export function stopClock(control: TimeControl, clock: ClockState, at: number): ClockState {
  return tick(control, clock, at, [], []);
}

/** When `seat` runs out of time if it keeps thinking; null when its clock is not running. */
export function flagAt(control: TimeControl, clock: ClockState, seat: Seat): number | null {
  if (!clock.running.includes(seat)) return null;
  return clock.since + graceOf(control) + (clock.remaining[seat] ?? 0);
}

/** The earliest time a running clock reaches zero; null when no clock runs. */
export function nextFlag(control: TimeControl, clock: ClockState): number | null {
  let earliest: number | null = null;
  for (const seat of clock.running) {
    const at = flagAt(control, clock, seat);
    if (at !== null && (earliest === null || at < earliest)) earliest = at;
  }
  return earliest;
}

/** The running seats whose time is up at `at`. */
export function flagged(control: TimeControl, clock: ClockState, at: number): Seat[] {
  return clock.running.filter((seat) => {
    const flag = flagAt(control, clock, seat);
    return flag !== null && flag <= at;
  });
}

/** `seat`'s time left at `now`, as a client shows it (never below zero). */
export function remainingAt(control: TimeControl, clock: ClockState, seat: Seat, now: number): number {
  const held = clock.remaining[seat] ?? 0;
  if (!clock.running.includes(seat)) return held;
  return Math.max(0, held - Math.max(0, now - clock.since - graceOf(control)));
}
