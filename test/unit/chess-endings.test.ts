/**
 * Chess through the engine: perft counts against the published figures, and every way a game
 * ends reached by played moves.
 */
import { describe, expect, it } from "vitest";
import type { MatchState } from "../../shared/engine.ts";
import { chess, chessStateFromFen } from "../../shared/games/chess.ts";
import { draw, engine, fromFen, game, play, refusal, started, win } from "./chess-helpers.ts";

describe("perft through the game's legalMoves and the engine's apply", () => {
  /** Leaf count at `depth`: legalMoves at the last ply, every move before it checked and applied by the engine. */
  function perft(state: MatchState, depth: number): number {
    const [seat] = engine.activeSeats(state);
    if (seat === undefined) return 0;
    const moves = chess.legalMoves(game(state), seat);
    if (depth === 1) return moves.length;
    let leaves = 0;
    for (const move of moves) leaves += perft(engine.apply(state, { kind: "move", seat, move, id: "p" }), depth - 1);
    return leaves;
  }

  // Published figures: https://www.chessprogramming.org/Perft_Results
  it.each([
    {
      name: "the initial position",
      fen: "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1",
      counts: [20, 400, 8902],
    },
    {
      name: "Kiwipete (castling, en passant, promotion, pins)",
      fen: "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1",
      counts: [48, 2039, 97862],
    },
    {
      name: "position 3 (en passant out of a pin, rook endgame)",
      fen: "8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - - 0 1",
      counts: [14, 191, 2812],
    },
    {
      name: "position 4 (promotions, checks, castling black)",
      fen: "r3k2r/Pppp1ppp/1b3nbN/nP6/BBP1P3/q4N2/Pp1P2PP/R2Q1RK1 w kq - 0 1",
      counts: [6, 264, 9467],
    },
    {
      name: "position 5 (promotion with capture and check)",
      fen: "rnbq1k1r/pp1Pbppp/2p5/8/2B5/8/PPP1NnPP/RNBQK2R w KQ - 1 8",
      counts: [44, 1486, 62379],
    },
  ])("matches the published counts at depths 1–3 from $name", ({ fen, counts }) => {
    const state = fromFen(fen);
    expect(counts.map((_, index) => perft(state, index + 1))).toEqual(counts);
  });

  it("starts from the initial position with White (seat 0) to move", () => {
    const state = started();
    expect(game(state)).toEqual({
      fen: "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1",
      repetitions: { "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq -": 1 },
      last: null,
      check: false,
      ended: null,
    });
    expect(engine.activeSeats(state)).toEqual([0]);
    expect(chess.legalMoves(game(state), 1)).toEqual([]);
  });
});

