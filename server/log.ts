/**
 * Structured logs: one JSON object per line with an `event` name, for Workers observability
 * (enabled in wrangler.jsonc) and `wrangler tail`. Fields are primitives only, so no object
 * holding a credential can be logged whole, and any string shaped like a token is redacted.
 */

/** Values a log line may carry. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Player tokens: two base64url parts joined by a dot (see auth.ts). */
const TOKEN_SHAPE = /[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g;

/** Replaces anything token-shaped, wherever it appears in a string. */
export function redact(value: string): string {
  return value.replace(TOKEN_SHAPE, "[redacted]");
}

/** Writes one structured line. */
export function log(level: "info" | "warn" | "error", event: string, fields: LogFields = {}): void {
  const line: Record<string, unknown> = { level, event };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) line[key] = typeof value === "string" ? redact(value) : value;
  }
  const text = JSON.stringify(line);
  if (level === "error") console.error(text);
  else if (level === "warn") console.warn(text);
  else console.log(text);
}

/** Rejected input is logged for 1 frame in this many by default (PLY_LOG_REJECTED_EVERY overrides). */
export const REJECTED_EVERY = 100;

/** Logs a rejected frame or request, sampled: floods must not flood the logs. */
export function logRejected(env: { PLY_LOG_REJECTED_EVERY?: string }, fields: LogFields): void {
  const every = Number(env.PLY_LOG_REJECTED_EVERY ?? REJECTED_EVERY);
  if (every > 0 && Math.random() * every < 1) log("info", "input-rejected", fields);
}
