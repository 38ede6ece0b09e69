/** Progress goes to stderr, so stdout holds only the JSON lines and the tables. */
const started = Date.now();

let silenced = false;

/** After this only the final word is printed (sockets closing as servers stop are expected). */
export function silence(last: string): void {
  progress(last);
  silenced = true;
}

export function progress(message: string): void {
  if (silenced) return;
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${seconds}s] ${message}\n`);
}
