/** Percentiles, counters and the plain-text tables the bench prints next to its JSON lines. */
import { round } from "./proc.ts";

export interface Distribution {
  /** Samples. */
  n: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** Nearest-rank percentiles (p of n samples is the ceil(p·n)-th smallest), in milliseconds. */
export function distribution(samples: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) =>
    sorted.length === 0 ? null : round(sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!, 2);
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

/** A growable list of numbers that doesn't box them. */
export class Samples {
  #data = new Float64Array(1024);
  #length = 0;
  push(value: number): void {
    if (this.#length === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#length++] = value;
  }
  get length(): number {
    return this.#length;
  }
  values(): Float64Array {
    return this.#data.subarray(0, this.#length);
  }
}

/** Counts by key, for errors and rejections. */
export class Tally {
  readonly counts: Record<string, number> = {};
  add(key: string, by = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + by;
  }
  get total(): number {
    return Object.values(this.counts).reduce((sum, count) => sum + count, 0);
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** A two-column table: label, value. */
export function table(title: string, rows: readonly (readonly [string, unknown])[]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  const line = "-".repeat(Math.max(title.length, width + 30));
  const body = rows.map(([label, value]) => `${label.padEnd(width)}  ${format(value)}`);
  return [line, title, line, ...body, ""].join("\n");
}

function format(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** "p50 1.2 / p95 3.4 / p99 5.6 / max 7.8 ms (n=…)" */
export function describe(dist: Distribution, unit = "ms"): string {
  if (dist.n === 0) return "no samples";
  return `p50 ${dist.p50} / p95 ${dist.p95} / p99 ${dist.p99} / max ${dist.max} ${unit} (n=${dist.n})`;
}
