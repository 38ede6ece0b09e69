/**
 * Chess through the engine: the flag rule, JSON round trips and replay, immutability, and random
 * legal games cross-checked against chess.js on its own.
 */
import { Chess } from "chess.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEngine, type MatchState } from "../../shared/engine.ts";
import type { MatchResult } from "../../shared/game.ts";
import type { MatchEvent } from "../../shared/events.ts";
import { chess, chessTurn } from "../../shared/games/chess.ts";
import { deepFreeze } from "./helpers.ts";
import { draw, engine, fromFen, game, play, START, started, win } from "./chess-helpers.ts";

describe("running out of time", () => {
  const flag = (state: MatchState): MatchResult | null => {
    const event = engine.timeout(state);
    if (!event) throw new Error("no timeout while playing");
    return engine.apply(state, event).result;
  };

  it.each([
    {
      name: "White flags at the start",
      fen: "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1",
      result: win(1, "timeout"),
    },
    { name: "Black flags against a queen", fen: "4k3/8/8/8/8/8/8/4K2Q b - - 0 1", result: win(0, "timeout") },
    { name: "Black flags against two knights", fen: "4k3/8/8/8/8/8/8/1N2K1N1 b - - 0 1", result: win(0, "timeout") },
    { name: "White flags against a lone pawn", fen: "4k3/4p3/8/8/8/8/8/4K3 w - - 0 1", result: win(1, "timeout") },
    {
      name: "White flags against a bare king",
      fen: "4k3/8/8/8/8/8/3PPP2/4KQ2 w - - 0 1",
      result: draw("timeout-vs-insufficient-material"),
    },
    // A lone minor piece mates only with the loser's own men in the way: a win when there are some
    // (against a bare king the position is drawn already, before any flag).
    {
      name: "White, with pawns, flags against king and bishop",
      fen: "4kb2/8/8/8/8/8/PPPP4/4K3 w - - 0 1",
      result: win(1, "timeout"),
    },
    {
      name: "Black, with pawns, flags against king and knight",
      fen: "4k3/pppp4/8/8/8/8/8/4KN2 b - - 0 1",
      result: win(0, "timeout"),
    },
    {
      name: "Black, with a queen, flags against king and knight",
      fen: "3qk3/8/8/8/8/8/8/4KN2 b - - 0 1",
      result: win(0, "timeout"),
    },
  ])("$name: $result.reason", ({ fen, result }) => {
    expect(flag(fromFen(fen))).toEqual(result);
  });

  it("draws when both seats are flagged at once (which the engine never does for chess)", () => {
    expect(chess.onFlag?.(game(started()), [0, 1])).toEqual(draw("timeout"));
  });
});

describe("state and replay", () => {
  const GAME = [
    "e4",
    "c5",
    "Nf3",
    "d6",
    "d4",
    "cxd4",
    "Nxd4",
    "Nf6",
    "Nc3",
    "a6",
    "Be3",
    "e5",
    "Nb3",
    "Be6",
    "f3",
    "Be7",
    "Qd2",
    "O-O",
    "O-O-O",
  ];

  it("round-trips its state through JSON and replays its log to the live state at every point", () => {
    const { state, events } = play(started(), GAME);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    const log: MatchEvent[] = [START, ...events];
    const stored = JSON.parse(JSON.stringify(log)) as MatchEvent[];
    expect(engine.replay(stored)).toEqual(state);
    expect(createEngine(chess, {}, "another seed").replay(stored).game).toEqual(state.game);
    for (let n = 1; n <= GAME.length; n++) {
      expect(engine.replay(stored.slice(0, n + 1))).toEqual(play(started(), GAME.slice(0, n)).state);
    }
  });

  it("never mutates a deeply frozen state when checking or applying", () => {
    const { state } = play(started(), GAME.slice(0, 6));
    const before = structuredClone(state);
    deepFreeze(state);
    for (const move of [...chess.legalMoves(game(state), 0), "Qxd4", "e5", "O-O", "x"]) {
      if (engine.check(state, 0, move).ok) engine.apply(state, { kind: "move", seat: 0, move, id: "x" });
    }
    engine.apply(state, engine.timeout(state)!);
    expect(state).toEqual(before);
  });
});

describe("random legal games", () => {
  const files = "abcdefgh";
  const square = fc
    .tuple(fc.constantFrom(...files), fc.integer({ min: 1, max: 8 }))
    .map(([file, rank]) => `${file}${rank}`);
  const uciLike = fc
    .tuple(square, square, fc.constantFrom("", "q", "r", "b", "n"))
    .map(([from, to, promotion]) => `${from}${to}${promotion}`);
  const sanLike = fc
    .tuple(
      fc.constantFrom("", "K", "Q", "R", "B", "N"),
      fc.constantFrom("", ...files),
      fc.constantFrom("", "x"),
      square,
      fc.constantFrom("", "=Q", "=N", "+"),
    )
    .map((parts) => parts.join(""));
  const junk = fc.oneof(uciLike, sanLike, fc.string({ maxLength: 12 }), fc.constantFrom("O-O", "O-O-O", "0-0"));

  /** chess.js on its own: every legal move in UCI (an oracle for legalMoves). */
  const oracle = (fen: string): string[] =>
    new Chess(fen)
      .moves({ verbose: true })
      .map((move) => move.lan)
      .sort();

  it("never throw, list only moves the engine accepts, and refuse what they do not list", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { minLength: 1, maxLength: 80 }),
        fc.array(junk, { minLength: 80, maxLength: 80 }),
        (choices, tries) => {
          let state = started();
          const events: MatchEvent[] = [START];
          for (const [ply, choice] of choices.entries()) {
            const seats = engine.activeSeats(state);
            expect(seats.length === 0).toBe(state.result !== null);
            const [seat] = seats;
            if (seat === undefined) break;
            expect(seat).toBe(chessTurn(game(state)));
            expect(chess.legalMoves(game(state), 1 - seat)).toEqual([]);
            const moves = chess.legalMoves(game(state), seat);
            expect([...moves].sort()).toEqual(oracle(game(state).fen));
            for (const move of moves) expect(engine.check(state, seat, move)).toEqual({ ok: true, value: move });
            // A string not listed is refused, or (in SAN) names one of the listed moves.
            const attempt = tries[ply]!;
            const checked = engine.check(state, seat, attempt);
            if (checked.ok) {
              const after = engine.apply(state, { kind: "move", seat, move: attempt, id: "t" });
              expect(moves).toContain(game(after).last?.uci);
            } else if (/^[a-h][1-8][a-h][1-8][qrbn]?$/.test(attempt)) {
              expect(moves).not.toContain(attempt);
              expect(checked.error.code).toBe("illegal");
            }
            const event: MatchEvent = { kind: "move", seat, move: moves[choice % moves.length]!, id: `m${ply}` };
            state = engine.apply(state, event);
            events.push(event);
            expect(JSON.parse(JSON.stringify(state.game))).toEqual(state.game);
          }
          expect(state.moves).toBe(events.length - 1);
          expect(engine.replay(events)).toEqual(state);
        },
      ),
      { numRuns: 12 },
    );
  });
});
