/** Battleship: the pile as a row of counters, and a button for each move. */
import "./battleship.css";
import type { BattleshipMove, BattleshipState } from "../../../shared/games/battleship.ts";
import type { Renderer } from "../renderer.ts";

/** Sentences for the rules' refusal codes. */
const REASONS: Readonly<Record<string, string>> = {
  "not-enough": "There are not that many counters left.",
};

export const renderer: Renderer = {
  pieces: ["First", "Second"],

  render(root, { view, mySeat, canMove, play }) {
    const state = view as BattleshipState | null;
    let board = root.querySelector<HTMLElement>(":scope > .battleship-board");
    if (!board) {
      board = document.createElement("div");
      board.className = "board battleship-board";
      const pile = document.createElement("div");
      pile.className = "battleship-pile";
      pile.setAttribute("role", "img");
      const moves = document.createElement("div");
      moves.className = "battleship-moves";
      for (const take of [1, 2, 3] as const) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = `Take ${take}`;
        button.addEventListener("click", () => play({ take } satisfies BattleshipMove));
        moves.append(button);
      }
      board.append(pile, moves);
      root.replaceChildren(board);
    }
    const left = state?.pile ?? 0;
    const pile = board.querySelector<HTMLElement>(".battleship-pile")!;
    pile.replaceChildren(...Array.from({ length: left }, () => document.createElement("span")));
    pile.setAttribute("aria-label", `${left} counters left`);
    for (const button of board.querySelectorAll("button")) button.disabled = mySeat === null || !canMove;
  },

  describe(move) {
    const take = (move as Partial<BattleshipMove> | null)?.take;
    return typeof take === "number" ? `took ${take}` : "?";
  },

  explain: (reason) => REASONS[reason] ?? null,
};
