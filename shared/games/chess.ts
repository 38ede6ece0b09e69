import { Chess, validateFen, type PieceSymbol, type Square } from "chess.js";
import * as v from "valibot";
import { sequential } from "../engine.ts";
import type { GameResult, Illegal, Seat } from "../game.ts";
import { fail, ok, type Result } from "../result.ts";

/** The ways a game of chess ends by itself; each is also the `outcome` reason. */
export const CHESS_ENDINGS = [
  "checkmate",
  "stalemate",
  "insufficient-material",
  "threefold-repetition",
  "fifty-move-rule",
] as const;
export type ChessEnding = (typeof CHESS_ENDINGS)[number];

/** The codes `validate` refuses a move with. */
export const CHESS_REFUSALS = ["bad-notation", "illegal-move", "needs-promotion", "ambiguous-move"] as const;
export type ChessRefusal = (typeof CHESS_REFUSALS)[number];

/**
 * A chess position plus what a FEN cannot hold.
 *
 * - `fen`: the position as chess.js writes it (Forsyth–Edwards Notation, all six fields). The
 *   en passant field is only set when an en passant capture is actually legal, so two FENs of
 *   the same position compare equal.
 * - `repetitions`: how often each position occurred since the last capture or pawn move, keyed
 *   by the first four FEN fields (placement, side to move, castling rights, en passant). Older
 *   positions can never recur, so the map is emptied whenever the half-move clock resets.
 * - `last`: the move that led here, in UCI and SAN, with its squares (for highlighting).
 * - `check`: the side to move is in check.
 * - `ended`: how the game ended by itself, or null while it goes on. Draws are automatic: the
 *   game ends on the third occurrence of a position and when the half-move clock reaches 100
 *   (fifty moves by each side without a capture or pawn move), as most servers do; nobody
 *   has to claim them.
 */
export interface ChessState {
  readonly fen: string;
  readonly repetitions: Readonly<Record<string, number>>;
  readonly last: ChessLastMove | null;
  readonly check: boolean;
  readonly ended:
    | { readonly kind: "checkmate"; readonly winner: Seat }
    | { readonly kind: Exclude<ChessEnding, "checkmate"> }
    | null;
}

/** The move that led to a position. */
export interface ChessLastMove {
  readonly uci: string;
  readonly san: string;
  readonly from: string;
  readonly to: string;
}

/**
 * A move as text, in UCI (`e2e4`, `e7e8q`) or SAN (`e4`, `Nf3`, `exd6`, `O-O`, `e8=Q+`).
 * Both are accepted; `apply` records the move in both notations.
 */
export type ChessMove = string;

export type ChessOptions = Record<string, never>;

