/**
 * The Match's timers: one row per pending timer in `timers`, behind the object's single alarm.
 * This module is the only writer of that table. `scheduleAfter` is the pure part: from the match
 * before and after a commit, the timers the commit needs. The `Timers` class writes them and
 * keeps the alarm at the earliest.
 *
 * The turn deadline is the exception: it is a function of the match state (engine.deadline),
 * so it is derived, never stored (no row written per move). The alarm is kept no later than it;
 * an alarm that comes early finds the turn not due and re-arms for the real deadline.
 */
import type { MatchState } from "../../shared/engine.ts";
import type { Seat } from "../../shared/game.ts";
import type { SpectatorDelay } from "../../shared/protocol.ts";
import { botToAct } from "../bots.ts";
import { ON_FINISH, OUTBOX_KINDS, type FinishDue, type OutboxKind } from "./outbox.ts";
import type { Loaded } from "./store.ts";

/**
 * Every kind of timer: the turn deadline (or clock flag; derived from the state, never a row), a bot's move,
 * a seat's disconnect grace (one per seat), the release of events to delayed spectators, the next look at the
 * players' heartbeats (heartbeats.ts books it, outside commits), the retry of a next game that could not start
 * (series.ts), and the outbox deliveries.
 */
export const TIMER_KINDS = ["turn", "bot", "grace", "spectators", "liveness", "rematch", ...OUTBOX_KINDS] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];

/** Which timer: a kind, and for grace periods the seat. */
export type TimerId = { readonly kind: Exclude<TimerKind, "grace"> } | { readonly kind: "grace"; readonly seat: Seat };

/** A pending timer: when it is due, and the seq it was armed at (turn and bot timers act only if it is still current). */
export type Timer = TimerId & { readonly at: number; readonly seq: number };

/** Timers to write: `keepEarlier` leaves an earlier pending one as it is (it is for an older event). */
export interface Arm {
  readonly timer: TimerId;
  readonly at: number;
  readonly seq: number;
  readonly keepEarlier?: true;
}

/**
 * What a commit does to the timers. `"grace"` alone clears every seat's grace period. `turn` is
 * when the turn ends after the commit (null: no clock runs): the alarm must come no later.
 */
export interface TimerPlan {
  readonly arm: readonly Arm[];
  readonly clear: readonly (TimerId | { readonly kind: "grace" })[];
  readonly turn: number | null;
}

/** A running public match refreshes its lobby entry at most this often. */
export const DIRECTORY_REFRESH_MS = 15_000;

/** What `scheduleAfter` needs to know of a commit. */
export interface Commit {
  readonly before: MatchState;
  readonly after: MatchState;
  /** The seq after the commit. */
  readonly seq: number;
  readonly now: number;
  /** When the turn ends after the commit (engine.deadline). */
  readonly deadline: number | null;
  /** The match seats bots; `botToAct` is the seat of the bot to move now, if any. */
  readonly hasBots: boolean;
  readonly botToAct: Seat | null;
  readonly botDelayMs: number;
  /** How long an unrated game's reports wait for the series' next games (outbox ON_FINISH). */
  readonly reportDelayMs: number;
  /** People's seats with no open socket (their grace period starts with the match). */
  readonly offline: readonly Seat[];
  /** True when the match had started before this commit. */
  readonly startedBefore: boolean;
  readonly graceMs: number;
  readonly isPrivate: boolean;
  readonly rated: boolean;
  readonly spectatorDelay: SpectatorDelay | null;
  /** The tournament whose game this is (ON_FINISH tells it the result); null for any other match. */
  readonly tournamentId: string | null;
  /** When the lobby entry was last refreshed, and when a refresh is due (null: none; undefined: unknown after a wake). */
  readonly listedAt: number;
  readonly listingDue: number | null | undefined;
}

/** The facts `scheduleAfter` needs, read off the loaded match (`online`: whether a seat has a socket open). */
export function commitOf(
  loaded: Loaded,
  step: { before: MatchState; after: MatchState; seq: number; now: number },
  online: (seat: Seat) => boolean,
  extra: { botDelayMs: number; reportDelayMs: number; listedAt: number; listingDue: number | null | undefined },
): Commit {
  const bots = loaded.seats.map((row) => row.bot);
  const hasBots = bots.some((bot) => bot !== null);
  const offline = loaded.seats.filter((row) => row.bot === null && row.seat < step.after.players && !online(row.seat));
  return {
    ...loaded.config,
    ...step,
    ...extra,
    deadline: loaded.engine.deadline(step.after),
    hasBots,
    // Only a match with bots asks who acts: the hot path of a people's match skips it.
    botToAct: hasBots ? botToAct(loaded.engine, step.after, bots) : null,
    offline: offline.map((row) => row.seat),
    startedBefore: loaded.startedAt !== null,
  };
}

