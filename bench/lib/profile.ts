/**
 * A CPU profile of the Worker's isolate (every Durable Object of the script runs in it) during a
 * throughput run, through the DevTools inspector that wrangler dev opens anyway. The bundle is
 * not minified for this run, so functions keep their names. V8 samples JavaScript only: time in
 * workerd's C++ (SQLite, sockets, the alarm store) shows as the JS call that entered it (`exec`,
 * `send`, `setAlarm`...) or as "(program)".
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { WebSocket } from "./client.ts";
import { progress } from "./log.ts";
import type { RunningServer } from "./servers.ts";
import { throughput, type ThroughputResult } from "../scenarios/throughput.ts";
import { round } from "./proc.ts";

export interface ProfileRow {
  /** Share of all samples. */
  selfPct: number;
  totalPct: number;
  function: string;
  location: string;
}

export interface ProfileSummary {
  bench: "profile";
  matches: number;
  samples: number;
  /** Where the full profile was written (open it in Chrome DevTools or speedscope). */
  file: string | null;
  /** By self time. */
  top: ProfileRow[];
  /** By inclusive time (a function counted once per stack), functions of the server's own code. */
  inclusive: ProfileRow[];
  /** The throughput run profiled; null for a profile of the wake scenario's round. */
  run: Pick<ThroughputResult, "movesPerS" | "latencyMs" | "usage" | "serverCpuMsPerMove"> | null;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; scriptId: string };
  hitCount?: number;
  children?: number[];
}

export class Inspector {
  readonly #socket: WebSocket;
  #id = 0;
  readonly #pending = new Map<number, (result: any) => void>();
  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on("message", (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: unknown };
      // workerd answers a command without a result as {id, method, params}: any message with our id is the answer.
      if (message.id === undefined) return;
      this.#pending.get(message.id)?.(message);
      this.#pending.delete(message.id);
    });
  }
  static async open(port: number): Promise<Inspector> {
    // wrangler dev's inspector proxy answers on /ws; bare workerd (--inspector-addr) lists its
    // targets (one per service) on /json/list.
    let url = `ws://127.0.0.1:${port}/ws`;
    try {
      const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
        webSocketDebuggerUrl?: string;
        title?: string;
        id?: string;
      }[];
      const target = targets.find((item) => item.id === "main" || item.title === "main") ?? targets[0];
      if (target?.webSocketDebuggerUrl) url = target.webSocketDebuggerUrl;
    } catch {
      // Not a target list: wrangler's proxy.
    }
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false });
      socket.once("open", () => resolve(new Inspector(socket)));
      socket.once("error", reject);
    });
  }
  send(method: string, params: object = {}): Promise<any> {
    const id = ++this.#id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer in 60 s`)), 60_000);
      this.#pending.set(id, (message) => {
        clearTimeout(timer);
        if (message.error) reject(new Error(`${method}: ${JSON.stringify(message.error)}`));
        else resolve(message.result);
      });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }
  close(): void {
    this.#socket.close();
  }
}

