/**
 * Player.recordMatch: Glicko-2 ratings from match reports, duplicates ignored, match history.
 */
import { describe, expect, it } from "vitest";
import { INITIAL_RATING, rated } from "../../server/ratings.ts";
import {
  createPlayer,
  GAME,
  outboxOf,
  player,
  profileOf,
  recordHeld,
  reportFor,
  type Side,
} from "./players-helpers.ts";

describe("Player.recordMatch", () => {
  async function twoPlayers() {
    const [a, b] = await Promise.all([createPlayer("Ada"), createPlayer("Brian")]);
    const ada: Side = { pid: a.playerId, name: "Ada", seat: 0, rating: INITIAL_RATING };
    const brian: Side = { pid: b.playerId, name: "Brian", seat: 1, rating: INITIAL_RATING };
    return { ada, brian };
  }

  it("rates a win and the matching loss exactly as Glicko-2 does, and records both sides", async () => {
    const { ada, brian } = await twoPlayers();
    const won = reportFor(ada, brian, 1);
    await recordHeld(ada.pid, won);
    await recordHeld(brian.pid, reportFor(brian, ada, 0, { matchId: won.matchId, finishedAt: won.finishedAt }));

    const winner = rated(INITIAL_RATING, [{ opponent: INITIAL_RATING, score: 1 }]);
    const loser = rated(INITIAL_RATING, [{ opponent: INITIAL_RATING, score: 0 }]);
    expect(winner.rating).toBeGreaterThan(INITIAL_RATING.rating);
    expect(await player(ada.pid).rating(GAME)).toEqual(winner);
    expect(await player(brian.pid).rating(GAME)).toEqual(loser);

    const profile = await profileOf(ada.pid);
    expect(profile.ratings).toEqual({ [GAME]: { ...winner, games: 1 } });
    expect(profile.recent).toEqual([
      {
        matchId: won.matchId,
        gameId: GAME,
        finishedAt: won.finishedAt,
        seat: 0,
        outcome: "win",
        reason: "line",
        rated: true,
        // Who sat where, without the ratings and scores the report carried; the key is playerId
        // as everywhere else (http-api.md once said pid: issue 14).
        opponents: [{ playerId: brian.pid, name: "Brian", seat: 1 }],
        ratingBefore: INITIAL_RATING,
        ratingAfter: winner,
      },
    ]);
    expect((await profileOf(brian.pid)).recent[0]).toMatchObject({ outcome: "loss", seat: 1, ratingAfter: loser });
  });

  it("rates the next match from the rating the last one left", async () => {
    const { ada, brian } = await twoPlayers();
    await recordHeld(ada.pid, reportFor(ada, brian, 1));
    const afterOne = rated(INITIAL_RATING, [{ opponent: INITIAL_RATING, score: 1 }]);
    await recordHeld(ada.pid, reportFor(ada, brian, 0.5));
    const afterTwo = rated(afterOne, [{ opponent: INITIAL_RATING, score: 0.5 }]);
    expect((await profileOf(ada.pid)).ratings[GAME]).toEqual({ ...afterTwo, games: 2 });
  });

  it("changes nothing when the same report is delivered twice", async () => {
    const { ada, brian } = await twoPlayers();
    const report = reportFor(ada, brian, 1);
    await recordHeld(ada.pid, report);
    const once = await profileOf(ada.pid);
    const queued = await outboxOf(ada.pid);
    await recordHeld(ada.pid, report);
    const twice = await profileOf(ada.pid);
    expect(twice).toEqual(once);
    expect(twice.ratings[GAME]?.games).toBe(1);
    expect(twice.recent).toHaveLength(1);
    expect((await outboxOf(ada.pid)).rows).toEqual(queued.rows);
  });

  it.each([
    { case: "an unrated match", extra: { rated: false } },
    { case: "an aborted rated match", extra: { outcome: "aborted", reason: "abandoned" } as const },
  ])("records $case without touching ratings or the leaderboard", async ({ extra }) => {
    const { ada, brian } = await twoPlayers();
    const report = reportFor(ada, brian, 1, extra);
    // Over RPC, as a Match calls it; nothing is queued, so no alarm can race the test.
    await player(ada.pid).recordMatch(report);
    const profile = await profileOf(ada.pid);
    expect(profile.ratings).toEqual({});
    expect(profile.recent).toHaveLength(1);
    expect(profile.recent[0]).toMatchObject({
      matchId: report.matchId,
      rated: report.rated,
      outcome: report.outcome,
      ratingBefore: null,
      ratingAfter: null,
    });
    expect(await player(ada.pid).rating(GAME)).toEqual(INITIAL_RATING);
    expect(await outboxOf(ada.pid)).toEqual({ alarm: null, rows: [] });
  });

  it("lists the 20 newest matches, newest first", async () => {
    const { ada, brian } = await twoPlayers();
    const reports = Array.from({ length: 22 }, (_, i) =>
      reportFor(ada, brian, 1, { rated: false, finishedAt: 1_000_000 + i }),
    );
    for (const report of reports) await player(ada.pid).recordMatch(report);
    const recent = (await profileOf(ada.pid)).recent;
    expect(recent.map((record) => record.matchId)).toEqual(
      reports
        .slice(2)
        .reverse()
        .map((report) => report.matchId),
    );
  });
});
