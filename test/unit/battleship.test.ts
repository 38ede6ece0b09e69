/**
 * Battleship through the engine: the deal, the simultaneous placement, refusals, what each
 * viewer sees, the end, clocks in both phases, and the hunting bot.
 */
import { describe, expect, it } from "vitest";
import { createEngine, type MatchState } from "../../shared/engine.ts";
import type { MatchEvent } from "../../shared/events.ts";
import {
  battleship,
  battleshipView,
  CELLS,
  FLEET,
  MAX_SHUFFLES,
  SIZE,
  type BattleshipMove,
  type BattleshipState,
} from "../../shared/games/battleship.ts";
import { chooseBattleshipMove } from "../../shared/games/battleship.bot.ts";
import { ticTacToe } from "../../shared/games/tic-tac-toe.ts";
import { createRandom, seedRandom } from "../../shared/random.ts";
import { checkGame, describeViolation } from "../../scripts/check-game.ts";

const START: MatchEvent[] = [
  { kind: "join", seat: 0, name: "a" },
  { kind: "join", seat: 1, name: "b" },
  { kind: "start", players: 2 },
];
let ids = 0;
const move = (seat: number, played: BattleshipMove): MatchEvent => ({
  kind: "move",
  seat,
  move: played,
  id: `m${ids++}`,
});
const READY: MatchEvent[] = [move(0, { type: "ready" }), move(1, { type: "ready" })];
const game = (state: MatchState) => state.game as BattleshipState;

/** Seat 0 sinks seat 1's fleet while seat 1 fires at cells of its own choosing. */
function sinkAll(engine: ReturnType<typeof createEngine>, from: MatchState, misses: readonly number[]) {
  const targets = game(from)
    .fleets[1]!.flat()
    .filter((cell) => !game(from).shots[0]!.includes(cell));
  const events: MatchEvent[] = [];
  targets.forEach((cell, index) => {
    events.push(move(0, { type: "fire", cell }));
    if (index < targets.length - 1) events.push(move(1, { type: "fire", cell: misses[index]! }));
  });
  let state = from;
  for (const event of events) state = engine.apply(state, event);
  return state;
}

