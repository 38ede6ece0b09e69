/**
 * The checks of the entry RPCs (join, withdraw, pause, add bots): each refusal a stable error
 * code, decided before anything is written; and the writing of house bots as entrants.
 */
import { botsFor } from "../../shared/bots.ts";
import { findGame } from "../../shared/games/index.ts";
import { fail, ok, type Result } from "../../shared/result.ts";
import type { PlayerRef } from "../contracts.ts";
import { INITIAL_RATING } from "../ratings.ts";
import type { Entrant, TournamentStore } from "./store.ts";
import { isClosed, type Loaded } from "./views.ts";

/** May this player join? Their earlier (withdrawn) entry, if any, when they may. */
export function checkJoin(
  store: TournamentStore,
  loaded: Loaded,
  player: PlayerRef,
  code: string | undefined,
  now: number,
): Result<Entrant | null, "tournament-over" | "tournament-full" | "already-joined" | "wrong-code"> {
  if (isClosed(loaded, now)) return fail("tournament-over", "the tournament takes no more players: it is over");
  if (loaded.config.isPrivate && code?.toUpperCase() !== loaded.config.code) {
    return fail("wrong-code", "this tournament is private: join with its code");
  }
  const existing = store.entrant(player.pid);
  if (existing && existing.state !== "withdrawn") return fail("already-joined", "you are in this tournament already");
  if (store.count() >= loaded.config.maxPlayers) {
    return fail("tournament-full", `the tournament is full (${loaded.config.maxPlayers} players)`);
  }
  return ok(existing);
}

/** Is this player in the tournament (not withdrawn), and is it not over? Their entry when so. */
export function checkEntered(
  store: TournamentStore,
  loaded: Loaded,
  pid: string,
): Result<Entrant, "not-entered" | "tournament-over"> {
  const entrant = store.entrant(pid);
  if (!entrant || entrant.state === "withdrawn") return fail("not-entered", "you are not in this tournament");
  if (loaded.progress.status === "finished") return fail("tournament-over", "the tournament is over");
  return ok(entrant);
}

/** The house bot a game's tournaments enter (its strongest), if it has one. */
export function houseBot(gameId: string): string | undefined {
  const game = findGame(gameId);
  return game ? botsFor(game).at(-1) : undefined;
}

/** Enters up to `count` house bots while there is room; how many were entered. Call inside a transaction. */
export function addBotEntrants(
  store: TournamentStore,
  loaded: Loaded,
  kind: string,
  count: number,
  now: number,
): number {
  let n = 0;
  for (let index = 0; index < count && store.count() < loaded.config.maxPlayers; index++) {
    const number = store.entrants().filter((entrant) => entrant.bot !== null).length + 1;
    store.addEntrant(
      { pid: `tbot-${kind}-${number}`, name: `Bot (${kind}) ${number}`, rating: INITIAL_RATING.rating, bot: kind },
      now,
    );
    n++;
  }
  return n;
}
