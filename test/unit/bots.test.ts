/**
 * Bots: the random bot plays only legal moves in every registered game; the Connect Four
 * search bot takes wins, blocks losses, never mutates its input, and beats the random bot.
 */
import { describe, expect, it } from "vitest";
import { BOT_KINDS, botFor, botsFor, randomBot } from "../../shared/bots.ts";
import { CONNECT_FOUR_NODE_BUDGET, createSearchBot, searchBot } from "../../shared/games/connect-four.bot.ts";
import type { Engine, MatchState } from "../../shared/engine.ts";
import type { Seat } from "../../shared/game.ts";
import { COLUMNS, connectFour, type ConnectFourState } from "../../shared/games/connect-four.ts";
import { findGame, GAMES } from "../../shared/games/index.ts";
import { ticTacToe } from "../../shared/games/tic-tac-toe.ts";
import { createRandom, seedRandom, type Random } from "../../shared/random.ts";
import { deepFreeze } from "./helpers.ts";
import { playOut, searchVersusRandom, startEngine } from "./bot-games.ts";

const randomFrom = (seed: string): Random => createRandom(seedRandom(seed));

/** A Connect Four match after `moves` (columns), each checked by the engine. */
function connectFourAfter(moves: readonly number[], seed = "position"): { engine: Engine; state: MatchState } {
  const { engine, state: start } = startEngine(connectFour, 2, seed);
  let state = start;
  moves.forEach((column, index) => {
    state = engine.apply(state, { kind: "move", seat: index % 2, move: { column }, id: String(index) });
  });
  return { engine, state };
}

/** The columns where `seat` dropping a disc now would win, by the game's own rules. */
function winningColumns(state: ConnectFourState, seat: Seat): number[] {
  const asIfToMove: ConnectFourState = { ...state, turn: seat };
  return connectFour
    .legalMoves(asIfToMove, seat)
    .filter((move) => connectFour.apply(asIfToMove, seat, move, randomFrom("unused")).winner === seat)
    .map((move) => move.column);
}

const isConnectFourState = (state: unknown): state is ConnectFourState =>
  typeof state === "object" && state !== null && "columns" in state && "turn" in state;

function connectFourState(match: MatchState): ConnectFourState {
  if (!isConnectFourState(match.game)) throw new Error("not a Connect Four match");
  return match.game;
}

// -------------------------------------------------------------------------------------------

describe("the registry of bots", () => {
  it("offers the random bot for every game and the search bot for Connect Four and Battleship only", () => {
    for (const game of GAMES.values()) {
      expect(botsFor(game)).toContain("random");
      expect(botFor("random", game)).toBe(randomBot);
      expect(botsFor(game).includes("search")).toBe(game.id === "connect-four" || game.id === "battleship");
    }
    // The search kind is the game's own bot, joined to its rules at its line in the registry.
    const registered = findGame("connect-four")!;
    expect(botsFor(registered)).toEqual(["random", "search"]);
    expect(botsFor(ticTacToe)).toEqual(["random"]);
    expect(botFor("search", ticTacToe)).toBeUndefined();
    for (const kind of BOT_KINDS) expect(botFor(kind, registered)?.kind).toBe(kind);
    const position = connectFourAfter([3, 3, 2]).state.game;
    expect(botFor("search", registered)!.choose(registered, position, 1, randomFrom("same"))).toEqual(
      searchBot.choose(connectFour, position, 1, randomFrom("same")),
    );
    expect(() => botFor("search", registered)!.choose(ticTacToe, position, 1, randomFrom("x"))).toThrow(/cannot play/);
  });

  it("throws, as a defect, when asked to move for a seat with no legal move or in a game it cannot play", () => {
    const { state } = connectFourAfter([]);
    expect(() => randomBot.choose(connectFour, state.game, 1, randomFrom("x"))).toThrow(/no legal move/);
    expect(() => searchBot.choose(connectFour, state.game, 1, randomFrom("x"))).toThrow(/may not move/);
    const won = connectFourAfter([0, 1, 0, 1, 0, 1, 0]).state;
    expect(() => searchBot.choose(connectFour, won.game, 1, randomFrom("x"))).toThrow(/may not move/);
    expect(() => searchBot.choose(ticTacToe, ticTacToe.setup(2, {}, randomFrom("x")), 0, randomFrom("x"))).toThrow(
      /cannot play/,
    );
    expect(() => searchBot.choose(connectFour, { columns: [[7]], turn: 0 }, 0, randomFrom("x"))).toThrow(
      /not a Connect Four state/,
    );
    expect(() => createSearchBot(0)).toThrow(RangeError);
  });
});

