/**
 * Battleship's search bot. It reads only its own seat's view, so it plays on what it may know:
 * it counts, for every cell it has not fired at, the ways the enemy ships still afloat could
 * lie across it, clear of its misses and of the ships it sank. After a hit it hunts: only the
 * ways through a hit that no sunk ship explains count, so it fires around the hit and then
 * along the line the hits make, until the ship sinks.
 */
import type { Seat } from "../game.ts";
import type { Random } from "../random.ts";
import {
  battleshipView,
  CELLS,
  FLEET,
  lineAt,
  other,
  type BattleshipMove,
  type BattleshipState,
  type SeaView,
} from "./battleship.ts";

/** How many ways each cell of the enemy sea could hold a ship still afloat (0 for cells fired at). */
export function shotScores(sea: SeaView): number[] {
  const fired = new Set(sea.shots.map((shot) => shot.cell));
  const sunkCells = new Set(sea.sunk.flat());
  const misses = new Set(sea.shots.filter((shot) => !shot.hit).map((shot) => shot.cell));
  const openHits = new Set(sea.shots.filter((shot) => shot.hit && !sunkCells.has(shot.cell)).map((shot) => shot.cell));
  const afloat: number[] = [...FLEET];
  for (const ship of sea.sunk) afloat.splice(afloat.indexOf(ship.length), 1);
  const scores = Array<number>(CELLS).fill(0);
  for (const length of afloat) {
    for (let bow = 0; bow < CELLS; bow++) {
      for (const across of [true, false]) {
        const ship = lineAt(bow, across, length);
        if (!ship || ship.some((cell) => misses.has(cell) || sunkCells.has(cell))) continue;
        const through = ship.filter((cell) => openHits.has(cell)).length;
        // Hunting: only a ship through a hit explains it; more hits in line make the line likelier.
        if (openHits.size > 0 && through === 0) continue;
        const weight = through === 0 ? 1 : 20 ** through;
        for (const cell of ship) if (!fired.has(cell)) scores[cell] = (scores[cell] ?? 0) + weight;
      }
    }
  }
  return scores;
}

/** The move the bot makes for `seat`: ready with the fleet as dealt, then the likeliest cell (ties at random). */
export function chooseBattleshipMove(state: BattleshipState, seat: Seat, random: Random): BattleshipMove {
  const view = battleshipView(state, seat);
  if (view.phase === "placing") return { type: "ready" };
  const sea = view.seas[other(seat)];
  if (!sea) throw new Error("battleship bot: no enemy sea");
  const scores = shotScores(sea);
  const fired = new Set(sea.shots.map((shot) => shot.cell));
  const open = scores.flatMap((_, cell) => (fired.has(cell) ? [] : [cell]));
  const best = Math.max(...open.map((cell) => scores[cell] ?? 0));
  const choices = open.filter((cell) => scores[cell] === best);
  const cell = choices[random.int(choices.length)];
  if (cell === undefined) throw new Error("battleship bot: nowhere left to fire");
  return { type: "fire", cell };
}
