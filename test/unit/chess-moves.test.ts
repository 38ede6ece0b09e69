/**
 * Chess through the engine: castling, en passant and promotion, both notations, and refusals
 * with their codes.
 */
import { describe, expect, it } from "vitest";
import { chess } from "../../shared/games/chess.ts";
import { engine, fromFen, game, placement, play, refusal, started } from "./chess-helpers.ts";

describe("special moves", () => {
  const CASTLING = "r3k2r/pppppppp/8/8/8/8/PPPPPPPP/R3K2R w KQkq - 0 1";

  it.each([
    { notation: "SAN", moves: ["O-O", "O-O-O"] },
    { notation: "SAN with zeros", moves: ["0-0", "0-0-0"] },
    { notation: "UCI", moves: ["e1g1", "e8c8"] },
  ])("castles king side for White and queen side for Black in $notation", ({ moves }) => {
    const { state } = play(fromFen(CASTLING), moves);
    expect(placement(state)).toBe("2kr3r/pppppppp/8/8/8/8/PPPPPPPP/R4RK1");
    expect(game(state).fen.split(" ")[2]).toBe("-");
    expect(game(state).last).toEqual({ uci: "e8c8", san: "O-O-O", from: "e8", to: "c8" });
  });

  it("castles queen side for White and king side for Black", () => {
    const { state } = play(fromFen(CASTLING), ["O-O-O", "e8g8"]);
    expect(placement(state)).toBe("r4rk1/pppppppp/8/8/8/8/PPPPPPPP/2KR3R");
  });

  it("refuses castling through an attacked square, out of check and after the king has moved", () => {
    const through = fromFen("4kr2/8/8/8/8/8/8/R3K2R w KQ - 0 1");
    expect(refusal(through, "O-O")).toBe("illegal-move");
    expect(refusal(through, "e1g1")).toBe("illegal-move");
    expect(refusal(through, "O-O-O")).toBe("accepted");
    const inCheck = fromFen("4k3/8/8/8/8/8/8/R3K2R w KQ - 0 1");
    expect(refusal(play(inCheck, ["Ra8+", "Kd7", "Ra1", "Ke8", "Kf1", "Kd7", "Ke1", "Ke8"]).state, "O-O")).toBe(
      "illegal-move",
    );
    expect(refusal(fromFen("4k3/8/8/8/8/8/8/R3K2r w Q - 0 1"), "O-O-O")).toBe("illegal-move");
  });

  it("takes en passant right after the double step, and only then", () => {
    const { state } = play(started(), ["e4", "Nf6", "e5", "d5", "exd6"]);
    expect(placement(state)).toBe("rnbqkb1r/ppp1pppp/3P1n2/8/8/8/PPPP1PPP/RNBQKBNR");
    expect(game(state).last).toEqual({ uci: "e5d6", san: "exd6", from: "e5", to: "d6" });
    const late = play(started(), ["e4", "Nf6", "e5", "d5", "Nc3", "Nc6"]).state;
    expect(refusal(late, "exd6")).toBe("illegal-move");
    expect(refusal(late, "e5d6")).toBe("illegal-move");
  });

  it.each(["q", "r", "b", "n"])("promotes to %s in UCI and SAN alike", (piece) => {
    const from = fromFen("7k/P7/8/8/8/8/8/K7 w - - 0 1");
    const uci = play(from, [`a7a8${piece}`]).state;
    const san = play(from, [`a8=${piece.toUpperCase()}`]).state;
    const bare = play(from, [`a8${piece.toUpperCase()}`]).state;
    expect(placement(uci)).toBe(`${piece.toUpperCase()}6k/8/8/8/8/8/8/K7`);
    expect(san).toEqual(uci);
    expect(bare).toEqual(uci);
    expect(game(uci).last?.uci).toBe(`a7a8${piece}`);
  });

  it("promotes with a capture, and lists the four promotions as separate moves", () => {
    const from = fromFen("1r5k/P7/8/8/8/8/8/K7 w - - 0 1");
    const moves = chess.legalMoves(game(from), 0).filter((move) => move.startsWith("a7"));
    expect([...moves].sort()).toEqual(["a7a8b", "a7a8n", "a7a8q", "a7a8r", "a7b8b", "a7b8n", "a7b8q", "a7b8r"]);
    const { state } = play(from, ["axb8=N"]);
    expect(placement(state)).toBe("1N5k/8/8/8/8/8/8/K7");
    expect(game(state).last?.san).toBe("axb8=N");
    expect(play(from, ["a7b8n"]).state).toEqual(state);
  });

  it("asks for the piece when a pawn move to the last rank names none", () => {
    const from = fromFen("1r5k/P7/8/8/8/8/8/K7 w - - 0 1");
    for (const move of ["a7a8", "a8", "axb8", "a7b8"]) expect(refusal(from, move)).toBe("needs-promotion");
  });
});

