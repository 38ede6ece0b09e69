import { describe, expect, it } from "vitest";
import {
  arenaPoints,
  scoreGame,
  standings,
  type GameScore,
  type StandingEntrant,
  type StandingGame,
} from "../../server/tournament/scoring.ts";

const entrant = (pid: string, rating: number, order: number): StandingEntrant => ({
  pid,
  name: pid,
  rating,
  order,
  state: "active",
  playing: null,
});

let clock = 0;
/** A finished game, ended after every game made before it. */
const game = (p0: string, p1: string, score0: GameScore): StandingGame => ({
  matchId: `m${++clock}`,
  p0,
  p1,
  score0,
  endedAt: clock,
});

describe("arena points", () => {
  it.each([
    { streak: 0, result: 1, points: 2, after: 1 },
    { streak: 1, result: 1, points: 2, after: 2 },
    // Two wins in a row: the next win counts double, and so on until a game is not won.
    { streak: 2, result: 1, points: 4, after: 3 },
    { streak: 5, result: 1, points: 4, after: 6 },
    { streak: 3, result: 0.5, points: 1, after: 0 },
    { streak: 3, result: 0, points: 0, after: 0 },
    { streak: 0, result: 0.5, points: 1, after: 0 },
  ] as const)("a result of $result on a streak of $streak is worth $points (streak $after after)", (row) => {
    expect(arenaPoints(row.streak, row.result)).toEqual({ points: row.points, streak: row.after });
  });

  it("folds a run of results: W W W L W W W D W is 2+2+4+0+2+2+4+1+2 = 19", () => {
    const results: GameScore[] = [1, 1, 1, 0, 1, 1, 1, 0.5, 1];
    const tally = results.reduce((sum, result) => scoreGame("arena", sum, result), { score: 0, streak: 0 });
    expect(tally).toEqual({ score: 19, streak: 1 });
  });
});

describe("arena standings", () => {
  it("match a hand-computed table: scores with streaks, performance, Buchholz and Sonneborn–Berger", () => {
    const entrants = [entrant("A", 1500, 1), entrant("B", 1600, 2), entrant("C", 1400, 3)];
    const games = [
      game("A", "B", 1), // A 2 (streak 1)
      game("A", "C", 1), // A 2 (streak 2)
      game("B", "C", 0.5), // B 1, C 1
      game("A", "B", 1), // A 4: on a streak
      game("C", "A", 1), // C 2; A's streak ends
    ];
    const rows = standings("arena", entrants, games, []);
    expect(
      rows.map(
        ({ rank, playerId, score, games, wins, draws, losses, streak, performance, buchholz, sonnebornBerger }) => ({
          rank,
          playerId,
          score,
          games,
          wins,
          draws,
          losses,
          streak,
          performance,
          buchholz,
          sonnebornBerger,
        }),
      ),
    ).toEqual([
      // Opponents 1600, 1400, 1600, 1400: 1500 + 400 × (3 − 1) / 4 = 1700.
      {
        rank: 1,
        playerId: "A",
        score: 8,
        games: 4,
        wins: 3,
        draws: 0,
        losses: 1,
        streak: 0,
        performance: 1700,
        buchholz: 1 + 3 + 1 + 3,
        sonnebornBerger: 1 + 3 + 1,
      },
      // (1500 + 1600 + 1500) / 3 + 0 = 1533.33…; Buchholz 8 + 1 + 8; SB ½ × 1 + 8.
      {
        rank: 2,
        playerId: "C",
        score: 3,
        games: 3,
        wins: 1,
        draws: 1,
        losses: 1,
        streak: 1,
        performance: 1533,
        buchholz: 17,
        sonnebornBerger: 8.5,
      },
      // (1500 + 1400 + 1500) / 3 − 400 × 2 / 3 = 1200.
      {
        rank: 3,
        playerId: "B",
        score: 1,
        games: 3,
        wins: 0,
        draws: 1,
        losses: 2,
        streak: 0,
        performance: 1200,
        buchholz: 19,
        sonnebornBerger: 1.5,
      },
    ]);
  });

  it("breaks equal scores by performance, then fewer games, then who joined first; no game at all ranks last", () => {
    const entrants = [
      entrant("D", 1500, 1),
      entrant("E", 1500, 2),
      entrant("F", 1900, 3),
      entrant("G", 1300, 4),
      entrant("H", 1500, 5),
    ];
    const rows = standings("arena", entrants, [game("D", "F", 1), game("E", "G", 1)], []);
    // D and E have 2; D beat a 1900 (performance 2300), E a 1300 (1700). F and G: 0 with 1100 each; F joined first.
    expect(rows.map((row) => [row.playerId, row.score, row.performance])).toEqual([
      ["D", 2, 2300],
      ["E", 2, 1700],
      ["F", 0, 1100],
      ["G", 0, 1100],
      ["H", 0, null],
    ]);
  });

  it("leaves out games that did not count (aborted, or still running)", () => {
    const entrants = [entrant("A", 1500, 1), entrant("B", 1500, 2)];
    const rows = standings(
      "arena",
      entrants,
      [
        { matchId: "x", p0: "A", p1: "B", score0: null, endedAt: 5 },
        { matchId: "y", p0: "A", p1: "B", score0: null, endedAt: null },
      ],
      [],
    );
    expect(rows.map((row) => [row.playerId, row.score, row.games])).toEqual([
      ["A", 0, 0],
      ["B", 0, 0],
    ]);
  });
});

