/**
 * Battleship: each player's fleet is hidden on a 10×10 sea. Both seats place at once (the
 * fleet is dealt from the match's seeded generator; a seat may deal it again a few times, then
 * declares itself ready), then they fire in turn; sinking the whole enemy fleet wins.
 *
 * Fleets come from the generator, not from the moves, so no move ever carries a secret: the
 * log says "shuffle" and "ready", and the seed that turns them into fleets stays on the server
 * until the match is over.
 */
import * as v from "valibot";
import type { GameDefinition, GameResult, Illegal, Seat, Viewer } from "../game.ts";
import type { Random } from "../random.ts";

export const SIZE = 10;
export const CELLS = SIZE * SIZE;
/** Ship lengths, largest first: carrier, battleship, cruiser, submarine, destroyer. */
export const FLEET = [5, 4, 3, 3, 2] as const;
/** Times a seat may deal its fleet again before it must declare itself ready. */
export const MAX_SHUFFLES = 10;

/** A ship: its cells (row * SIZE + column), in a line from its bow. */
export type Ship = readonly number[];

export interface BattleshipState {
  readonly phase: "placing" | "firing";
  readonly fleets: readonly (readonly Ship[])[];
  readonly ready: readonly boolean[];
  readonly shuffles: readonly number[];
  /** shots[seat]: the cells `seat` fired at on the other seat's sea, in order. */
  readonly shots: readonly (readonly number[])[];
  readonly turn: Seat;
  /** Set once the match is over, however it ended (`onEnd`): every fleet is shown to everyone. */
  readonly revealed?: true;
}

export const BattleshipMove = v.variant("type", [
  v.strictObject({ type: v.literal("shuffle") }),
  v.strictObject({ type: v.literal("ready") }),
  v.strictObject({
    type: v.literal("fire"),
    cell: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(CELLS - 1)),
  }),
]);
export type BattleshipMove = v.InferOutput<typeof BattleshipMove>;

/** One shot as everyone sees it. */
export interface Shot {
  readonly cell: number;
  readonly hit: boolean;
}

/** One sea as `viewer` sees it: the shots it took, the ships sunk on it, and its fleet if `viewer` may see it. */
export interface SeaView {
  readonly shots: readonly Shot[];
  readonly sunk: readonly Ship[];
  readonly fleet: readonly Ship[] | null;
}

export interface BattleshipView {
  readonly viewer: Viewer;
  readonly phase: "placing" | "firing" | "over";
  readonly ready: readonly boolean[];
  readonly turn: Seat;
  /** seas[seat]: seat's own sea (the other seat fires at it). */
  readonly seas: readonly SeaView[];
  /** The last shot: who fired, where, and what it did. */
  readonly last: (Shot & { readonly seat: Seat; readonly sunk: number | null }) | null;
}

export const other = (seat: Seat): Seat => (seat === 0 ? 1 : 0);

/** A fleet placed at random: each ship in turn, in a random free line, ships never overlapping. */
export function dealFleet(random: Random): Ship[] {
  for (;;) {
    // With the usual fleet on an empty sea a ship nearly always finds room at once.
    const fleet = tryFleet(random, new Set(), FLEET);
    if (fleet) return fleet;
  }
}

/** Ships of `lengths` placed at random clear of `avoid`; null when one found no room in its tries. */
export function tryFleet(random: Random, avoid: ReadonlySet<number>, lengths: readonly number[]): Ship[] | null {
  const taken = new Set(avoid);
  const ships: Ship[] = [];
  for (const length of lengths) {
    let placed: Ship | null = null;
    for (let tries = 0; tries < 200 && !placed; tries++) {
      const ship = lineAt(random.int(CELLS), random.int(2) === 0, length);
      if (ship?.every((cell) => !taken.has(cell))) placed = ship;
    }
    if (!placed) return null;
    ships.push(placed);
    for (const cell of placed) taken.add(cell);
  }
  return ships;
}

/** The cells of a ship of `length` from `bow` across (or down); null when it leaves the sea. */
export function lineAt(bow: number, across: boolean, length: number): Ship | null {
  const row = Math.floor(bow / SIZE);
  const column = bow % SIZE;
  if ((across ? column : row) + length > SIZE) return null;
  return Array.from({ length }, (_, k) => bow + k * (across ? 1 : SIZE));
}

/** The ships of `fleet` every cell of which is in `shots`. */
export function sunkShips(fleet: readonly Ship[], shots: readonly number[]): Ship[] {
  const fired = new Set(shots);
  return fleet.filter((ship) => ship.every((cell) => fired.has(cell)));
}

function outcome(state: BattleshipState): GameResult | null {
  for (const seat of [0, 1]) {
    const fleet = state.fleets[other(seat)] ?? [];
    if (state.phase === "firing" && sunkShips(fleet, state.shots[seat] ?? []).length === fleet.length)
      return { kind: "win", winners: [seat], reason: "fleet-sunk" };
  }
  return null;
}

function activeSeats(state: BattleshipState): Seat[] {
  if (outcome(state)) return [];
  return state.phase === "placing" ? [0, 1].filter((seat) => !state.ready[seat]) : [state.turn];
}

