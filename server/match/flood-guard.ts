/**
 * Flood control per socket: a token bucket (LIMITS.framesPerSecond on average, LIMITS.frameBurst
 * at once) and a strike count of refused frames that decays over time; past LIMITS.floodStrikes
 * the socket is closed. In memory only: soft limits reset when the object sleeps. The clock is
 * injected, so tests decide how much time passes.
 */
import { LIMITS } from "../../shared/protocol.ts";

interface Bucket {
  tokens: number;
  updated: number;
  /** Refused frames, decaying by LIMITS.strikeDecayPerSecond. */
  strikes: number;
  struck: number;
}

export class FloodGuard {
  readonly #buckets = new Map<string, Bucket>();

  /** `now` is the clock (epoch ms); tests pass their own. */
  constructor(public now: () => number = Date.now) {}

  #bucket(id: string): Bucket {
    let bucket = this.#buckets.get(id);
    if (!bucket) {
      const now = this.now();
      bucket = { tokens: LIMITS.frameBurst, updated: now, strikes: 0, struck: now };
      this.#buckets.set(id, bucket);
    }
    return bucket;
  }

  /** Takes a token for one frame from socket `id`; false when its bucket is empty (the frame is refused). */
  allow(id: string): boolean {
    const bucket = this.#bucket(id);
    const now = this.now();
    bucket.tokens = Math.min(
      LIMITS.frameBurst,
      bucket.tokens + ((now - bucket.updated) / 1000) * LIMITS.framesPerSecond,
    );
    bucket.updated = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Counts a refused frame from socket `id`; true when the socket has earned closing. */
  strike(id: string): boolean {
    const bucket = this.#bucket(id);
    const now = this.now();
    bucket.strikes = Math.max(0, bucket.strikes - ((now - bucket.struck) / 1000) * LIMITS.strikeDecayPerSecond) + 1;
    bucket.struck = now;
    return bucket.strikes > LIMITS.floodStrikes;
  }

  /** A closed socket's bucket is dropped. */
  forget(id: string): void {
    this.#buckets.delete(id);
  }
}
