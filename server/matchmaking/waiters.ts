/** Long polls waiting on a key (a ticket id), woken by whoever changes it, never by a loop. In memory only. */
export class Waiters {
  readonly #waiters = new Map<string, Set<() => void>>();

  /** True when `key` was woken (see `wake`), false after `ms` without a wake. */
  wait(key: string, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(key);
      if (!waiters) {
        waiters = new Set();
        this.#waiters.set(key, waiters);
      }
      const set = waiters;
      const done = (woken: boolean): void => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key);
        resolve(woken);
      };
      const wake = (): void => done(true);
      const timer = setTimeout(() => done(false), ms);
      set.add(wake);
    });
  }

  /** Wakes every poll waiting on these keys. */
  wake(keys: readonly string[]): void {
    for (const key of keys) {
      for (const done of [...(this.#waiters.get(key) ?? [])]) done();
    }
  }

  /** The keys with a poll held open right now. */
  keys(): IterableIterator<string> {
    return this.#waiters.keys();
  }
}