describe("the random bot", () => {
  // Every registered game, at every player count it allows: new games are covered by adding them.
  const cases = [...GAMES.values()].flatMap((game) =>
    Array.from({ length: game.maxPlayers - game.minPlayers + 1 }, (_, i) => ({
      id: game.id,
      game,
      players: game.minPlayers + i,
    })),
  );

  it.each(cases)(
    "plays only moves the engine accepts in $id with $players players, to the end",
    ({ game, players }) => {
      // Up to 30 games, or fewer long ones (a random chess game runs to hundreds of plies).
      const games = 30;
      const movesBudget = 4_000;
      const cap = 2_000;
      let finished = 0;
      let moves = 0;
      for (let n = 0; n < games && (n < 3 || moves < movesBudget); n++) {
        const { engine, state } = startEngine(game, players, `random-${game.id}-${players}-${n}`);
        const bots = Array.from({ length: players }, () => randomBot);
        const end = playOut(engine, state, bots, randomFrom(`random-bot-${n}`), cap);
        moves += end.moves;
        if (end.status === "finished") finished++;
      }
      // A game random play cannot end in `cap` moves would be odd, but it is the rules', not the bot's.
      expect(finished).toBeGreaterThan(0);
    },
    60_000,
  );

  it("picks every legal move of a position, each about equally often", () => {
    const random = randomFrom("uniform");
    const state = connectFour.setup(2, {}, random);
    const tally = new Array<number>(COLUMNS).fill(0);
    const draws = 7_000;
    for (let n = 0; n < draws; n++) {
      const move = randomBot.choose(connectFour, state, 0, random);
      if (typeof move !== "object" || move === null || !("column" in move) || typeof move.column !== "number") {
        throw new Error(`not a move: ${JSON.stringify(move)}`);
      }
      tally[move.column]! += 1;
    }
    // 1,000 expected per column; ±150 is more than 4.5 standard deviations.
    for (const count of tally) expect(Math.abs(count - draws / COLUMNS)).toBeLessThan(150);
  });
});

