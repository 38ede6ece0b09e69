/** A failure that is expected and reported to the caller: a stable code plus a human message. */
export interface Failure<C extends string = string> {
  readonly code: C;
  readonly message: string;
  /** A finer code from elsewhere: the game's own, when the engine refuses a move as `illegal`. */
  readonly reason?: string;
}

/** Expected failures are values, not exceptions (exceptions are for defects). */
export type Result<T, C extends string = string> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: Failure<C> };

/** Wraps a value as a success. */
export function ok<T>(value: T): Result<T, never> {
  return { ok: true, value };
}

/** Wraps a code and message as a failure. */
export function fail<C extends string>(code: C, message: string): Result<never, C> {
  return { ok: false, error: { code, message } };
}
