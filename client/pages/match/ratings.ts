/**
 * The seated players' ratings in this game, read from their profiles, and what this match did
 * to them once each player's record has it.
 */
import type { GameRating, Rating, SeatInfo } from "../../../shared/protocol.ts";
import { api } from "../../session.ts";

export interface RatingChange {
  readonly before: Rating;
  readonly after: Rating;
}

export class RatingBook {
  /** Each seated person's rating in this game: undefined while loading, null before their first rated game. */
  private readonly ratings = new Map<string, GameRating | null | undefined>();
  /** What this match did to each player's rating, once their profile records it. */
  private readonly changes = new Map<string, RatingChange>();
  private readonly gameId: string;
  private readonly matchId: string;
  /** Called when a profile answers, to draw what it said. */
  private readonly onChange: () => void;
  private poll: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(gameId: string, matchId: string, onChange: () => void) {
    this.gameId = gameId;
    this.matchId = matchId;
    this.onChange = onChange;
  }

  /** The player's rating: undefined until their profile answers (loading it the first time it is asked for). */
  rating(playerId: string): GameRating | null | undefined {
    if (!this.ratings.has(playerId)) {
      this.ratings.set(playerId, undefined);
      void this.load(playerId);
    }
    return this.ratings.get(playerId);
  }

  change(playerId: string): RatingChange | undefined {
    return this.changes.get(playerId);
  }

  /**
   * A rated match moves the ratings once each player's record has it (a moment after the end):
   * reads the profiles again until every change is known, for a while.
   */
  followChanges(people: readonly SeatInfo[]): void {
    let tries = 0;
    const poll = () => {
      if (this.closed || people.every((info) => this.changes.has(info.playerId)) || ++tries > 15) return;
      for (const info of people) if (!this.changes.has(info.playerId)) void this.load(info.playerId);
      this.poll = setTimeout(poll, 1000);
    };
    this.poll = setTimeout(poll, 500);
  }

  close(): void {
    this.closed = true;
    if (this.poll) clearTimeout(this.poll);
  }

  private async load(playerId: string): Promise<void> {
    const profile = await api().profile(playerId);
    if (!profile.ok) return;
    this.ratings.set(playerId, profile.value.ratings[this.gameId] ?? null);
    const record = profile.value.recent.find((entry) => entry.matchId === this.matchId);
    if (record?.ratingBefore && record.ratingAfter)
      this.changes.set(playerId, { before: record.ratingBefore, after: record.ratingAfter });
    this.onChange();
  }
}
