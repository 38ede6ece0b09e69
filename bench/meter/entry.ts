/**
 * The cost meter: a bench-only Worker entry bundled in place of server/index.ts (the bench's
 * `meter` scenario; never deployed). It re-exports Ply's Worker and wraps each Durable Object
 * class in a subclass that counts, without touching the server's code, the units Cloudflare
 * bills a Durable Object for:
 *
 * - SQLite rows read and written: `ctx.storage.sql.exec` is wrapped before the class's own
 *   constructor runs (so its schema statements count too) and every cursor's `rowsRead` /
 *   `rowsWritten` is summed when the event that made it ends (by then it has been consumed),
 *   per class and per statement. A script of several statements (a schema, a migration) is run
 *   one statement at a time, because a cursor counts only the last statement of its script; the key-value API (`get`/`put`/`delete`/`list`, which writes
 *   to a hidden SQLite table) is counted per key.
 * - `setAlarm` calls (each billed as a row written) and `deleteAlarm` calls.
 * - Requests: `fetch` (HTTP and WebSocket upgrades), RPC calls (a public method entered from
 *   outside the object: AsyncLocalStorage tells an outside call from the object calling itself),
 *   `alarm`, incoming WebSocket messages (billed at 20:1) and closes (not billed).
 * - Active wall-clock: per object, the time during which it has an event handler running or a
 *   timer (`setTimeout`) pending — an object can't hibernate with either. Time spent idle with
 *   only hibernatable sockets is not billed, and not counted.
 * - Stored bytes: `ctx.storage.sql.databaseSize` of each object after its last event.
 *
 * The totals (all objects share the isolate on local workerd) are served as JSON on
 * GET /__bench/meter (POST /__bench/meter/reset zeroes them); every other request goes to Ply.
 * Needs the `nodejs_als` compatibility flag (added by the bench for this run only).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import * as ply from "../../server/index.ts";

interface StatementTotals {
  calls: number;
  rowsRead: number;
  rowsWritten: number;
}

interface ClassTotals {
  objects: Set<string>;
  fetch: number;
  rpc: Record<string, number>;
  alarm: number;
  wsMessages: number;
  wsCloses: number;
  rowsRead: number;
  rowsWritten: number;
  kvRowsRead: number;
  kvRowsWritten: number;
  setAlarm: number;
  deleteAlarm: number;
  activeMs: number;
  statements: Map<string, StatementTotals>;
}

const totals = new Map<string, ClassTotals>();
/** Stored bytes per object (the last size seen). */
const sizes = new Map<string, number>();
let workerRequests = 0;

function classTotals(name: string): ClassTotals {
  let entry = totals.get(name);
  if (!entry) {
    entry = {
      objects: new Set(),
      fetch: 0,
      rpc: {},
      alarm: 0,
      wsMessages: 0,
      wsCloses: 0,
      rowsRead: 0,
      rowsWritten: 0,
      kvRowsRead: 0,
      kvRowsWritten: 0,
      setAlarm: 0,
      deleteAlarm: 0,
      activeMs: 0,
      statements: new Map(),
    };
    totals.set(name, entry);
  }
  return entry;
}

/** One object's meter: its open cursors and what keeps it from hibernating. */
class ObjectMeter {
  readonly cls: string;
  readonly id: string;
  readonly storage: DurableObjectStorage;
  #cursors: { cursor: SqlStorageCursor<Record<string, SqlStorageValue>>; statement: string }[] = [];
  /** Handlers running plus timers pending. */
  #busy = 0;
  #since = 0;

  constructor(cls: string, ctx: DurableObjectState) {
    this.cls = cls;
    this.id = ctx.id.toString();
    this.storage = ctx.storage;
  }

  cursor(cursor: SqlStorageCursor<Record<string, SqlStorageValue>>, query: string): void {
    this.#cursors.push({ cursor, statement: query.replace(/\s+/g, " ").trim().slice(0, 120) });
  }

  /** Adds what the cursors of the ended event read and wrote. */
  harvest(): void {
    const entry = classTotals(this.cls);
    for (const { cursor, statement } of this.#cursors.splice(0)) {
      const read = cursor.rowsRead;
      const written = cursor.rowsWritten;
      entry.rowsRead += read;
      entry.rowsWritten += written;
      let row = entry.statements.get(statement);
      if (!row) {
        row = { calls: 0, rowsRead: 0, rowsWritten: 0 };
        entry.statements.set(statement, row);
      }
      row.calls += 1;
      row.rowsRead += read;
      row.rowsWritten += written;
    }
    try {
      sizes.set(this.id, this.storage.sql.databaseSize);
    } catch {
      // The object is shutting down; keep the last size.
    }
  }

