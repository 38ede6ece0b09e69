/**
 * The servers under test, each in its own process group on loopback: Ply under `wrangler dev`
 * (as `npm start` runs it, minus logging and live reload; the bench's `--mode dev`), the floor
 * (bench/floor.ts) and the workerd floor (bench/workerd-floor/, under `wrangler dev` with Ply's
 * flags). The default mode, bare `workerd serve`, is bench/lib/workerd.ts, on the helpers here.
 * Every process started here is registered and stopped by `stopAll`, also on failure and Ctrl-C.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { listeningPorts, processTree, type Watched } from "./proc.ts";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** Ply; the Node floor (bench/floor.ts); the workerd floor (bench/workerd-floor/). */
export type ServerKind = "ply" | "floor" | "workerd-floor";

export interface RunningServer {
  readonly kind: ServerKind;
  /**
   * The way in: wrangler dev's public port (through its dev proxy), the Worker's own socket, the
   * Node floor, or bare `workerd serve` (the deploy bundle, no dev tooling: bench/lib/workerd.ts).
   */
  readonly via: "dev-proxy" | "direct" | "floor" | "bare";
  /** Where clients connect: http://127.0.0.1:<port>. */
  readonly origin: string;
  /** The secret player tokens are signed with. */
  readonly secret: string;
  /** Process groups whose CPU and memory are reported. */
  readonly watched: readonly Watched[];
  /** The DevTools inspector of the Worker (wrangler dev only). */
  readonly inspectorPort: number | null;
  /** Everything the server printed (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<RunningServer>();
const tempDirs = new Set<string>();

/** Stops every server still running and removes the bench's temporary folders. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
  await Promise.all([...tempDirs].map((dir) => rm(dir, { recursive: true, force: true })));
  tempDirs.clear();
}

/** Last resort when the process is exiting right now (synchronous): SIGKILL every group. */
export function killAllNow(): void {
  for (const server of running) (server as { kill?: () => void }).kill?.();
}

/** A fresh temporary folder, removed by stopAll. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Spawns `command` (Node by default) in its own process group and returns its stop/kill handles. */
export function launch(args: readonly string[], env: Record<string, string>, command = process.execPath) {
  const child: ChildProcess = spawn(command, args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let log = "";
  const keep = (chunk: Buffer) => {
    log += String(chunk);
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const signal = (name: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, name);
    } catch {
      // The group is gone already.
    }
  };
  const stop = async () => {
    if (alive()) {
      signal("SIGTERM");
      await Promise.race([exited, delay(10_000)]);
    }
    // Whatever is left of the group (workerd outlives a killed wrangler otherwise).
    signal("SIGKILL");
  };
  return { child, stop, kill: () => signal("SIGKILL"), output: () => log, alive };
}

/** The server of a launched process, registered so that stopAll and killAllNow reach it. */
export function track(
  proc: ReturnType<typeof launch>,
  fields: Omit<RunningServer, "output" | "stop">,
): RunningServer & { kill(): void } {
  const server: RunningServer & { kill(): void } = {
    ...fields,
    output: proc.output,
    kill: proc.kill,
    stop: async () => {
      running.delete(server);
      await proc.stop();
    },
  };
  running.add(server);
  return server;
}

/** Polls GET /api/games until it answers 200; bounded. */
export async function waitReady(
  origin: string,
  alive: () => boolean,
  output: () => string,
  seconds: number,
): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (!alive()) throw new Error(`the server exited before it was ready:\n${output()}`);
    try {
      const response = await fetch(`${origin}/api/games`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) {
        await response.arrayBuffer();
        return;
      }
    } catch {
      // Not listening yet.
    }
    await delay(200);
  }
  throw new Error(`the server was not ready after ${seconds} s:\n${output()}`);
}

/** Caches a pid lookup for a second (sampling reads it several times a second). */
function cachedPids(find: () => number[]): () => number[] {
  let at = 0;
  let pids: number[] = [];
  return () => {
    if (Date.now() - at > 1_000) {
      pids = find();
      at = Date.now();
    }
    return pids;
  };
}

export interface PlyOptions {
  /** Minify the bundle (as production does); off for readable CPU profiles. */
  readonly minify: boolean;
  /**
   * Connect to the workerd that runs the Worker on its own socket, past wrangler's dev proxy
   * (which relays every request and frame through a second workerd; production has no such hop).
   */
  readonly direct: boolean;
}

export interface WorkerdFloorOptions extends PlyOptions {
  /** The diagnostic variant: no SQLite at all (not durable). */
  readonly memory: boolean;
}

