/**
 * Small helpers of the SDK (client/sdk.ts): the random source an optimistic apply is given and
 * the default move ids.
 */
import type { Random } from "../shared/random.ts";

/** Randomness stays on the server: an optimistic apply that needs it is skipped. */
const serverSide = (): never => {
  throw new Error("randomness is server-side");
};
export const NO_RANDOM: Random = { next: serverSide, int: serverSide, shuffle: serverSide, state: serverSide };

/** A move id: 20 characters from 12 random bytes. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (byte) => byte.toString(36).padStart(2, "0"))
    .join("")
    .slice(0, 20);
}