describe("Battleship", () => {
  it("passes check-game", () => {
    expect(checkGame(battleship, { runs: 20, seed: 7 }).map(describeViolation)).toEqual([]);
  });

  it("deals each seat the five ships, in straight lines on the sea, never overlapping", () => {
    for (const seed of ["a", "b", "c", "d"]) {
      const state = game(createEngine(battleship, {}, seed).replay(START));
      for (const fleet of state.fleets) {
        expect(fleet.map((ship) => ship.length)).toEqual([...FLEET]);
        const cells = fleet.flat();
        expect(new Set(cells).size).toBe(cells.length);
        for (const ship of fleet) {
          const step = (ship[1] ?? 0) - (ship[0] ?? 0);
          expect([1, SIZE]).toContain(step);
          for (const [k, cell] of ship.entries()) expect(cell).toBe(ship[0]! + k * step);
          if (step === 1) expect(Math.floor(ship.at(-1)! / SIZE)).toBe(Math.floor(ship[0]! / SIZE));
          expect(ship.every((cell) => cell >= 0 && cell < CELLS)).toBe(true);
        }
      }
    }
  });

  it("lets both seats place at once, then seat 0 fires first", () => {
    const engine = createEngine(battleship, {}, "s");
    let state = engine.replay(START);
    expect(engine.activeSeats(state)).toEqual([0, 1]);
    const before = game(state).fleets[1];
    state = engine.apply(state, move(1, { type: "shuffle" }));
    expect(game(state).fleets[1]).not.toEqual(before);
    expect(engine.activeSeats(state)).toEqual([0, 1]);
    state = engine.apply(state, move(1, { type: "ready" }));
    expect(engine.activeSeats(state)).toEqual([0]);
    state = engine.apply(state, move(0, { type: "ready" }));
    expect(game(state).phase).toBe("firing");
    expect(engine.activeSeats(state)).toEqual([0]);
    state = engine.apply(state, move(0, { type: "fire", cell: 0 }));
    expect(engine.activeSeats(state)).toEqual([1]);
  });

  it.each([
    ["fire while placing", [] as MatchEvent[], 0, { type: "fire", cell: 3 }, "still-placing"],
    ["shuffle once firing", READY, 0, { type: "shuffle" }, "fleets-placed"],
    [
      "fire twice at a cell",
      [...READY, move(0, { type: "fire", cell: 5 }), move(1, { type: "fire", cell: 5 })],
      0,
      { type: "fire", cell: 5 },
      "already-fired",
    ],
    [
      "shuffle past the limit",
      Array.from({ length: MAX_SHUFFLES }, () => move(0, { type: "shuffle" })),
      0,
      { type: "shuffle" },
      "no-more-shuffles",
    ],
  ] as const)("refuses to %s", (_label, events, seat, played, reason) => {
    const engine = createEngine(battleship, {}, "r");
    const state = engine.replay([...START, ...events]);
    const checked = engine.check(state, seat, played);
    expect(checked).toMatchObject({ ok: false, error: { code: "illegal", reason } });
  });

  it("shows spectators shots and hits, never a fleet until the end; then every fleet", () => {
    const engine = createEngine(battleship, {}, "v");
    let state = engine.replay([...START, ...READY]);
    const ship = game(state).fleets[1]![0]!;
    const miss = [...Array(CELLS).keys()].find((cell) => !game(state).fleets[0]!.flat().includes(cell))!;
    state = engine.apply(state, move(0, { type: "fire", cell: ship[0]! }));
    state = engine.apply(state, move(1, { type: "fire", cell: miss }));
    const spectator = battleshipView(game(state), "spectator");
    expect(spectator.seas.map((sea) => sea.fleet)).toEqual([null, null]);
    expect(spectator.seas[1]!.shots).toEqual([{ cell: ship[0], hit: true }]);
    expect(spectator.seas[0]!.shots).toEqual([{ cell: miss, hit: false }]);
    const mine = battleshipView(game(state), 0);
    expect(mine.seas[0]!.fleet).toEqual(game(state).fleets[0]);
    expect(mine.seas[1]!.fleet).toBeNull();
    expect(JSON.stringify(spectator)).not.toContain(JSON.stringify(game(state).fleets[1]![1]));

    const misses = [...Array(CELLS).keys()].filter(
      (cell) => cell !== miss && !game(state).fleets[0]!.flat().includes(cell),
    );
    const end = sinkAll(engine, state, misses);
    expect(end.result).toEqual({ kind: "win", winners: [0], reason: "fleet-sunk" });
    const after = battleshipView(game(end), "spectator");
    expect(after.phase).toBe("over");
    expect(after.seas.map((sea) => sea.fleet)).toEqual(game(end).fleets);
    expect(after.seas[1]!.sunk).toHaveLength(FLEET.length);
  });

  it("keeps a placing seat's per-move clock running when the other seat moves", () => {
    const engine = createEngine(battleship, {}, "c", { kind: "move", ms: 30_000 });
    let state = engine.apply(engine.replay(START.slice(0, 2)), START[2]!, 0);
    state = engine.apply(state, move(0, { type: "ready" }), 10_000);
    // Seat 0 is charged its ten seconds and stops; seat 1 runs on from where it was, with no refill.
    expect(state.clock).toMatchObject({ running: [1], since: 10_000, remaining: [20_000, 20_000] });
    expect(engine.deadline(state)).toBe(30_000);
    // Seat 1 runs out: the timeout readies it as dealt, and seat 0 fires first with a fresh limit.
    const timeout = engine.timeout(state, 30_000);
    expect(timeout).toEqual({ kind: "timeout", seats: [1], move: { type: "ready" } });
    state = engine.apply(state, timeout!, 30_000);
    expect(game(state).phase).toBe("firing");
    expect(state.clock).toMatchObject({ running: [0], remaining: [30_000, 0] });
  });

  it("charges both placing seats on a Fischer clock and gives the mover its increment", () => {
    const engine = createEngine(battleship, {}, "f", { kind: "fischer", baseMs: 60_000, incrementMs: 2_000 });
    let state = engine.apply(engine.replay(START.slice(0, 2)), START[2]!, 0);
    state = engine.apply(state, move(1, { type: "shuffle" }), 5_000);
    expect(state.clock).toMatchObject({ running: [0, 1], remaining: [55_000, 57_000] });
    state = engine.apply(state, move(0, { type: "ready" }), 8_000);
    expect(state.clock).toMatchObject({ running: [1], remaining: [54_000, 54_000] });
  });
});