describe("how a game ends", () => {
  it("gives Black the win by checkmate after fool's mate", () => {
    const { state } = play(started(), ["f3", "e5", "g4", "Qh4#"]);
    expect(state.result).toEqual(win(1, "checkmate"));
    expect(state.status).toBe("finished");
    expect(game(state).ended).toEqual({ kind: "checkmate", winner: 1 });
    expect(game(state).last).toEqual({ uci: "d8h4", san: "Qh4#", from: "d8", to: "h4" });
    expect(game(state).check).toBe(true);
    expect(engine.activeSeats(state)).toEqual([]);
    expect(chess.legalMoves(game(state), 0)).toEqual([]);
    expect(refusal(state, "a2a3", 0)).toBe("game-over");
  });

  it("gives White the win by checkmate after scholar's mate, played in UCI", () => {
    const { state } = play(started(), ["e2e4", "e7e5", "f1c4", "b8c6", "d1h5", "g8f6", "h5f7"]);
    expect(state.result).toEqual(win(0, "checkmate"));
    expect(game(state).last?.san).toBe("Qxf7#");
  });

  it("draws by stalemate after Sam Loyd's ten-move stalemate", () => {
    const moves = [
      "e3",
      "a5",
      "Qh5",
      "Ra6",
      "Qxa5",
      "h5",
      "h4",
      "Rah6",
      "Qxc7",
      "f6",
      "Qxd7+",
      "Kf7",
      "Qxb7",
      "Qd3",
      "Qxb8",
      "Qh7",
      "Qxc8",
      "Kg6",
      "Qe6",
    ];
    const before = play(started(), moves.slice(0, -1)).state;
    expect(before.status).toBe("playing");
    const { state } = play(before, moves.slice(-1));
    expect(state.result).toEqual(draw("stalemate"));
    expect(game(state).check).toBe(false);
  });

  it("draws by stalemate when a queen takes the last squares of a bare king", () => {
    const { state } = play(fromFen("k7/8/8/1Q6/8/8/8/7K w - - 0 1"), ["Qb6"]);
    expect(state.result).toEqual(draw("stalemate"));
  });

  it("draws by threefold repetition when the knights shuffle back twice", () => {
    const shuffle = ["Nf3", "Nf6", "Ng1", "Ng8", "Nf3", "Nf6", "Ng1", "Ng8"];
    const before = play(started(), shuffle.slice(0, -1)).state;
    expect(before.status).toBe("playing");
    const { state } = play(before, shuffle.slice(-1));
    expect(state.result).toEqual(draw("threefold-repetition"));
    expect(game(state).repetitions[game(state).fen.split(" ").slice(0, 4).join(" ")]).toBe(3);
  });

  it("forgets earlier positions after a pawn move, so they no longer count towards a repetition", () => {
    const { state } = play(started(), [
      "Nf3",
      "Nf6",
      "Ng1",
      "Ng8",
      "a3",
      "a6",
      "Nf3",
      "Nf6",
      "Ng1",
      "Ng8",
      "Nf3",
      "Nf6",
    ]);
    expect(state.status).toBe("playing");
    expect(Object.keys(game(state).repetitions)).toHaveLength(4);
    expect(play(state, ["Ng1", "Ng8"]).state.result).toEqual(draw("threefold-repetition"));
  });

  it("counts a position with a live en passant capture as different from the same placement without one", () => {
    // After d4 (d2d4) Black's e4 pawn may take en passant; the same placement later may not.
    const from = "4k3/8/8/8/4p3/8/3P4/4K1N1 w - - 0 1";
    const { state } = play(fromFen(from), ["d4", "Kd7", "Nf3", "Ke8", "Ng1", "Kd7", "Nf3", "Ke8", "Ng1"]);
    // The placement after d4 with Black to move occurs three times, but only the first had e.p.
    expect(state.status).toBe("playing");
    expect(game(state).repetitions).toMatchObject({
      "4k3/8/8/8/3Pp3/8/8/4K1N1 b - d3": 1,
      "4k3/8/8/8/3Pp3/8/8/4K1N1 b - -": 2,
    });
  });

  it("draws by the fifty-move rule when the half-move clock reaches 100, automatically", () => {
    const state = fromFen("8/8/8/4k3/8/8/8/R3K3 w - - 99 80");
    expect(state.status).toBe("playing");
    const after = play(state, ["Ra2"]).state;
    expect(after.result).toEqual(draw("fifty-move-rule"));
    expect(game(after).fen.split(" ")[4]).toBe("100");
  });

  it("does not draw by the fifty-move rule when the 100th half-move is a pawn move or capture", () => {
    expect(play(fromFen("8/8/8/4k3/8/8/P7/R3K3 w - - 99 80"), ["a3"]).state.status).toBe("playing");
    expect(play(fromFen("8/8/8/4k3/8/r7/P7/R3K3 b - - 99 80"), ["Rxa2"]).state.status).toBe("playing");
  });

  it("lets a checkmate on the 100th half-move win rather than draw", () => {
    const { state } = play(fromFen("6k1/5ppp/8/8/8/8/8/R5K1 w - - 99 80"), ["Ra8#"]);
    expect(state.result).toEqual(win(0, "checkmate"));
  });

  it.each([
    { name: "king against king", fen: "8/8/8/4k3/8/8/3q4/4K3 w - - 0 1", move: "Kxd2" },
    { name: "king and bishop against king", fen: "8/8/8/4k3/8/8/3r4/4KB2 w - - 0 1", move: "Kxd2" },
    { name: "king and knight against king", fen: "8/8/8/4k3/8/8/3r4/4KN2 w - - 0 1", move: "e1d2" },
  ])("draws for insufficient material when a capture leaves $name", ({ fen, move }) => {
    expect(fromFen(fen).status).toBe("playing");
    expect(play(fromFen(fen), [move]).state.result).toEqual(draw("insufficient-material"));
  });

  it("knows a position that is already over when built from a FEN", () => {
    expect(fromFen("k7/8/1Q6/8/8/8/8/7K b - - 0 1").result).toEqual(draw("stalemate"));
    expect(fromFen("8/8/8/4k3/8/8/8/4K3 w - - 0 1").result).toEqual(draw("insufficient-material"));
    expect(chessStateFromFen("not a fen").ok).toBe(false);
    expect(chessStateFromFen("8/8/8/8/8/8/8/8 w - - 0 1").ok).toBe(false);
  });
});
