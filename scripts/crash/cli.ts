/** Command-line helpers shared by scripts/crash.ts, scripts/soak.ts and scripts/tournament-crash.ts. */
import { pathToFileURL } from "node:url";
import { stopAll } from "./server.ts";

export function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} takes a number`);
  return value;
}

export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === url;
}

/**
 * The command-line end of a stress run: stops every server it started on Ctrl-C or a failure,
 * writes the first problems to stderr and `shown` (by default the figures and how many problems)
 * as one JSON line to stdout, and exits 1 unless the report is ok.
 */
export async function runMain<R extends { readonly ok: boolean; readonly problems: readonly string[] }>(
  what: string,
  run: () => Promise<R>,
  shown: (figures: Omit<R, "problems">, problems: readonly string[]) => unknown = (figures, problems) => ({
    ...figures,
    problems: problems.length,
  }),
): Promise<void> {
  const cleanup = () => void stopAll().finally(() => process.exit(130));
  process.once("SIGINT", cleanup);
  process.once("SIGTERM", cleanup);
  try {
    const report = await run();
    const { problems, ...figures } = report;
    for (const problem of problems.slice(0, 50)) process.stderr.write(`PROBLEM ${problem}\n`);
    process.stdout.write(`${JSON.stringify(shown(figures, problems))}\n`);
    process.exitCode = report.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`${what} failed: ${String((error as Error).stack ?? error)}\n`);
    await stopAll();
    process.exitCode = 1;
  }
  // Sockets and timers of closed clients must not hold the process.
  setTimeout(() => process.exit(), 2_000).unref();
}