/** Runs a throughput run at `matches` while profiling, and summarises where the time went. */
export async function cpuProfile(
  server: RunningServer,
  options: { matches: number; durationS: number; setupConcurrency: number; outDir?: string },
): Promise<ProfileSummary> {
  if (server.inspectorPort === null) throw new Error("this server has no inspector");
  const inspector = await Inspector.open(server.inspectorPort);
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: 200 });
  let run: ThroughputResult;
  let profile: { nodes: ProfileNode[] } = { nodes: [] };
  let profiling = false;
  const stop = async () => {
    if (!profiling) return;
    profiling = false;
    profile = ((await inspector.send("Profiler.stop")) as { profile: { nodes: ProfileNode[] } }).profile;
  };
  const sources = new Map<string, string[]>();
  try {
    // Only the timed window is profiled: not the setup, not the read-back of the logs.
    run = await throughput(server, {
      ...options,
      window: {
        start: async () => {
          await inspector.send("Profiler.start");
          profiling = true;
        },
        stop,
      },
    });
  } finally {
    await stop();
    // The bundle's text, to name anonymous functions by their first line.
    try {
      await inspector.send("Debugger.enable");
      for (const scriptId of new Set(
        profile.nodes.filter((node) => node.callFrame.url).map((node) => node.callFrame.scriptId),
      )) {
        const answer = (await inspector.send("Debugger.getScriptSource", { scriptId })) as { scriptSource?: string };
        if (answer?.scriptSource) sources.set(scriptId, answer.scriptSource.split("\n"));
      }
      await inspector.send("Debugger.disable");
    } catch (error) {
      progress(`  could not read the bundle's source: ${String(error)}`);
    }
    inspector.close();
  }
  let file: string | null = null;
  if (options.outDir) {
    file = join(options.outDir, `ply-${options.matches}-matches.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    progress(`  CPU profile written to ${file}`);
  }
  return { bench: "profile", matches: options.matches, file, ...summarise(profile.nodes, sources), run: pick(run) };
}

function pick(run: ThroughputResult): ProfileSummary["run"] {
  return {
    movesPerS: run.movesPerS,
    latencyMs: run.latencyMs,
    usage: run.usage,
    serverCpuMsPerMove: run.serverCpuMsPerMove,
  };
}

function keyOf(node: ProfileNode, sources: ReadonlyMap<string, string[]>): { name: string; location: string } {
  const frame = node.callFrame;
  let name = frame.functionName || "(anonymous)";
  if (!frame.functionName && frame.url) {
    // An arrow function or callback: its first line says what it is.
    const line = sources.get(frame.scriptId)?.[frame.lineNumber]?.trim();
    if (line) name = `(anonymous) ${line.slice(0, 90)}`;
  }
  const location = frame.url ? `${frame.url.split("/").at(-1)}:${frame.lineNumber + 1}` : "";
  return { name, location };
}

function summarise(
  nodes: readonly ProfileNode[],
  sources: ReadonlyMap<string, string[]>,
): Pick<ProfileSummary, "samples" | "top" | "inclusive"> {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const total = nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0) || 1;
  const self = new Map<string, { hits: number; name: string; location: string }>();
  const inclusive = new Map<string, { hits: number; name: string; location: string }>();
  const root = nodes.find((node) => !nodes.some((other) => other.children?.includes(node.id))) ?? nodes[0];
  // Depth-first with the set of functions on the current stack (recursion counted once).
  const subtree = new Map<number, number>();
  const hitsBelow = (node: ProfileNode): number => {
    let hits = node.hitCount ?? 0;
    for (const child of node.children ?? []) hits += hitsBelow(byId.get(child)!);
    subtree.set(node.id, hits);
    return hits;
  };
  if (root) hitsBelow(root);
  const walk = (node: ProfileNode, onStack: Set<string>) => {
    const { name, location } = keyOf(node, sources);
    const key = `${name} ${location}`;
    const own = self.get(key) ?? { hits: 0, name, location };
    own.hits += node.hitCount ?? 0;
    self.set(key, own);
    const fresh = !onStack.has(key);
    if (fresh) {
      const entry = inclusive.get(key) ?? { hits: 0, name, location };
      entry.hits += subtree.get(node.id) ?? 0;
      inclusive.set(key, entry);
      onStack.add(key);
    }
    for (const child of node.children ?? []) walk(byId.get(child)!, onStack);
    if (fresh) onStack.delete(key);
  };
  if (root) walk(root, new Set());
  const rows = (
    map: Map<string, { hits: number; name: string; location: string }>,
    count: number,
    keep: (row: { name: string }) => boolean,
  ) =>
    [...map.values()]
      .filter(keep)
      .sort((a, b) => b.hits - a.hits)
      .slice(0, count)
      .map((entry) => ({
        selfPct: round((100 * (self.get(`${entry.name} ${entry.location}`)?.hits ?? 0)) / total, 1),
        totalPct: round((100 * (inclusive.get(`${entry.name} ${entry.location}`)?.hits ?? 0)) / total, 1),
        function: entry.name,
        location: entry.location,
      }));
  const structural = new Set(["(root)", "(program)", "(idle)", "(garbage collector)"]);
  return {
    samples: total,
    top: rows(self, 30, () => true),
    inclusive: rows(inclusive, 40, (row) => !structural.has(row.name)),
  };
}

/**
 * A CPU profile of whatever happens between `start()` and `stop()` (the wake scenario's round of
 * moves on evicted objects): the same summary as a throughput profile's, without its run figures.
 */
export async function profiler(
  server: RunningServer,
  name: string,
  outDir: string,
): Promise<{ start(): Promise<void>; stop(): Promise<Omit<ProfileSummary, "run" | "matches" | "bench">> }> {
  if (server.inspectorPort === null) throw new Error("this server has no inspector");
  const inspector = await Inspector.open(server.inspectorPort);
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: 200 });
  return {
    start: () => inspector.send("Profiler.start"),
    async stop() {
      const profile = ((await inspector.send("Profiler.stop")) as { profile: { nodes: ProfileNode[] } }).profile;
      const sources = new Map<string, string[]>();
      try {
        await inspector.send("Debugger.enable");
        for (const scriptId of new Set(
          profile.nodes.filter((node) => node.callFrame.url).map((node) => node.callFrame.scriptId),
        )) {
          const answer = (await inspector.send("Debugger.getScriptSource", { scriptId })) as { scriptSource?: string };
          if (answer?.scriptSource) sources.set(scriptId, answer.scriptSource.split("\n"));
        }
        await inspector.send("Debugger.disable");
      } catch (error) {
        progress(`  could not read the bundle's source: ${String(error)}`);
      }
      inspector.close();
      const file = join(outDir, `${name}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      progress(`  CPU profile written to ${file}`);
      return { file, ...summarise(profile.nodes, sources) };
    },
  };
}

/** The V8 heap of the Worker's isolate (used and allocated bytes), through its inspector; null without one. */
export async function heapUsage(server: RunningServer): Promise<{ usedMiB: number; totalMiB: number } | null> {
  if (server.inspectorPort === null) return null;
  try {
    const inspector = await Inspector.open(server.inspectorPort);
    try {
      const usage = (await inspector.send("Runtime.getHeapUsage")) as { usedSize: number; totalSize: number };
      return { usedMiB: round(usage.usedSize / 1024 / 1024, 1), totalMiB: round(usage.totalSize / 1024 / 1024, 1) };
    } finally {
      inspector.close();
    }
  } catch {
    return null;
  }
}
