/**
 * Player.recordMatches: several finished matches in one transaction, in order, each once.
 */
import { describe, expect, it } from "vitest";
import { INITIAL_RATING, rated } from "../../server/ratings.ts";
import {
  createPlayer,
  GAME,
  outboxOf,
  profileOf,
  recordBatchHeld,
  recordHeld,
  reportFor,
  type Side,
} from "./players-helpers.ts";

async function twoPlayers() {
  const [a, b] = await Promise.all([createPlayer("Ada"), createPlayer("Brian")]);
  const ada: Side = { pid: a.playerId, name: "Ada", seat: 0, rating: INITIAL_RATING };
  const brian: Side = { pid: b.playerId, name: "Brian", seat: 1, rating: INITIAL_RATING };
  return { ada, brian };
}

describe("Player.recordMatches", () => {
  it("records every report of a batch, two unrated and one rated, and queues the rated one's standing", async () => {
    const { ada, brian } = await twoPlayers();
    const reports = [
      reportFor(ada, brian, 1, { rated: false, finishedAt: 1_000 }),
      reportFor(ada, brian, 0, { finishedAt: 2_000 }),
      reportFor(ada, brian, 0.5, { rated: false, finishedAt: 3_000 }),
    ];
    const armed = await recordBatchHeld(ada.pid, reports);

    const profile = await profileOf(ada.pid);
    const lost = rated(INITIAL_RATING, [{ opponent: INITIAL_RATING, score: 0 }]);
    expect(profile.ratings).toEqual({ [GAME]: { ...lost, games: 1 } });
    expect(profile.recent.map((record) => [record.matchId, record.rated, record.outcome])).toEqual([
      [reports[2]?.matchId, false, "draw"],
      [reports[1]?.matchId, true, "loss"],
      [reports[0]?.matchId, false, "win"],
    ]);
    expect(profile.recent[1]).toMatchObject({ ratingBefore: INITIAL_RATING, ratingAfter: lost });
    expect(armed).not.toBeNull();
    expect((await outboxOf(ada.pid)).rows).toMatchObject([{ game_id: GAME, seq: 1, attempts: 0 }]);
  });

  it("changes nothing when the same batch is delivered again", async () => {
    const { ada, brian } = await twoPlayers();
    const reports = [reportFor(ada, brian, 1), reportFor(ada, brian, 0, { rated: false }), reportFor(ada, brian, 0.5)];
    await recordBatchHeld(ada.pid, reports);
    const once = await profileOf(ada.pid);
    const queued = await outboxOf(ada.pid);

    await recordBatchHeld(ada.pid, reports);
    expect(await profileOf(ada.pid)).toEqual(once);
    expect(once.ratings[GAME]?.games).toBe(2);
    expect(once.recent).toHaveLength(3);
    expect((await outboxOf(ada.pid)).rows).toEqual(queued.rows);
  });

  it("records only the reports not recorded before, in a batch that repeats one", async () => {
    const { ada, brian } = await twoPlayers();
    const [first, second, third] = [reportFor(ada, brian, 1), reportFor(ada, brian, 0), reportFor(ada, brian, 1)];
    await recordHeld(ada.pid, first);
    const afterFirst = rated(INITIAL_RATING, [{ opponent: INITIAL_RATING, score: 1 }]);

    // The repeat comes first and again inside the batch: neither counts a second time.
    await recordBatchHeld(ada.pid, [first, second, first, third]);
    const afterSecond = rated(afterFirst, [{ opponent: INITIAL_RATING, score: 0 }]);
    const afterThird = rated(afterSecond, [{ opponent: INITIAL_RATING, score: 1 }]);
    const profile = await profileOf(ada.pid);
    expect(profile.ratings).toEqual({ [GAME]: { ...afterThird, games: 3 } });
    expect(profile.recent.map((record) => record.matchId).sort()).toEqual(
      [first.matchId, second.matchId, third.matchId].sort(),
    );
    const recorded = new Map(profile.recent.map((record) => [record.matchId, record]));
    expect(recorded.get(first.matchId)).toMatchObject({ ratingBefore: INITIAL_RATING, ratingAfter: afterFirst });
    expect(recorded.get(third.matchId)).toMatchObject({ ratingBefore: afterSecond, ratingAfter: afterThird });
  });

  it("leaves the same ratings and records as the same reports recorded one at a time", async () => {
    const [{ ada, brian }, { ada: cleo }] = await Promise.all([twoPlayers(), twoPlayers()]);
    const stronger = { ...brian, rating: { rating: 1700, rd: 80, vol: 0.06 } };
    const reports = [
      reportFor(ada, brian, 1, { finishedAt: 1_000 }),
      reportFor(ada, stronger, 0.5, { finishedAt: 2_000 }),
      reportFor(ada, brian, 0, { rated: false, finishedAt: 3_000 }),
      reportFor(ada, stronger, 1, { finishedAt: 4_000 }),
      reportFor(ada, brian, 0, { gameId: "connect-four", finishedAt: 5_000 }),
    ];
    await recordBatchHeld(ada.pid, reports);
    for (const report of reports) await recordHeld(cleo.pid, report);

    const [batched, single] = await Promise.all([profileOf(ada.pid), profileOf(cleo.pid)]);
    expect(batched.ratings).toEqual(single.ratings);
    expect(batched.ratings[GAME]?.games).toBe(3);
    expect(batched.recent).toEqual(single.recent);
  });
});