  enter(): void {
    if (this.#busy++ === 0) this.#since = Date.now();
  }

  leave(): void {
    if (--this.#busy === 0) {
      classTotals(this.cls).activeMs += Date.now() - this.#since;
      this.harvest();
    }
  }

  /** Open intervals count up to now (the meter is read while objects are busy). */
  openMs(): number {
    return this.#busy > 0 ? Date.now() - this.#since : 0;
  }
}

const current = new AsyncLocalStorage<ObjectMeter>();
const live = new Set<ObjectMeter>();

// A pending timer keeps its object from hibernating: counted as active until it fires or is cleared.
const pendingTimers = new Map<unknown, ObjectMeter>();
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
globalThis.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const meter = current.getStore();
  if (!meter) return realSetTimeout(callback, ms, ...args);
  meter.enter();
  const handle: unknown = realSetTimeout(
    (...inner: unknown[]) => {
      if (pendingTimers.delete(handle)) {
        try {
          callback(...inner);
        } finally {
          meter.leave();
        }
      }
    },
    ms,
    ...args,
  );
  pendingTimers.set(handle, meter);
  return handle;
}) as typeof setTimeout;
globalThis.clearTimeout = ((handle: unknown) => {
  const meter = pendingTimers.get(handle);
  if (meter && pendingTimers.delete(handle)) meter.leave();
  realClearTimeout(handle as number);
}) as typeof clearTimeout;

/** Runs `body` as an event of `meter` (active time; cursors harvested when the last event ends). */
async function event<T>(meter: ObjectMeter, body: () => T | Promise<T>): Promise<T> {
  classTotals(meter.cls).objects.add(meter.id);
  meter.enter();
  try {
    return await current.run(meter, body);
  } finally {
    meter.leave();
  }
}

/** Wraps the storage APIs of `ctx` for `meter` (before the class's constructor sees them). */
function instrument(meter: ObjectMeter, ctx: DurableObjectState): void {
  const storage = ctx.storage;
  const entry = classTotals(meter.cls);
  const sql = storage.sql;
  const exec = sql.exec.bind(sql);
  const metered = ((query: string, ...bindings: unknown[]) => {
    // A cursor reports only the last statement of a script: run a script one statement at a
    // time so each one counts (Ply's scripts hold no ';' inside a literal).
    const statements = query.split(";").filter((statement) => statement.trim() !== "");
    for (const statement of statements.slice(0, -1)) meter.cursor(exec(statement), statement);
    const last = statements.length > 1 ? (statements.at(-1) as string) : query;
    const cursor = exec(last, ...bindings);
    meter.cursor(cursor, last);
    return cursor;
  }) as typeof sql.exec;
  Object.defineProperty(sql, "exec", { value: metered, configurable: true });
  if (storage.sql !== sql) throw new Error("meter: ctx.storage.sql is not one object; the exec wrapper would miss");
  const wrap = <K extends keyof DurableObjectStorage>(name: K, count: (args: unknown[]) => void) => {
    const original = (storage[name] as (...args: unknown[]) => unknown).bind(storage);
    Object.defineProperty(storage, name, {
      value: (...args: unknown[]) => {
        count(args);
        return original(...args);
      },
      configurable: true,
    });
  };
  const keys = (args: unknown[]) => (Array.isArray(args[0]) ? args[0].length : 1);
  wrap("setAlarm", () => entry.setAlarm++);
  wrap("deleteAlarm", () => entry.deleteAlarm++);
  wrap("get", (args) => (entry.kvRowsRead += keys(args)));
  wrap(
    "put",
    (args) =>
      (entry.kvRowsWritten +=
        typeof args[0] === "object" && args[0] !== null && !Array.isArray(args[0]) ? Object.keys(args[0]).length : 1),
  );
  wrap("delete", (args) => (entry.kvRowsWritten += keys(args)));
  wrap("list", () => entry.kvRowsRead++);
}

/** Handlers the runtime calls (counted by kind); everything else public on the prototype is RPC. */
const LIFECYCLE = new Set(["constructor", "fetch", "alarm", "webSocketMessage", "webSocketClose", "webSocketError"]);

type DurableClass = abstract new (ctx: DurableObjectState, env: Env) => object;

