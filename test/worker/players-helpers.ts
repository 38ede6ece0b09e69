/**
 * Shared by the players-*.test.ts files: creating players, match reports, holding and running
 * a Player's alarm, a leaderboard that refuses updates, and reading a Player's outbox and tables.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import type { MatchReport } from "../../server/contracts.ts";
import type { Leaderboard, LeaderboardPage } from "../../server/leaderboard.ts";
import type { Player, PlayerProfile } from "../../server/player.ts";
import type { Rating } from "../../server/ratings.ts";
import { api } from "./helpers.ts";

export type ErrorBody = { error: { code: string; message: string } };
export type CreatedPlayer = { playerId: string; name: string; token: string };
export type OutboxRow = { game_id: string; seq: number; attempts: number; due_at: number };
/** A Player's outbox: the standings of its ratings rows still to be sent to a leaderboard. */
export const OUTBOX = "SELECT game_id, seq, attempts, due_at FROM ratings WHERE due_at IS NOT NULL";

export const GAME = "tic-tac-toe";
/** Far enough ahead that the platform never fires a held alarm while a test runs. */
export const HOLD_MS = 60 * 60 * 1000;

/** A client address of its own, so the per-address creation limit never couples tests. */
export function address(): string {
  return `test-${crypto.randomUUID()}`;
}

export async function createPlayer(name: string): Promise<CreatedPlayer> {
  const created = await api<CreatedPlayer>("/api/players", {
    body: { name },
    headers: { "cf-connecting-ip": address() },
  });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

export function player(pid: string) {
  return env.Player.getByName(pid);
}

export async function profileOf(pid: string): Promise<PlayerProfile> {
  const response = await api<PlayerProfile>(`/api/players/${pid}`);
  expect(response.status).toBe(200);
  return response.body;
}

/** One side of a two-player match, as the Match knows it when the match ends. */
export interface Side {
  readonly pid: string;
  readonly name: string;
  readonly seat: number;
  readonly rating: Rating;
}

/** What a Match reports to `me` after a match against `them`; `score` is mine. */
export function reportFor(me: Side, them: Side, score: 0 | 0.5 | 1, extra: Partial<MatchReport> = {}): MatchReport {
  return {
    matchId: `m-${crypto.randomUUID()}`,
    gameId: GAME,
    finishedAt: Date.now(),
    rated: true,
    seat: me.seat,
    outcome: score === 1 ? "win" : score === 0 ? "loss" : "draw",
    reason: "line",
    opponents: [{ pid: them.pid, name: them.name, seat: them.seat, rating: them.rating, score }],
    ...extra,
  };
}

/**
 * Records a match inside the Player and pushes the alarm it set an hour out before the platform
 * can fire it, so the test decides when the outbox is sent. Returns the alarm time recordMatch set.
 */
export async function recordHeld(pid: string, report: MatchReport): Promise<number | null> {
  return recordBatchHeld(pid, [report]);
}

/** `recordHeld` for `recordMatches`: one batch of reports, the alarm it set held an hour out. */
export async function recordBatchHeld(pid: string, reports: readonly MatchReport[]): Promise<number | null> {
  return runInDurableObject(player(pid), async (instance: Player, state) => {
    if (reports.length === 1 && reports[0]) await instance.recordMatch(reports[0]);
    else await instance.recordMatches(reports);
    const armed = await state.storage.getAlarm();
    if (armed !== null) await state.storage.setAlarm(Date.now() + HOLD_MS);
    return armed;
  });
}

/** Runs the Player's alarm now (as runDurableObjectAlarm does), then holds whatever alarm it left. */
export async function runAlarmHeld(pid: string) {
  return runInDurableObject(player(pid), async (instance: Player, state) => {
    const started = Date.now();
    await state.storage.deleteAlarm();
    await instance.alarm();
    const after = {
      started,
      alarm: await state.storage.getAlarm(),
      outbox: state.storage.sql.exec<OutboxRow>(OUTBOX).toArray(),
      now: Date.now(),
    };
    if (after.alarm !== null) await state.storage.setAlarm(Date.now() + HOLD_MS);
    return after;
  });
}

/**
 * Makes every leaderboard a Player calls refuse its updates (down) or reach the real objects
 * again. The Player reads `this.env` at each send, so the stand-in lasts while the object stays
 * in memory, which it does for the length of a test.
 */
export async function boardDown(pid: string, down: boolean): Promise<void> {
  await runInDurableObject(player(pid), (instance: Player) => {
    const real: Env = realEnvs.get(instance) ?? Reflect.get(instance, "env");
    realEnvs.set(instance, real);
    const refusing = { getByName: () => ({ upsert: () => Promise.reject(new Error("board down")) }) };
    const value = down ? { ...real, Leaderboard: refusing } : real;
    Object.defineProperty(instance, "env", { value, configurable: true, writable: true });
  });
}
export const realEnvs = new WeakMap<Player, Env>();

/** Time passes for a Player: its queued updates become due. */
export async function makeDue(pid: string): Promise<void> {
  await runInDurableObject(player(pid), (_instance: Player, state) => {
    state.storage.sql.exec("UPDATE ratings SET due_at = ? WHERE due_at IS NOT NULL", Date.now() - 1);
  });
}

export async function outboxOf(pid: string) {
  return runInDurableObject(player(pid), async (_instance: Player, state) => ({
    alarm: await state.storage.getAlarm(),
    rows: state.storage.sql.exec<OutboxRow>(OUTBOX).toArray(),
  }));
}

export async function tablesOf(pid: string): Promise<string[]> {
  return runInDurableObject(player(pid), (_instance: Player, state) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master")
      .toArray()
      .map((row) => row.name),
  );
}

/** Empties a game's board: the board outlives single tests. */
export async function clearBoard(gameId: string): Promise<void> {
  await runInDurableObject(env.Leaderboard.getByName(gameId), (_instance: Leaderboard, state) => {
    state.storage.sql.exec("DELETE FROM entries");
  });
}

export async function board(query = ""): Promise<LeaderboardPage> {
  const response = await api<LeaderboardPage>(`/api/leaderboard/${GAME}${query}`);
  expect(response.status).toBe(200);
  return response.body;
}
