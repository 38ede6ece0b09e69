/**
 * Runs once in Vitest's main process, for `npm test` and `npm run fuzz`. workerd's own log
 * lines reach the terminal from there, with no test to tie them to; this drops the ones that
 * report the runtime working as designed, as the Workers Vitest integration already does for
 * others (its `ignoreMessages`). Anything else still shows.
 */
const BENIGN = [
  // workerd fires an alarm at the time it was first set even after the object moved it later
  // (Match does when a player comes back), then finds the later time in SQLite and re-arms:
  // actor-sqlite.c++ logs this at each such early wake-up.
  "NOSENTRY SQLite alarm handler canceled with requestScheduledAlarm.",
];

export default function setup(): () => void {
  const write = process.stderr.write;
  process.stderr.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === "string" && BENIGN.some((line) => chunk.startsWith(line))) return true;
    return Reflect.apply(write, this, [chunk, ...rest]);
  } as typeof process.stderr.write;
  return () => {
    process.stderr.write = write;
  };
}