function meteredClass<T extends DurableClass>(Base: T, cls: string): T {
  const meters = new WeakMap<object, ObjectMeter>();
  const meterOf = (self: object) => meters.get(self)!;
  // @ts-expect-error: a mixin over an abstract constructor; the runtime class is concrete.
  class Metered extends Base {
    constructor(ctx: DurableObjectState, env: Env) {
      const meter = new ObjectMeter(cls, ctx);
      live.add(meter);
      instrument(meter, ctx);
      super(ctx, env);
      meters.set(this, meter);
    }
  }
  const proto = Metered.prototype as unknown as Record<string, unknown>;
  const baseProto = Base.prototype as Record<string, (...args: unknown[]) => unknown>;
  const entry = classTotals(cls);
  const handler = (name: string, count: () => void) => {
    const original = baseProto[name];
    if (typeof original !== "function") return;
    proto[name] = function (this: object, ...args: unknown[]) {
      count();
      return event(meterOf(this), () => original.apply(this, args));
    };
  };
  handler("fetch", () => entry.fetch++);
  handler("alarm", () => entry.alarm++);
  handler("webSocketMessage", () => entry.wsMessages++);
  handler("webSocketClose", () => entry.wsCloses++);
  handler("webSocketError", () => entry.wsCloses++);
  // Public methods up the chain, below DurableObject / PartyServer's base: entered from outside = one RPC.
  const seen = new Set<string>(LIFECYCLE);
  for (
    let level: object | null = Base.prototype;
    level && level !== Object.prototype;
    level = Object.getPrototypeOf(level)
  ) {
    for (const name of Object.getOwnPropertyNames(level)) {
      if (seen.has(name) || name.startsWith("_")) continue;
      seen.add(name);
      const descriptor = Object.getOwnPropertyDescriptor(level, name);
      if (!descriptor || typeof descriptor.value !== "function") continue;
      const original = descriptor.value as (...args: unknown[]) => unknown;
      proto[name] = function (this: object, ...args: unknown[]) {
        const meter = meterOf(this);
        // Called by the object itself (or before the constructor finished): not a request.
        if (!meter || current.getStore() === meter) return original.apply(this, args);
        entry.rpc[name] = (entry.rpc[name] ?? 0) + 1;
        return event(meter, () => original.apply(this, args));
      };
    }
  }
  return Metered as unknown as T;
}

export const Match = meteredClass(ply.Match, "Match");
export const Matchmaker = meteredClass(ply.Matchmaker, "Matchmaker");
export const Player = meteredClass(ply.Player, "Player");
export const Leaderboard = meteredClass(ply.Leaderboard, "Leaderboard");
export const Directory = meteredClass(ply.Directory, "Directory");
export const Tournament = meteredClass(ply.Tournament, "Tournament");
export const TournamentList = meteredClass(ply.TournamentList, "TournamentList");

function report(): unknown {
  for (const meter of live) meter.harvest();
  const classes: Record<string, unknown> = {};
  for (const [name, entry] of totals) {
    const openMs = [...live].filter((meter) => meter.cls === name).reduce((sum, meter) => sum + meter.openMs(), 0);
    classes[name] = {
      objects: entry.objects.size,
      fetch: entry.fetch,
      rpc: entry.rpc,
      alarm: entry.alarm,
      wsMessages: entry.wsMessages,
      wsCloses: entry.wsCloses,
      rowsRead: entry.rowsRead,
      rowsWritten: entry.rowsWritten,
      kvRowsRead: entry.kvRowsRead,
      kvRowsWritten: entry.kvRowsWritten,
      setAlarm: entry.setAlarm,
      deleteAlarm: entry.deleteAlarm,
      activeMs: entry.activeMs + openMs,
      statements: Object.fromEntries(entry.statements),
    };
  }
  let storedBytes = 0;
  for (const size of sizes.values()) storedBytes += size;
  return { workerRequests, storedBytes, objectsWithStorage: sizes.size, classes };
}

/** Zeroes the totals in place (the wrappers hold on to their class's totals). */
function reset(): void {
  for (const meter of live) meter.harvest();
  for (const entry of totals.values()) {
    for (const key of Object.keys(entry) as (keyof ClassTotals)[]) {
      if (typeof entry[key] === "number") (entry as unknown as Record<string, number>)[key] = 0;
    }
    entry.objects.clear();
    entry.statements.clear();
    entry.rpc = {};
  }
  workerRequests = 0;
}

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === "/__bench/meter") return Response.json(report());
    if (path === "/__bench/meter/reset" && request.method === "POST") {
      reset();
      return Response.json({ ok: true });
    }
    workerRequests++;
    return (ply.default.fetch as (r: Request, e: Env, c: ExecutionContext) => Promise<Response>)(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