describe("the Connect Four search bot", () => {
  // Rows name the mover's winning columns, or the opponent's one threat the mover must block.
  // Each row's premise is checked against the game's own rules before the bot is asked.
  const WINS = [
    { name: "completes a row along the bottom", moves: [0, 0, 1, 1, 2, 2], want: [3] },
    { name: "completes a row with a gap in the middle", moves: [0, 0, 1, 1, 3, 3], want: [2] },
    { name: "completes a column rather than blocking the opponent's", moves: [0, 1, 0, 1, 0, 1], want: [0] },
    { name: "completes a column as seat 1 rather than blocking", moves: [0, 1, 0, 1, 0, 1, 6], want: [1] },
    { name: "completes a rising diagonal", moves: [0, 1, 1, 2, 2, 3, 2, 3, 3, 6], want: [3] },
    { name: "completes a falling diagonal", moves: [6, 5, 5, 4, 4, 3, 4, 3, 3, 0], want: [3] },
    { name: "takes either end of an open three", moves: [1, 1, 2, 2, 3, 3], want: [0, 4] },
  ];
  const BLOCKS = [
    { name: "blocks a row along the bottom", moves: [0, 6, 1, 6, 2], want: 3 },
    { name: "blocks a row with a gap in the middle", moves: [0, 6, 1, 6, 3], want: 2 },
    { name: "blocks a column", moves: [0, 1, 0, 1, 0], want: 0 },
    { name: "blocks a column as seat 0", moves: [6, 0, 5, 0, 6, 0], want: 0 },
    { name: "blocks a rising diagonal", moves: [0, 1, 1, 2, 3, 2, 6, 3, 2, 3, 6], want: 3 },
    { name: "blocks a falling diagonal", moves: [6, 5, 5, 4, 3, 4, 0, 3, 4, 3, 0], want: 3 },
  ];

  it.each(WINS)("takes an immediate win: $name", ({ moves, want }) => {
    const position = connectFourState(connectFourAfter(moves).state);
    const seat = position.turn;
    expect(winningColumns(position, seat).sort()).toEqual([...want].sort());
    const chosen = new Set<unknown>();
    for (let n = 0; n < 20; n++)
      chosen.add(JSON.stringify(searchBot.choose(connectFour, position, seat, randomFrom(`win-${n}`))));
    expect([...chosen].sort()).toEqual(want.map((column) => JSON.stringify({ column })).sort());
  });

  it.each(BLOCKS)("blocks an immediate loss: $name", ({ moves, want }) => {
    const position = connectFourState(connectFourAfter(moves).state);
    const seat = position.turn;
    expect(winningColumns(position, seat), "the mover has no win of its own").toEqual([]);
    expect(winningColumns(position, seat === 0 ? 1 : 0), "the opponent has one threat").toEqual([want]);
    for (let n = 0; n < 5; n++)
      expect(searchBot.choose(connectFour, position, seat, randomFrom(`block-${n}`))).toEqual({ column: want });
  });

  it("never mutates the state it is given, even a deeply frozen one", () => {
    const random = randomFrom("frozen");
    for (let n = 0; n < 40; n++) {
      const { engine, state: start } = startEngine(connectFour, 2, `frozen-${n}`);
      // A random position some way into a game: up to 30 random moves.
      const position = playOut(engine, start, [randomBot, randomBot], random, random.int(31));
      if (position.status !== "playing") continue;
      const before = structuredClone(position);
      deepFreeze(position);
      const [seat] = engine.activeSeats(position);
      for (const bot of [searchBot, randomBot]) {
        const move = bot.choose(connectFour, position.game, seat!, random);
        expect(engine.check(position, seat!, move).ok).toBe(true);
      }
      expect(position).toEqual(before);
    }
  });

  it("chooses the same move for the same position and random state (matches replay)", () => {
    const position = connectFourState(connectFourAfter([3, 3, 2, 4]).state);
    const first = searchBot.choose(connectFour, position, 0, randomFrom("same"));
    for (let n = 0; n < 3; n++) expect(searchBot.choose(connectFour, position, 0, randomFrom("same"))).toEqual(first);
  });

  it("plays a legal move from positions deep into the game, at any budget", () => {
    const random = randomFrom("deep");
    for (const bot of [createSearchBot(1), createSearchBot(50), searchBot]) {
      for (let n = 0; n < 30; n++) {
        const { engine, state: start } = startEngine(connectFour, 2, `deep-${n}`);
        const position = playOut(engine, start, [randomBot, randomBot], random, 20 + random.int(22));
        if (position.status !== "playing") continue;
        const end = playOut(engine, position, [bot, bot], random, 42);
        expect(end.status).toBe("finished");
      }
    }
  });

  // The first 40 of the 200 games `npm run fuzz` plays (bots.long.test.ts); all 40 are won.
  it(`wins at least 95 % of 40 games against the random bot, alternating seats (budget ${CONNECT_FOUR_NODE_BUDGET} nodes)`, () => {
    const games = 40;
    expect(searchVersusRandom(games) / games).toBeGreaterThanOrEqual(0.95);
  });
});