/** The timers a commit needs, from the match before and after it. Pure. */
export function scheduleAfter(commit: Commit): TimerPlan {
  const { before, after, now, seq } = commit;
  const started = before.status === "waiting" && after.status === "playing";
  const finished = before.status !== "finished" && after.status === "finished";
  const wasPlayed = commit.startedBefore || started;
  const arm: Arm[] = [];
  const clear: TimerPlan["clear"][number][] = [];

  // A bot to act moves on the alarm, after a pause a person can follow; the pause never costs
  // it the game: at most a fiftieth of the time it has left.
  if (commit.hasBots) {
    if (commit.botToAct === null) clear.push({ kind: "bot" });
    else {
      const left = after.clock?.remaining[commit.botToAct] ?? 0;
      arm.push({ timer: { kind: "bot" }, at: now + Math.min(commit.botDelayMs, Math.floor(left / 50)), seq });
    }
  }

  // Seats nobody is connected to yet start their grace period with the match.
  if (started && !finished) {
    for (const seat of commit.offline) arm.push({ timer: { kind: "grace", seat }, at: now + commit.graceMs, seq: 0 });
  }

  // Spectators who watch with a delay in seconds see each event when its time comes.
  const delay = commit.spectatorDelay;
  if (delay && "seconds" in delay && after.status === "playing") {
    arm.push({ timer: { kind: "spectators" }, at: now + delay.seconds * 1000, seq: 0, keepEarlier: true });
  }

  if (finished) {
    clear.push({ kind: "grace" });
    for (const [kind, due] of Object.entries(ON_FINISH) as [OutboxKind, FinishDue][]) {
      const after = due(commit);
      if (wasPlayed && after !== null) arm.push({ timer: { kind }, at: now + after, seq: 0, keepEarlier: true });
    }
  }

  // The lobby hears of starts and ends at once, of progress now and then (a refresh already
  // pending covers this move: nothing to write on the hot path).
  if (!commit.isPrivate && wasPlayed && (started || finished || typeof commit.listingDue !== "number")) {
    const at = started || finished ? now : Math.max(now, commit.listedAt + DIRECTORY_REFRESH_MS);
    arm.push({ timer: { kind: "directory" }, at: Math.min(at, commit.listingDue ?? Infinity), seq: 0 });
  }
  // The clocks say when the turn ends (a per-move limit, or the first banked clock to run out).
  return { arm, clear, turn: commit.deadline };
}

type TimerRow = { kind: string; at: number; seq: number };

const GRACE = "grace:";

/** The row key of a timer: its kind, or `grace:<seat>` (the storage format since the first schema). */
function keyOf(timer: TimerId): string {
  return timer.kind === "grace" ? `${GRACE}${timer.seat}` : timer.kind;
}

/** The timer a row holds; null for a kind this code does not know (a row left by another version). */
function fromRow(row: TimerRow): Timer | null {
  if (row.kind.startsWith(GRACE)) {
    return { kind: "grace", seat: Number(row.kind.slice(GRACE.length)), at: row.at, seq: row.seq };
  }
  const kind = TIMER_KINDS.find((known) => known === row.kind);
  // A `turn` row predates migration 4 (the turn is derived now): dropped like an unknown kind.
  return kind === undefined || kind === "grace" || kind === "turn" ? null : { kind, at: row.at, seq: row.seq };
}

/** The turn timer as derived from the match: when the turn ends and the seq it ends (null: no clock runs). */
export type TurnDeadline = () => { readonly at: number; readonly seq: number } | null;

/** The turn timer of a loaded match (none for a blank object): when the turn ends, at the current seq. */
export function turnOf(loaded: Loaded | null): { at: number; seq: number } | null {
  const at = loaded ? loaded.engine.deadline(loaded.state) : null;
  return at === null || !loaded ? null : { at, seq: loaded.seq };
}

/** The timers table and the alarm that serves it. */
export class Timers {
  readonly #storage: DurableObjectStorage;
  readonly #turn: TurnDeadline;
  /** The alarm time last set by this instance; undefined after a wake (unknown until read). */
  #alarmAt: number | null | undefined = undefined;

  constructor(storage: DurableObjectStorage, turn: TurnDeadline) {
    this.#storage = storage;
    this.#turn = turn;
  }