/**
 * `wrangler dev` on a free loopback port with fresh persistence. The repo's wrangler.jsonc is
 * used as is, except that static assets come from an empty folder (`--assets`): the bench
 * never asks for them, and the client build is not needed.
 */
export function startPly(options: PlyOptions): Promise<RunningServer> {
  return startWrangler("ply", null, true, options, []);
}

/**
 * The workerd floor (bench/workerd-floor/): `wrangler dev` with its own small config and the
 * same flags as Ply's (less `--assets`: it has none).
 */
export function startWorkerdFloor(options: WorkerdFloorOptions): Promise<RunningServer> {
  return startWrangler(
    "workerd-floor",
    "bench/workerd-floor/wrangler.jsonc",
    false,
    options,
    options.memory ? ["--var", "FLOOR_MEMORY:1"] : [],
  );
}

async function startWrangler(
  kind: ServerKind,
  config: string | null,
  assets: boolean,
  options: PlyOptions,
  extra: readonly string[],
): Promise<RunningServer> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const state = await tempDir(`${kind}-bench-state-`);
  const assetsDir = join(state, "assets");
  if (assets) await mkdir(assetsDir);
  const secret = randomBytes(32).toString("base64url");
  const args = [
    "node_modules/wrangler/bin/wrangler.js",
    "dev",
    ...(config ? ["--config", config] : []),
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    // wrangler dev has no flag to turn its inspector off: keep it on loopback, on a port of ours.
    "--inspector-ip",
    "127.0.0.1",
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    join(state, "persist"),
    ...(assets ? ["--assets", assetsDir] : []),
    "--var",
    `PLY_TOKEN_SECRET:${secret}`,
    ...extra,
    "--show-interactive-dev-session=false",
    "--live-reload=false",
    "--log-level",
    "error",
    ...(options.minify ? ["--minify"] : []),
  ];
  const proc = launch(args, {
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_CI_DISABLE_CONFIG_WATCHING: "true",
    CI: "true",
    NO_COLOR: "1",
  });
  const origin = `http://127.0.0.1:${port}`;
  const root = proc.child.pid ?? -1;
  const tree = () => processTree(root);
  // Two workerd processes: one runs the Worker and its objects, the other wrangler's dev proxy
  // (the one listening on our port), which relays every request and WebSocket frame.
  const isProxy = (args: string) => args.includes(`entry=127.0.0.1:${port}`);
  const watched: Watched[] = [
    {
      label: "workerd",
      pids: cachedPids(() =>
        tree()
          .filter((p) => p.comm === "workerd" && !isProxy(p.args))
          .map((p) => p.pid),
      ),
    },
    {
      label: "devProxy",
      pids: cachedPids(() =>
        tree()
          .filter((p) => p.comm === "workerd" && isProxy(p.args))
          .map((p) => p.pid),
      ),
    },
    {
      label: "wrangler",
      pids: cachedPids(() =>
        tree()
          .filter((p) => p.comm !== "workerd")
          .map((p) => p.pid),
      ),
    },
  ];
  const server = track(proc, { kind, via: "dev-proxy", origin, secret, watched, inspectorPort });
  await waitReady(origin, proc.alive, proc.output, 90);
  if (!options.direct) return server;
  const direct = await runtimeOrigin(watched[0]!.pids());
  if (!direct) throw new Error("--direct: found no socket of the Worker's workerd that answers /api/games");
  return { ...server, origin: direct, via: "direct" };
}

/** The loopback origin on which the Worker's own workerd answers (its entry socket). */
async function runtimeOrigin(pids: readonly number[]): Promise<string | null> {
  for (const pid of pids) {
    for (const port of listeningPorts(pid)) {
      const origin = `http://127.0.0.1:${port}`;
      try {
        const response = await fetch(`${origin}/api/games`, { signal: AbortSignal.timeout(2_000) });
        const body = (await response.json()) as { protocol?: unknown };
        if (response.ok && typeof body.protocol === "number") return origin;
      } catch {
        // The inspector or another internal socket.
      }
    }
  }
  return null;
}

/** The floor: bench/floor.ts in its own Node process. */
export async function startFloor(): Promise<RunningServer> {
  const port = await freePort();
  const secret = randomBytes(32).toString("base64url");
  const proc = launch(["bench/floor.ts", "--port", String(port)], { FLOOR_TOKEN_SECRET: secret });
  const root = proc.child.pid ?? -1;
  const server = track(proc, {
    kind: "floor",
    via: "floor",
    origin: `http://127.0.0.1:${port}`,
    secret,
    watched: [{ label: "floor", pids: () => [root] }],
    inspectorPort: null,
  });
  await waitReady(server.origin, proc.alive, proc.output, 30);
  return server;
}
