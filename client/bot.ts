/**
 * A bot on the SDK: plays a uniformly random legal move whenever its seat may move, until the
 * match is over. Pure logic over a MatchClient (no DOM, no Node APIs), so it runs in the
 * browser and in Node alike: tests, load generators, a "play against the computer" page.
 *
 * Legal moves come from the game's own `legalMoves` (shared with the server's bots) applied to
 * the client's view. That needs a game without hidden information, whose view is the whole
 * state; a hidden-information game's view is not a state the rules can read, so the bot
 * refuses those games.
 */
import { hasHiddenInformation } from "../shared/engine.ts";
import type { AnyGame, Seat } from "../shared/game.ts";
import type { MatchView } from "../shared/protocol.ts";
import type { MatchClient } from "./sdk.ts";

/** The moves `seat` may make in `view` by the shared rules (empty when it may not move, or the game hides information). */
export function legalMoves(game: AnyGame, view: MatchView, seat: Seat): unknown[] {
  if (view.status !== "playing" || !view.turn?.seats.includes(seat) || hasHiddenInformation(game)) return [];
  return [...game.legalMoves(view.view, seat)];
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
      if (client.status === "closed")
        return finish(() => reject(new Error("the client closed before the match finished")));
      const game = client.game;
      const view = client.view;
      // Wait for the server's answer to our last move before choosing another.
      if (!game || !view || client.seat === null || !client.myTurn || client.pending.length > 0) return;
      if (hasHiddenInformation(game)) {
        return finish(() =>
          reject(new Error(`the random bot cannot play ${game.id}: a client sees only its view of it`)),
        );
      }
      const moves = legalMoves(game, view, client.seat);
      const move = moves[Math.min(moves.length - 1, Math.floor(random() * moves.length))];
      if (move === undefined)
        return finish(() => reject(new Error(`no legal move for seat ${client.seat} at seq ${view.seq}`)));
      busy = true;
      try {
        const sent = client.move(move);
        // The move passed the same rules just now: a local refusal is a defect, not a position.
        if (!sent.ok)
          finish(() => reject(new Error(`the bot's move was refused: ${sent.error.code} ${sent.error.message}`)));
      } finally {
        busy = false;
      }
    };
    stops.push(client.on("change", step));
    step();
  });
}
