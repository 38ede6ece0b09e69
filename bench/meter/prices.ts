/**
 * Workers Paid prices the cost meter turns its counts into: the one place they are kept.
 * Marginal prices (past the plan's monthly allowances, which are ignored: a bill at scale is
 * what the figures are for). Check them against the pages below before quoting a figure:
 * on 2026-12-04 the requests, duration, 20:1 and 128 MB figures were read from a stored copy
 * of the Durable Objects pricing page; the SQLite rows and storage figures (the same as D1's
 * published rates) and the Workers request price were not in the copies retrieved.
 */
export const PRICES = {
  /** When these were read from the pricing pages. */
  asOf: "2026-12-04",
  source: [
    "https://developers.cloudflare.com/durable-objects/platform/pricing/",
    "https://developers.cloudflare.com/workers/platform/pricing/",
  ],
  /** Durable Objects requests (HTTP, RPC sessions, alarm invocations; incoming WebSocket messages at 20:1), $ per million. */
  doRequestsPerMillion: 0.15,
  /** Incoming WebSocket messages billed as one request. */
  wsMessagesPerRequest: 20,
  /** Durable Objects duration, $ per million GB-s, at the 128 MB every object is billed for. */
  doDurationPerMillionGBs: 12.5,
  doMemoryGB: 128 / 1024,
  /** SQLite-backed storage: rows read, rows written (a `setAlarm` is a row written), $ per million. */
  rowsReadPerMillion: 0.001,
  rowsWrittenPerMillion: 1.0,
  /** Stored data, $ per GB-month. */
  storagePerGBMonth: 0.2,
  /** Workers requests (the stateless Worker in front), $ per million; its CPU time is not metered here. */
  workerRequestsPerMillion: 0.3,
} as const;

/** The billed units of a run (or of a share of one). */
export interface Units {
  /** HTTP and RPC requests to objects, and alarm invocations. */
  requests: number;
  /** Incoming WebSocket messages (billed at 20:1). */
  wsMessages: number;
  /** Seconds an object was active (a handler running or a timer pending). */
  activeS: number;
  rowsRead: number;
  /** Rows written by SQL and the key-value API, plus setAlarm calls. */
  rowsWritten: number;
  /** Bytes stored, for a month. */
  storedBytes: number;
  workerRequests: number;
}

export interface Dollars {
  requests: number;
  duration: number;
  rowsRead: number;
  rowsWritten: number;
  storageMonth: number;
  workerRequests: number;
  /** Requests, duration, rows and Worker requests: what playing costs once (storage not included). */
  total: number;
}

export function dollars(units: Units): Dollars {
  const million = 1e6;
  const cost = {
    requests:
      ((units.requests + units.wsMessages / PRICES.wsMessagesPerRequest) / million) * PRICES.doRequestsPerMillion,
    duration: ((units.activeS * PRICES.doMemoryGB) / million) * PRICES.doDurationPerMillionGBs,
    rowsRead: (units.rowsRead / million) * PRICES.rowsReadPerMillion,
    rowsWritten: (units.rowsWritten / million) * PRICES.rowsWrittenPerMillion,
    storageMonth: (units.storedBytes / 1e9) * PRICES.storagePerGBMonth,
    workerRequests: (units.workerRequests / million) * PRICES.workerRequestsPerMillion,
  };
  // The one-off cost; storage is a monthly charge for as long as the rows are kept, apart.
  const total = cost.requests + cost.duration + cost.rowsRead + cost.rowsWritten + cost.workerRequests;
  return { ...cost, total };
}