describe("Battleship's bot", () => {
  const firing = (seed: string) => game(createEngine(battleship, {}, seed).replay([...START, ...READY]));
  const fire = (state: BattleshipState, seat: number, cell: number): BattleshipState =>
    battleship.apply(state, seat, { type: "fire", cell }, createRandom(seedRandom("x")));

  it("readies while placing", () => {
    const state = game(createEngine(battleship, {}, "p").replay(START));
    expect(chooseBattleshipMove(state, 1, createRandom(seedRandom("b")))).toEqual({ type: "ready" });
  });

  it("fires next to a hit, then along the line two hits make", () => {
    let state = firing("h");
    const ship = state.fleets[0]![0]!; // the carrier: five cells
    state = fire(state, 0, 99 - ship[2]!);
    state = fire(state, 1, ship[2]!);
    const [row, column] = [Math.floor(ship[2]! / SIZE), ship[2]! % SIZE];
    const neighbours = [ship[2]! - SIZE, ship[2]! + SIZE, ship[2]! - 1, ship[2]! + 1].filter(
      (cell) => cell >= 0 && cell < CELLS && (Math.floor(cell / SIZE) === row || cell % SIZE === column),
    );
    for (const seed of ["1", "2", "3"]) {
      const shot = chooseBattleshipMove(state, 1, createRandom(seedRandom(seed)));
      expect(shot.type === "fire" && neighbours.includes(shot.cell)).toBe(true);
    }
    state = fire(state, 0, 98 - ship[2]!);
    state = fire(state, 1, ship[3]!);
    const shot = chooseBattleshipMove(state, 1, createRandom(seedRandom("4")));
    expect(shot.type === "fire" && (shot.cell === ship[1] || shot.cell === ship[4])).toBe(true);
  });

  it("chooses the same shot whatever it cannot see", () => {
    let state = firing("same");
    for (const cell of [44, 45, 12]) state = fire(fire(state, 0, cell), 1, cell);
    const moved = battleship.resampleHidden!(state, 1, createRandom(seedRandom("elsewhere")));
    expect(moved.fleets[0]).not.toEqual(state.fleets[0]);
    const pick = (s: BattleshipState) => chooseBattleshipMove(s, 1, createRandom(seedRandom("same")));
    expect(pick(moved)).toEqual(pick(state));
  });

  it("sinks a fleet in far fewer shots than firing at random", () => {
    const shotsToSink = (
      seed: string,
      choose: (state: BattleshipState, random: ReturnType<typeof createRandom>) => number,
    ) => {
      let state = firing(seed);
      const random = createRandom(seedRandom(seed));
      for (let shots = 1; ; shots++) {
        state = fire(state, 0, choose(state, random));
        if (battleship.outcome(state)) return shots;
        // Seat 1 keeps firing at one corner: it never sinks anything, so only seat 0 can win.
        state = fire(state, 1, 0);
      }
    };
    const seeds = Array.from({ length: 12 }, (_, index) => `game${index}`);
    const bot = seeds.map((seed) =>
      shotsToSink(seed, (state, random) => {
        const chosen = chooseBattleshipMove(state, 0, random);
        return chosen.type === "fire" ? chosen.cell : -1;
      }),
    );
    const blind = seeds.map((seed) =>
      shotsToSink(seed, (state, random) => {
        const open = battleship.legalMoves(state, 0);
        const chosen = open[random.int(open.length)];
        return chosen?.type === "fire" ? chosen.cell : -1;
      }),
    );
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean(bot)).toBeLessThan(65);
    expect(mean(blind)).toBeGreaterThan(85);
  });
});