  get #sql(): SqlStorage {
    return this.#storage.sql;
  }

  /** Writes a plan (inside the commit's transaction); returns the earliest time it armed. */
  apply(plan: TimerPlan): number | null {
    for (const timer of plan.clear) {
      if (timer.kind === "grace" && !("seat" in timer)) this.#sql.exec("DELETE FROM timers WHERE kind LIKE 'grace:%'");
      else this.clear(timer);
    }
    let earliest: number | null = plan.turn;
    for (const { timer, at, seq, keepEarlier } of plan.arm) {
      if (keepEarlier) this.armOnce(timer, at, seq);
      else this.arm(timer, at, seq);
      earliest = earliest === null ? at : Math.min(earliest, at);
    }
    return earliest;
  }

  /** Arms (or moves) a timer. */
  arm(timer: TimerId, at: number, seq = 0): void {
    // An upsert updates the row in place (REPLACE would delete it and insert a new one, index entry included).
    this.#sql.exec(
      "INSERT INTO timers (kind, at, seq) VALUES (?, ?, ?) ON CONFLICT (kind) DO UPDATE SET at = excluded.at, seq = excluded.seq",
      keyOf(timer),
      at,
      seq,
    );
  }

  /**
   * Arms a timer unless it is pending already. A seat's grace period runs once per
   * disconnection: the runtime may report a socket closed again after heartbeats.ts closed it
   * for silence, and that must not put the forfeit off.
   */
  armOnce(timer: TimerId, at: number, seq = 0): void {
    this.#sql.exec("INSERT OR IGNORE INTO timers (kind, at, seq) VALUES (?, ?, ?)", keyOf(timer), at, seq);
  }

  clear(timer: TimerId): void {
    this.#sql.exec("DELETE FROM timers WHERE kind = ?", keyOf(timer));
  }

  /**
   * The series' next game starts here: the old game's play timers go (bot, spectators, grace
   * periods, the rematch retry); its outbox deliveries and the heartbeat watch stay.
   */
  newGame(): void {
    this.#sql.exec("DELETE FROM timers WHERE kind IN ('bot', 'spectators', 'rematch') OR kind LIKE 'grace:%'");
  }

  /** Removes a timer that has fired, unless it was re-armed for another time meanwhile. */
  done(timer: Timer): void {
    // The turn has no row: it is derived from the match.
    if (timer.kind === "turn") return;
    this.#sql.exec("DELETE FROM timers WHERE kind = ? AND at = ?", keyOf(timer), timer.at);
  }

  /** Puts off a timer whose work failed, if it is still there. */
  retry(timer: Timer, at: number): void {
    this.#sql.exec("UPDATE timers SET at = ? WHERE kind = ?", at, keyOf(timer));
  }

  /** The timers due at `now`, earliest first (the turn's first). A due row of an unknown kind would never act: it is dropped. */
  due(now: number): Timer[] {
    const turn = this.#turn();
    const due: Timer[] = turn !== null && turn.at <= now ? [{ kind: "turn", ...turn }] : [];
    const rows = this.#sql.exec<TimerRow>("SELECT kind, at, seq FROM timers WHERE at <= ? ORDER BY at", now).toArray();
    for (const row of rows) {
      const timer = fromRow(row);
      if (timer) due.push(timer);
      else this.#sql.exec("DELETE FROM timers WHERE kind = ? AND at = ?", row.kind, row.at);
    }
    return due;
  }

  /** True while a timer of this kind waits. */
  pending(timer: TimerId): boolean {
    return this.at(timer) !== null;
  }

  /** When a timer is due; null when none waits. */
  at(timer: TimerId): number | null {
    return (
      this.#sql.exec<{ at: number }>("SELECT at FROM timers WHERE kind = ?", keyOf(timer)).toArray()[0]?.at ?? null
    );
  }

  /** When each seat in its grace period forfeits. */
  graceEnds(): Map<Seat, number> {
    return new Map(
      this.#sql
        .exec<TimerRow>("SELECT kind, at, seq FROM timers WHERE kind LIKE 'grace:%'")
        .toArray()
        .map((row) => [Number(row.kind.slice(GRACE.length)), row.at]),
    );
  }

  /** The alarm has just fired: none is armed until this handler arms one. */
  fired(): void {
    this.#alarmAt = null;
  }

  /**
   * Keeps the single alarm no later than the earliest timer. An alarm that comes too early is
   * harmless (it finds nothing due and re-arms), so a move that only pushes the turn deadline
   * later costs no storage write: `written` is the earliest timer the caller just wrote (null:
   * it wrote none), and when the alarm is already at or before it nothing needs doing.
   * `later`: the caller removed the earliest timer, and an early alarm would wake a hibernated
   * object for nothing (a player back before their grace period ended, say).
   */
  async sync(written?: number | null, later = false): Promise<void> {
    // After a wake the armed time is read once (a read, not a billed write like setAlarm).
    if (this.#alarmAt === undefined) this.#alarmAt = await this.#storage.getAlarm();
    const armed = this.#alarmAt;
    if (written !== undefined && typeof armed === "number" && (written === null || armed <= written)) return;
    const row = this.#sql.exec<{ at: number | null }>("SELECT min(at) AS at FROM timers").one().at;
    const turn = this.#turn()?.at ?? null;
    const next = row === null ? turn : turn === null ? row : Math.min(row, turn);
    if (next === null) {
      if (armed === null) return;
      this.#alarmAt = null;
      await this.#storage.deleteAlarm();
      return;
    }
    if (typeof armed === "number" && (later ? armed === next : armed <= next)) return;
    this.#alarmAt = next;
    await this.#storage.setAlarm(next);
  }
}
