/**
 * A bot on the SDK: plays a uniformly random legal move whenever its seat may move, until the
 * match is over. Pure logic over a MatchClient (no DOM, no Node APIs), so it runs in the
 * browser and in Node alike: tests, load generators, a "play against the computer" page.
 *
 * Legal moves are found by enumerating the game's candidate moves and keeping those the
 * shared rules accept on the client's view. That needs a game without hidden information
 * (the view is then the whole state) and a known list of candidates; issue 5 replaces the
 * table below with a generic bot for every game.
 */
import * as v from "valibot";
import type { AnyGame, Seat } from "../shared/game.ts";
import type { MatchView } from "../shared/protocol.ts";
import type { MatchClient } from "./sdk.ts";

/** Every move a game could ever accept, by game id (legal or not in a given position). */
const CANDIDATES: Readonly<Record<string, () => readonly unknown[]>> = {
  "tic-tac-toe": () => Array.from({ length: 9 }, (_, cell) => ({ cell })),
  "connect-four": () => Array.from({ length: 7 }, (_, column) => ({ column })),
};

/** The candidate moves of `game`, or null when the bot does not know the game. */
export function candidateMoves(game: AnyGame): readonly unknown[] | null {
  return CANDIDATES[game.id]?.() ?? null;
}

/** The moves `seat` may make in `view` by the shared rules (empty when it may not move). */
export function legalMoves(game: AnyGame, view: MatchView, seat: Seat): unknown[] {
  if (view.status !== "playing" || !view.turn?.seats.includes(seat) || game.hiddenInformation) return [];
  return (candidateMoves(game) ?? []).filter(
    (move) => v.is(game.move, move) && game.validate(view.view, seat, v.parse(game.move, move)) === null,
  );
}

/**
 * Plays `client`'s seat with uniformly random legal moves (`random` returns a float in [0, 1))
 * until the match is finished; resolves with the final view as the server confirmed it.
 * Rejects if the client closes for good, or if the bot cannot play this game.
 * A client without a seat just watches to the end.
 */
export function playRandom(client: MatchClient, random: () => number = Math.random): Promise<MatchView> {
  return new Promise<MatchView>((resolve, reject) => {
    let done = false;
    let busy = false;
    const stops: (() => void)[] = [];
    const finish = (settle: () => void) => {
      done = true;
      for (const stop of stops) stop();
      settle();
    };
    const step = () => {
      if (done || busy) return;
      const confirmed = client.confirmed;
      if (confirmed?.status === "finished") return finish(() => resolve(confirmed));
      if (client.status === "closed") return finish(() => reject(new Error("the client closed before the match finished")));
      const game = client.game;
      const view = client.view;
      // Wait for the server's answer to our last move before choosing another.
      if (!game || !view || client.seat === null || !client.myTurn || client.pending.length > 0) return;
      if (game.hiddenInformation || !candidateMoves(game)) {
        return finish(() => reject(new Error(`the random bot cannot play ${game.id} yet`)));
      }
      const moves = legalMoves(game, view, client.seat);
      const move = moves[Math.min(moves.length - 1, Math.floor(random() * moves.length))];
      if (move === undefined) return finish(() => reject(new Error(`no legal move for seat ${client.seat} at seq ${view.seq}`)));
      busy = true;
      try {
        const sent = client.move(move);
        // The move passed the same rules just now: a local refusal is a defect, not a position.
        if (!sent.ok) finish(() => reject(new Error(`the bot's move was refused: ${sent.error.code} ${sent.error.message}`)));
      } finally {
        busy = false;
      }
    };
    stops.push(client.on("change", step));
    step();
  });
}