function refusal(state: BattleshipState, seat: Seat, move: BattleshipMove): Illegal | null {
  if (move.type === "fire") {
    if (state.phase === "placing") return { code: "still-placing", message: "fire once both fleets are ready" };
    if (state.shots[seat]?.includes(move.cell)) return { code: "already-fired", message: "you fired there already" };
    return null;
  }
  if (state.phase === "firing") return { code: "fleets-placed", message: "the fleets are placed" };
  if (move.type === "shuffle" && (state.shuffles[seat] ?? 0) >= MAX_SHUFFLES)
    return { code: "no-more-shuffles", message: `a fleet may be dealt again ${MAX_SHUFFLES} times` };
  return null;
}

function legalMoves(state: BattleshipState, seat: Seat): BattleshipMove[] {
  if (!activeSeats(state).includes(seat)) return [];
  if (state.phase === "placing") {
    return (state.shuffles[seat] ?? 0) < MAX_SHUFFLES ? [{ type: "ready" }, { type: "shuffle" }] : [{ type: "ready" }];
  }
  const fired = new Set(state.shots[seat]);
  return Array.from({ length: CELLS }, (_, cell) => cell)
    .filter((cell) => !fired.has(cell))
    .map((cell) => ({ type: "fire", cell }));
}

/** What `viewer` sees: every shot and every sunk ship; its own fleet; every fleet once the match is over. */
export function battleshipView(state: BattleshipState, viewer: Viewer): BattleshipView {
  // Revealed covers a match ended off the board (resigned, flagged, drawn, abandoned).
  const over = state.revealed === true || outcome(state) !== null;
  const seas = state.fleets.map((fleet, seat): SeaView => {
    const taken = state.shots[other(seat)] ?? [];
    const ships = new Set(fleet.flat());
    return {
      shots: taken.map((cell) => ({ cell, hit: ships.has(cell) })),
      sunk: sunkShips(fleet, taken),
      fleet: over || viewer === seat ? fleet : null,
    };
  });
  const mover = other(state.turn);
  const cell = state.phase === "firing" ? state.shots[mover]?.at(-1) : undefined;
  const target = state.fleets[state.turn] ?? [];
  const hitShip = cell === undefined ? undefined : target.find((ship) => ship.includes(cell));
  const sunk = hitShip && sunkShips([hitShip], state.shots[mover] ?? []).length > 0 ? hitShip.length : null;
  return {
    viewer,
    phase: over ? "over" : state.phase,
    ready: state.ready,
    turn: state.turn,
    seas,
    last: cell === undefined ? null : { seat: mover, cell, hit: hitShip !== undefined, sunk },
  };
}

const replace = <T>(items: readonly T[], index: number, item: T): T[] =>
  items.map((old, at) => (at === index ? item : old));

/** Battleship for two: hidden fleets placed at once, then shots in turn. */
export const battleship: GameDefinition<BattleshipState, BattleshipMove, Record<string, never>, BattleshipView> = {
  id: "battleship",
  name: "Battleship",
  minPlayers: 2,
  maxPlayers: 2,
  options: v.strictObject({}),
  move: BattleshipMove,
  defaultTimeControl: { kind: "move", ms: 30_000 },
  // Out of time while placing: ready as dealt. While firing: the first cell not fired at yet.
  timeout: { kind: "move", choose: (state, seat) => legalMoves(state, seat)[0] ?? { type: "ready" } },
  // Each seat: its shuffles and its ready, then at most every cell of the other's sea.
  maxMoves: 2 * (MAX_SHUFFLES + 1 + CELLS),

  setup: (_players, _options, random) => ({
    phase: "placing",
    fleets: [dealFleet(random), dealFleet(random)],
    ready: [false, false],
    shuffles: [0, 0],
    shots: [[], []],
    turn: 0,
  }),

  activeSeats,
  validate: refusal,
  legalMoves,

  apply: (state, seat, move, random): BattleshipState => {
    switch (move.type) {
      case "shuffle":
        return {
          ...state,
          fleets: replace(state.fleets, seat, dealFleet(random)),
          shuffles: replace(state.shuffles, seat, (state.shuffles[seat] ?? 0) + 1),
        };
      case "ready": {
        const ready = replace(state.ready, seat, true);
        return { ...state, ready, phase: ready.every(Boolean) ? "firing" : "placing" };
      }
      case "fire":
        return {
          ...state,
          shots: replace(state.shots, seat, [...(state.shots[seat] ?? []), move.cell]),
          turn: other(seat),
        };
    }
  },

  outcome,

  onEnd: (state) => ({ ...state, revealed: true }),

  // Unsunk ships the viewer cannot see sail elsewhere, clear of every shot fired at them.
  resampleHidden: (state, viewer, random) => {
    if (state.revealed || outcome(state)) return state;
    const fleets = state.fleets.map((fleet, seat) => {
      if (seat === viewer) return fleet;
      const shots = state.shots[other(seat)] ?? [];
      const fired = new Set(shots);
      const fixed = fleet.filter((ship) => ship.some((cell) => fired.has(cell)));
      const free = fleet.filter((ship) => !ship.some((cell) => fired.has(cell)));
      const moved = tryFleet(
        random,
        new Set([...shots, ...fixed.flat()]),
        free.map((ship) => ship.length),
      );
      // No room found (a crowded sea): this fleet stays, which is still a valid variant.
      return fleet.map((ship) => (fixed.includes(ship) || !moved ? ship : (moved[free.indexOf(ship)] ?? ship)));
    });
    return { ...state, fleets };
  },

  view: battleshipView,
};
