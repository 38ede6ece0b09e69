import { describe, expect, it } from "vitest";
import { ChessRecord, pairs, pgnResult } from "../../shared/games/chess-record.ts";

describe("a chess record", () => {
  it("writes moves sent in UCI or SAN as SAN, in numbered pairs", () => {
    const record = new ChessRecord();
    expect(["e2e4", "Nc6", "g1f3", "g8h6"].map((move) => record.play(move))).toEqual(["e4", "Nc6", "Nf3", "Nh6"]);
    expect(record.movetext()).toBe("1. e4 Nc6 2. Nf3 Nh6");
    expect(record.fen.split(" ")[0]).toBe("r1bqkb1r/pppppppp/2n4n/8/4P3/5N2/PPPP1PPP/RNBQKB1R");
  });

  it("writes checks, captures, castling and promotion as SAN does", () => {
    const record = new ChessRecord();
    for (const move of ["e4", "d5", "exd5", "e6", "dxe6", "Bd6", "exf7+", "Ke7", "Nf3", "a6", "fxg8=Q"]) {
      expect(record.play(move)).not.toBeNull();
    }
    expect(record.san.slice(-5)).toEqual(["exf7+", "Ke7", "Nf3", "a6", "fxg8=Q"]);
    const castle = new ChessRecord();
    for (const move of ["e4", "e5", "Nf3", "Nc6", "Bc4", "Nf6", "e1g1"]) castle.play(move);
    expect(castle.san.at(-1)).toBe("O-O");
  });

  it("refuses an illegal move and changes nothing", () => {
    const record = new ChessRecord();
    record.play("e4");
    expect(record.play("e2e4")).toBeNull();
    expect(record.play(42)).toBeNull();
    expect(record.san).toEqual(["e4"]);
  });

  it("forks without changing the original", () => {
    const record = new ChessRecord();
    record.play("d4");
    const fork = record.fork();
    expect(fork.play("d5")).toBe("d5");
    expect(record.san).toEqual(["d4"]);
    expect(fork.movetext()).toBe("1. d4 d5");
  });

  it("writes a finished game as PGN that chess.js reads back", async () => {
    const record = new ChessRecord();
    for (const move of ["f3", "e5", "g4", "Qh4#"]) record.play(move);
    const pgn = record.pgn({
      white: "Ada",
      black: "Computer (easy)",
      site: "http://127.0.0.1:8787/r/abc",
      playedAt: Date.UTC(2026, 11, 4, 22, 0),
      result: { kind: "win", winners: [1], reason: "checkmate" },
    });
    expect(pgn).toContain('[White "Ada"]');
    expect(pgn).toContain('[Black "Computer (easy)"]');
    expect(pgn).toContain('[Date "2026.12.04"]');
    expect(pgn).toContain('[Result "0-1"]');
    expect(pgn.trim().endsWith("1. f3 e5 2. g4 Qh4# 0-1")).toBe(true);
    const { Chess } = await import("chess.js");
    const read = new Chess();
    read.loadPgn(pgn);
    expect(read.isCheckmate()).toBe(true);
  });

  it.each([
    [null, "*"],
    [{ kind: "aborted", reason: "not-collected" } as const, "*"],
    [{ kind: "draw", reason: "stalemate" } as const, "1/2-1/2"],
    [{ kind: "win", winners: [0], reason: "resign" } as const, "1-0"],
  ])("writes the result %j as %s", (result, token) => {
    expect(pgnResult(result)).toBe(token);
  });

  it("pairs an odd number of moves with an open last reply", () => {
    expect(pairs(["e4", "e5", "Nf3"])).toEqual([
      { number: 1, white: "e4", black: "e5" },
      { number: 2, white: "Nf3", black: null },
    ]);
  });
});