describe("Swiss standings", () => {
  it("match a hand-computed table of five players and three rounds with byes", () => {
    const entrants = [
      entrant("P1", 2000, 1),
      entrant("P2", 1900, 2),
      entrant("P3", 1800, 3),
      entrant("P4", 1700, 4),
      entrant("P5", 1600, 5),
    ];
    const games = [
      game("P1", "P3", 1), // round 1; P5 has the bye
      game("P2", "P4", 0.5),
      game("P1", "P5", 1), // round 2; P4 has the bye
      game("P2", "P3", 0),
      game("P1", "P2", 0.5), // round 3; P5 has the bye
      game("P3", "P4", 0),
    ];
    const rows = standings("swiss", entrants, games, ["P5", "P4", "P5"]);
    expect(
      rows.map(({ rank, playerId, score, byes, buchholz, sonnebornBerger }) => ({
        rank,
        playerId,
        score,
        byes,
        buchholz,
        sonnebornBerger,
      })),
    ).toEqual([
      // P1 and P4 both 2½: Buchholz 1 + 2 + 1 = 4 beats 1 + 1 = 2.
      { rank: 1, playerId: "P1", score: 2.5, byes: 0, buchholz: 4, sonnebornBerger: 1 + 2 + 0.5 },
      { rank: 2, playerId: "P4", score: 2.5, byes: 1, buchholz: 2, sonnebornBerger: 0.5 + 1 },
      // A bye scores a win and adds nothing to the tie-breaks.
      { rank: 3, playerId: "P5", score: 2, byes: 2, buchholz: 2.5, sonnebornBerger: 0 },
      // P2 and P3 both 1 with Buchholz 6: Sonneborn–Berger 1.25 + 1.25 beats 1.
      { rank: 4, playerId: "P2", score: 1, byes: 0, buchholz: 6, sonnebornBerger: 2.5 },
      { rank: 5, playerId: "P3", score: 1, byes: 0, buchholz: 6, sonnebornBerger: 1 },
    ]);
  });

  it("breaks a full tie by rating, then by who joined first", () => {
    const rows = standings("swiss", [entrant("X", 1500, 1), entrant("Y", 1600, 2), entrant("Z", 1500, 0)], [], []);
    expect(rows.map((row) => row.playerId)).toEqual(["Y", "Z", "X"]);
  });
});