const UCI = /^([a-h][1-8])([a-h][1-8])([qrbnQRBN])?$/;
const SAN = /^(?:(O-O-O|0-0-0)|(O-O|0-0)|([KQRBN])?([a-h])?([1-8])?(x)?([a-h][1-8])(?:=?([QRBNqrbn]))?)[+#]?$/;

/** The move schema: a short string in either notation (whether it fits the position is `validate`'s job). */
const MOVE = v.pipe(
  v.string(),
  v.maxLength(10),
  v.check(
    (text) => UCI.test(text) || SAN.test(text),
    "expected a move in UCI (e2e4, e7e8q) or SAN (e4, Nf3, O-O, e8=Q)",
  ),
);

/** One legal move, described enough to match either notation against it. */
interface Candidate {
  readonly from: Square;
  readonly to: Square;
  readonly piece: PieceSymbol;
  readonly promotion: PromotionPiece | null;
  readonly capture: boolean;
  readonly castle: "king" | "queen" | null;
}

type PromotionPiece = "q" | "r" | "b" | "n";

/** The position every game starts from. */
export const START_FEN = "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1";

/** The first four FEN fields: what makes two positions the same for repetition. */
const positionKey = (fen: string): string => fen.split(" ").slice(0, 4).join(" ");

/** The seat to move in `state`. */
export function chessTurn(state: ChessState): Seat {
  return state.fen.split(" ")[1] === "b" ? 1 : 0;
}

/**
 * Every legal move of the side to move.
 *
 * Built square by square from chess.js's SAN lists rather than its verbose moves: a verbose
 * move regenerates every legal move of the position to write its own SAN, which makes listing
 * them all quadratic. A SAN from one square's list always ends in the target square (and
 * promotion), which is all that is read here.
 */
function candidates(position: Chess): Candidate[] {
  const list: Candidate[] = [];
  const turn = position.turn();
  for (const row of position.board()) {
    for (const cell of row) {
      if (!cell || cell.color !== turn) continue;
      for (const san of position.moves({ square: cell.square })) {
        const text = san.replace(/[+#]$/, "");
        const castle = text === "O-O" ? "king" : text === "O-O-O" ? "queen" : null;
        const rank = turn === "w" ? "1" : "8";
        const promotion = /=([QRBN])$/.exec(text)?.[1]?.toLowerCase() as PromotionPiece | undefined;
        const to = castle
          ? (`${castle === "king" ? "g" : "c"}${rank}` as Square)
          : (text.replace(/=[QRBN]$/, "").slice(-2) as Square);
        list.push({
          from: cell.square,
          to,
          piece: cell.type,
          promotion: promotion ?? null,
          capture: text.includes("x"),
          castle,
        });
      }
    }
  }
  return list;
}

const uciOf = (move: Pick<Candidate, "from" | "to" | "promotion">): string =>
  `${move.from}${move.to}${move.promotion ?? ""}`;

const isLastRank = (square: string): boolean => square[1] === "1" || square[1] === "8";

const refuse = (code: ChessRefusal, message: string): Illegal => ({ code, message });

/** Finds the legal move that `text` names, or says why there is none. */
function resolve(position: Chess, text: string): Result<Candidate, ChessRefusal> {
  const legal = candidates(position);
  const uci = UCI.exec(text);
  if (uci) {
    const [, from, to, promoted] = uci;
    const promotion = promoted?.toLowerCase() ?? null;
    if (from === to) return fail("bad-notation", `${text} does not move a piece`);
    if (promotion && !isLastRank(to!)) return fail("bad-notation", `${text} promotes away from the last rank`);
    const found = legal.find((move) => move.from === from && move.to === to && move.promotion === promotion);
    if (found) return ok(found);
    if (!promotion && legal.some((move) => move.from === from && move.to === to && move.promotion)) {
      return fail(
        "needs-promotion",
        `${text} reaches the last rank: add the piece to promote to (${text}q, ${text}r, ${text}b or ${text}n)`,
      );
    }
    return fail("illegal-move", `${text} is not a legal move here`);
  }
  const san = SAN.exec(text);
  if (!san) return fail("bad-notation", `${text} is neither UCI nor SAN`);
  const [, long, short, letter, file, rank, capture, to, promoted] = san;
  const castle = long ? "queen" : short ? "king" : null;
  const piece = (letter?.toLowerCase() ?? "p") as PieceSymbol;
  const promotion = promoted?.toLowerCase() ?? null;
  if (promotion && piece !== "p") return fail("bad-notation", `${text}: only a pawn promotes`);
  if (promotion && !isLastRank(to!)) return fail("bad-notation", `${text} promotes away from the last rank`);
  // Lenient on purpose: a missing `x`, extra disambiguation and a wrong `+`/`#` are forgiven.
  const fits = legal.filter((move) =>
    castle
      ? move.castle === castle
      : move.castle === null &&
        move.piece === piece &&
        move.to === to &&
        (!file || move.from[0] === file) &&
        (!rank || move.from[1] === rank) &&
        (!capture || move.capture),
  );
  const exact = fits.filter((move) => move.promotion === promotion);
  if (exact.length === 1) return ok(exact[0]!);
  if (exact.length > 1)
    return fail("ambiguous-move", `${text} could be ${exact.map(uciOf).join(" or ")}: say which piece moves`);
  if (!promotion && fits.length > 0)
    return fail("needs-promotion", `${text} reaches the last rank: add the piece to promote to (${text}=Q)`);
  return fail("illegal-move", `${text} is not a legal move here`);
}

/** How `position` ended by itself, given how often it has now occurred. */
function endingOf(position: Chess, occurrences: number): ChessState["ended"] {
  // The side to move is the one mated, so the other seat wins.
  if (position.isCheckmate()) return { kind: "checkmate", winner: position.turn() === "w" ? 1 : 0 };
  if (position.isStalemate()) return { kind: "stalemate" };
  if (position.isInsufficientMaterial()) return { kind: "insufficient-material" };
  if (occurrences >= 3) return { kind: "threefold-repetition" };
  if (position.isDrawByFiftyMoves()) return { kind: "fifty-move-rule" };
  return null;
}

/** A state for the position `fen`, with no history (tests and analysis; matches start from the initial position). */
export function chessStateFromFen(fen: string): Result<ChessState, "bad-fen"> {
  const checked = validateFen(fen);
  if (!checked.ok) return fail("bad-fen", checked.error ?? "not a valid FEN");
  const position = new Chess(fen);
  const normal = position.fen();
  return ok({
    fen: normal,
    repetitions: { [positionKey(normal)]: 1 },
    last: null,
    check: position.inCheck(),
    ended: endingOf(position, 1),
  });
}

/**
 * The flag rule's test: true when `seat` could never mate, whatever the moves. A bare king
 * never can; a king and one knight or bishop can only with the opponent's own men in the way,
 * so it cannot when the opponent has a bare king. (Rarer dead positions, such as bishops all
 * on one colour, count as mating chances: the flag falls as a loss.)
 */
function cannotMate(fen: string, seat: Seat): boolean {
  const placement = fen.split(" ")[0] ?? "";
  const pieces = placement.match(seat === 0 ? /[PNBRQ]/g : /[pnbrq]/g) ?? [];
  const theirs = placement.match(seat === 0 ? /[pnbrq]/g : /[PNBRQ]/g) ?? [];
  if (pieces.length === 0) return true;
  return pieces.length === 1 && /[nbNB]/.test(pieces[0]!) && theirs.length === 0;
}

/** Chess by the FIDE rules (move generation from chess.js): seat 0 plays White and moves first. */
export const chess = sequential<ChessState, ChessMove, ChessOptions>({
  id: "chess",
  name: "Chess",
  minPlayers: 2,
  maxPlayers: 2,
  options: v.strictObject({}),
  move: MOVE,
  // Quick-match chess is played on a clock: 5 minutes plus 3 seconds a move.
  defaultTimeControl: { kind: "fischer", baseMs: 300_000, incrementMs: 3_000 },
  timeout: { kind: "forfeit" },
  // The fifty-move rule ends a game on its own here: at most 5,949 moves a side (11,898 plies).
  maxMoves: 11_898,

  setup: () => ({
    fen: START_FEN,
    repetitions: { [positionKey(START_FEN)]: 1 },
    last: null,
    check: false,
    ended: null,
  }),

  turn: chessTurn,

  validate: (state, _seat, move) => {
    const found = resolve(new Chess(state.fen), move);
    return found.ok ? null : refuse(found.error.code, found.error.message);
  },

  legalMoves: (state) => candidates(new Chess(state.fen)).map(uciOf),

  apply: (state, _seat, move) => {
    const board = new Chess(state.fen);
    const found = resolve(board, move);
    if (!found.ok) throw new Error(`chess move applied without validation: ${found.error.message}`);
    const { from, to, promotion } = found.value;
    const played = board.move(promotion ? { from, to, promotion } : { from, to });
    const fen = board.fen();
    const key = positionKey(fen);
    // A capture or pawn move resets the half-move clock; no earlier position can come back.
    const earlier = fen.split(" ")[4] === "0" ? {} : state.repetitions;
    const occurrences = (earlier[key] ?? 0) + 1;
    return {
      fen,
      repetitions: { ...earlier, [key]: occurrences },
      last: { uci: uciOf(found.value), san: played.san, from, to },
      check: board.inCheck(),
      ended: endingOf(board, occurrences),
    };
  },

  outcome: (state): GameResult | null => {
    const ended = state.ended;
    if (!ended) return null;
    if (ended.kind === "checkmate") return { kind: "win", winners: [ended.winner], reason: "checkmate" };
    return { kind: "draw", reason: ended.kind };
  },

  onFlag: (state, flagged): GameResult => {
    const [loser] = flagged;
    if (loser === undefined || flagged.length > 1) return { kind: "draw", reason: "timeout" };
    const winner = loser === 0 ? 1 : 0;
    // FIDE 6.9: running out of time is a draw when the opponent could never mate.
    if (cannotMate(state.fen, winner)) return { kind: "draw", reason: "timeout-vs-insufficient-material" };
    return { kind: "win", winners: [winner], reason: "timeout" };
  },
});
