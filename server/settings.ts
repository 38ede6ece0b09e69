/** Settings read from the Worker's environment (`vars` in wrangler.jsonc), with their defaults. */

/** A duration in milliseconds from the environment, or `fallback` when it is unset or not a number ≥ 0. */
export function durationSetting(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return value !== undefined && Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
}
