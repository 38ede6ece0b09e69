/**
 * Chess through the engine: perft counts against the published figures, every way a game ends
 * reached by played moves, both notations, refusals with their codes, the flag rule, replay,
 * and random legal games cross-checked against chess.js on its own.
 */
import { startClock } from "../../shared/clock.ts";
import { Chess } from "chess.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEngine, type MatchState } from "../../shared/engine.ts";
import { type GameResult, type MatchResult, type Seat } from "../../shared/game.ts";
import { type MatchEvent } from "../../shared/events.ts";
import { chess, chessStateFromFen, chessTurn, type ChessState } from "../../shared/games/chess.ts";
import { deepFreeze } from "./helpers.ts";

const START: MatchEvent = { kind: "start", players: 2 };
const engine = createEngine(chess, {}, "seed");

function started(): MatchState {
  return engine.apply(engine.initial(), START);
}

/** A match playing from `fen` (options only allow the initial position, so the game state is swapped in). */
function fromFen(fen: string): MatchState {
  const state = chessStateFromFen(fen);
  if (!state.ok) throw new Error(state.error.message);
  const result = chess.outcome(state.value);
  // The clock runs for the side the position has to move.
  const clock = startClock(engine.control, 2, result ? [] : chess.activeSeats(state.value), 0);
  return { ...started(), game: state.value, status: result ? "finished" : "playing", result, clock };
}

const game = (state: MatchState): ChessState => state.game as ChessState;

/** Plays `moves` in turn from `state`, failing loudly on a refusal; returns the states and the log. */
function play(state: MatchState, moves: readonly string[]): { state: MatchState; events: MatchEvent[] } {
  const events: MatchEvent[] = [];
  for (const [index, move] of moves.entries()) {
    const [seat] = engine.activeSeats(state);
    if (seat === undefined) throw new Error(`no seat to play ${move}: the game is over`);
    const checked = engine.check(state, seat, move);
    if (!checked.ok)
      throw new Error(`${move} refused: ${checked.error.reason ?? checked.error.code} (${checked.error.message})`);
    const event: MatchEvent = { kind: "move", seat, move, id: `m${index}` };
    state = engine.apply(state, event);
    events.push(event);
  }
  return { state, events };
}

/** The refusal code (the game's own reason when the rules refused) or "accepted". */
function refusal(state: MatchState, move: unknown, seat: Seat = engine.activeSeats(state)[0] ?? 0): string {
  const checked = engine.check(state, seat, move);
  return checked.ok ? "accepted" : (checked.error.reason ?? checked.error.code);
}

const placement = (state: MatchState): string => game(state).fen.split(" ")[0]!;

const win = (seat: Seat, reason: string): GameResult => ({ kind: "win", winners: [seat], reason });
const draw = (reason: string): GameResult => ({ kind: "draw", reason });

// -------------------------------------------------------------------------------------------

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