describe("Battleship ended off the board", () => {
  const fleetsSeen = (state: MatchState, engine: ReturnType<typeof createEngine>) =>
    (["spectator", 0, 1] as const).map((viewer) =>
      (engine.view(state, viewer) as ReturnType<typeof battleshipView>).seas.map((sea) => sea.fleet),
    );

  it("shows both fleets to every viewer once a seat resigns, and replay and restore agree", () => {
    const engine = createEngine(battleship, {}, "resign");
    const log = [...START, ...READY, move(0, { type: "fire", cell: 0 })];
    const playing = engine.replay(log);
    expect(fleetsSeen(playing, engine)).toEqual([
      [null, null],
      [game(playing).fleets[0], null],
      [null, game(playing).fleets[1]],
    ]);
    const resigned = engine.apply(playing, { kind: "resign", seat: 1 }, 5);
    expect(resigned.result).toMatchObject({ kind: "win", winners: [0], reason: "resign" });
    const both = game(resigned).fleets;
    expect(both.every((fleet) => fleet.length === FLEET.length)).toBe(true);
    for (const seen of fleetsSeen(resigned, engine)) expect(seen).toEqual(both);
    expect((engine.view(resigned, "spectator") as ReturnType<typeof battleshipView>).phase).toBe("over");
    // A wake-up folds the log with `restore`; an audit with `replay`: both reach the same state.
    let restored = engine.initial();
    for (const event of [...log, { kind: "resign", seat: 1 } as const]) restored = engine.restore(restored, event, 5);
    expect(restored.game).toEqual(resigned.game);
    expect(engine.replay([...log, { kind: "resign", seat: 1 }]).game).toEqual(resigned.game);
  });

  it("shows both fleets once a banked clock runs out, even while still placing", () => {
    const engine = createEngine(battleship, {}, "flag", { kind: "fischer", baseMs: 60_000, incrementMs: 0 });
    let state = engine.replay(START.map((event) => ({ ...event, at: 0 })));
    state = engine.apply(state, move(0, { type: "ready" }), 1_000);
    const timeout = engine.timeout(state, 60_000);
    expect(timeout).toEqual({ kind: "timeout", seats: [1] });
    state = engine.apply(state, timeout!, 60_000);
    expect(state.result).toMatchObject({ kind: "win", winners: [0], reason: "timeout" });
    for (const seen of fleetsSeen(state, engine)) expect(seen).toEqual(game(state).fleets);
  });

  it("shows both fleets after an agreed draw and after an abort", () => {
    const engine = createEngine(battleship, {}, "draw");
    const playing = engine.replay([...START, ...READY]);
    const drawn = engine.replay([
      ...START,
      ...READY,
      { kind: "draw-offer", seat: 0 },
      { kind: "draw-accept", seat: 1 },
    ]);
    expect(drawn.result).toEqual({ kind: "draw", reason: "agreement" });
    for (const seen of fleetsSeen(drawn, engine)) expect(seen).toEqual(game(drawn).fleets);
    const aborted = engine.apply(playing, { kind: "abort", reason: "test" });
    for (const seen of fleetsSeen(aborted, engine)) expect(seen).toEqual(game(aborted).fleets);
    // Called off before it started: no game state, nothing for `onEnd`.
    expect(engine.apply(engine.initial(), { kind: "abort", reason: "test" }).game).toBeNull();
  });

  it("leaves the state of a game without onEnd as it was when a seat resigns", () => {
    const engine = createEngine(ticTacToe, {}, "plain");
    const playing = engine.replay([...START, { kind: "move", seat: 0, move: { cell: 4 }, id: "t" }]);
    const resigned = engine.apply(playing, { kind: "resign", seat: 0 });
    expect(resigned.status).toBe("finished");
    expect(resigned.game).toBe(playing.game);
  });
});