describe("notation", () => {
  it("reaches identical states whether the moves are sent in SAN or UCI", () => {
    const san = play(started(), ["e4", "e5", "Nf3", "Nc6", "Bb5", "a6", "Bxc6", "dxc6", "O-O", "Bg4+"]);
    const uci = play(started(), ["e2e4", "e7e5", "g1f3", "b8c6", "f1b5", "a7a6", "b5c6", "d7c6", "e1g1", "c8g4"]);
    expect(uci.state).toEqual(san.state);
    expect(game(san.state).last).toEqual({ uci: "c8g4", san: "Bg4", from: "c8", to: "g4" });
  });

  it("accepts lenient SAN: a missing capture sign, extra disambiguation, a check sign, an uppercase UCI promotion", () => {
    const base = play(started(), ["e4", "d5"]).state;
    const taken = play(base, ["exd5"]).state;
    expect(play(base, ["ed5"]).state).toEqual(taken);
    expect(play(base, ["e4d5"]).state).toEqual(taken);
    expect(play(started(), ["Ngf3"]).state).toEqual(play(started(), ["Nf3"]).state);
    expect(play(started(), ["Ng1f3"]).state).toEqual(play(started(), ["Nf3"]).state);
    expect(play(started(), ["Nf3+"]).state).toEqual(play(started(), ["Nf3"]).state);
    const promote = fromFen("7k/P7/8/8/8/8/8/K7 w - - 0 1");
    expect(play(promote, ["a7a8Q"]).state).toEqual(play(promote, ["a7a8q"]).state);
  });

  const AMBIGUOUS = "4k3/8/8/8/8/8/8/1N2KN2 w - - 0 1";

  it.each([
    // [position, move, code]
    ["start", "e2e5", "illegal-move"],
    ["start", "e5", "illegal-move"],
    ["start", "Nf6", "illegal-move"],
    ["start", "Nd2", "illegal-move"],
    ["start", "Ke2", "illegal-move"],
    ["start", "O-O", "illegal-move"],
    ["start", "e7e5", "illegal-move"],
    ["start", "exd3", "illegal-move"],
    ["start", "Bxe2", "illegal-move"],
    ["start", "e2e2", "bad-notation"],
    ["start", "e2e4q", "bad-notation"],
    ["start", "Ne8=Q", "bad-notation"],
    ["start", "e5=Q", "bad-notation"],
    [AMBIGUOUS, "Nd2", "ambiguous-move"],
    [AMBIGUOUS, "N1d2", "ambiguous-move"],
    [AMBIGUOUS, "Nbd2", "accepted"],
    [AMBIGUOUS, "Nfd2", "accepted"],
    ["start", "", "bad-move"],
    ["start", "e9e4", "bad-move"],
    ["start", "e2-e4", "bad-move"],
    ["start", "hello", "bad-move"],
    ["start", "Nf3!?", "bad-move"],
    ["start", " e4", "bad-move"],
    ["start", "e4".repeat(6), "bad-move"],
    ["start", 42, "bad-move"],
    ["start", null, "bad-move"],
    ["start", { from: "e2", to: "e4" }, "bad-move"],
    ["start", ["e2e4"], "bad-move"],
  ])("in %s, refuses %j with %s", (position, move, code) => {
    const state = position === "start" ? started() : fromFen(position);
    expect(refusal(state, move)).toBe(code);
  });

  it("refuses any move from the seat not to move with not-your-turn, and before the start with not-started", () => {
    expect(refusal(started(), "e5", 1)).toBe("not-your-turn");
    expect(refusal(started(), "e4", 1)).toBe("not-your-turn");
    expect(refusal(engine.initial(), "e4", 0)).toBe("not-started");
  });
});
