/**
 * Ply and the workerd floor on bare `workerd serve`: no wrangler dev, no dev proxy, no local
 * trace store, no dev middleware; only the runtime production runs, on this machine.
 *
 * - The code is the bundle `wrangler deploy --dry-run --outdir` writes (what would be uploaded),
 *   from the server's wrangler.jsonc (or the floor's); the cost meter's run bundles
 *   bench/meter/entry.ts in its place (`entry`).
 * - The workerd config is generated from that wrangler.jsonc: one service for the Worker, its
 *   Durable Object classes (SQLite-backed, on-disk storage in a fresh temporary folder), its
 *   `vars`, the token secret, and for each `ratelimits` entry a stand-in binding (a fixed-window
 *   counter per key in the isolate, the same `limit({ key })` shape; `permissiveLimits` lets
 *   everything through, for the cost meter's run, whose setup creates players from one address).
 * - The binary is the workerd wrangler ships (wrangler → miniflare → workerd), the one
 *   `wrangler dev` runs, so the two modes differ by the tooling only.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Watched } from "./proc.ts";
import { freePort, launch, ROOT, tempDir, track, waitReady, type RunningServer, type ServerKind } from "./servers.ts";

const run = promisify(execFile);

/** The workerd binary wrangler runs (resolved through wrangler's own dependencies). */
export function workerdBinary(): string {
  const fromWrangler = createRequire(join(ROOT, "node_modules/wrangler/package.json"));
  const fromMiniflare = createRequire(fromWrangler.resolve("miniflare"));
  const workerdMain = fromMiniflare.resolve("workerd");
  const fromWorkerd = createRequire(workerdMain);
  // The `workerd` package's main module exports the path of the platform binary; resolve it the same way.
  const platform = `@cloudflare/workerd-${process.platform}-${process.arch === "x64" ? "64" : process.arch}`;
  return join(fromWorkerd.resolve(`${platform}/package.json`), "..", "bin", "workerd");
}

/** The parts of a wrangler.jsonc the generated config uses. */
interface WranglerConfig {
  main: string;
  compatibility_date: string;
  compatibility_flags?: string[];
  durable_objects?: { bindings: { name: string; class_name: string }[] };
  migrations?: { new_sqlite_classes?: string[]; new_classes?: string[] }[];
  ratelimits?: { name: string; simple: { limit: number; period: number } }[];
  vars?: Record<string, string>;
}

/** JSONC → JSON: drops comments (outside strings) and trailing commas. */
export function parseJsonc(text: string): unknown {
  let out = "";
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char === '"') {
      const start = index;
      for (index++; index < text.length && text[index] !== '"'; index++) if (text[index] === "\\") index++;
      out += text.slice(start, index + 1);
    } else if (char === "/" && text[index + 1] === "/") {
      while (index < text.length && text[index] !== "\n") index++;
      out += "\n";
    } else if (char === "/" && text[index + 1] === "*") {
      index = text.indexOf("*/", index + 2) + 1;
    } else out += char;
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"));
}

/** The stand-in for a `ratelimits` binding: wrapped-binding module, `limit({ key })` → `{ success }`. */
const RATE_LIMIT_MODULE = `
export default function (env) {
  const windows = new Map();
  return {
    async limit({ key }) {
      if (env.permissive) return { success: true };
      const now = Date.now();
      const window = Math.floor(now / (env.period * 1000));
      const entry = windows.get(key);
      if (!entry || entry.window !== window) {
        windows.set(key, { window, count: 1 });
        return { success: true };
      }
      entry.count += 1;
      return { success: entry.count <= env.limit };
    },
  };
}
`;

const capnpString = (value: string) => JSON.stringify(value);

export interface BareOptions {
  /** Minify the bundle (as a production deploy would, with --minify); off for readable profiles. */
  readonly minify: boolean;
  /** Bundle this module instead of the config's `main` (the cost meter). */
  readonly entry?: string;
  /** Compatibility flags added to the config's (the meter needs nodejs_als). */
  readonly extraFlags?: readonly string[];
  /** Let every rate-limited call through (the meter's setup creates players from one address). */
  readonly permissiveLimits?: boolean;
  /**
   * `--inspector-addr` on a free loopback port (CPU profiles, V8 heap usage). Off by default: an
   * open inspector costs workerd CPU on every event (the issue measured 340–570 µs a move under wrangler dev).
   */
  readonly inspector?: boolean;
  /** Extra text vars (the workerd floor's FLOOR_MEMORY diagnostic). */
  readonly vars?: Record<string, string>;
}

export interface BareServer extends RunningServer {
  /** The folder holding the Durable Objects' SQLite files. */
  readonly storageDir: string;
  /** Stops workerd and starts it again on the same storage and port (evicts every object). */
  restart(): Promise<void>;
}

/** Bundles with `wrangler deploy --dry-run --outdir` and starts `workerd serve` on it. */
export async function startBare(kind: ServerKind, options: BareOptions): Promise<BareServer> {
  const configPath = kind === "ply" ? "wrangler.jsonc" : "bench/workerd-floor/wrangler.jsonc";
  const wrangler = parseJsonc(await readFile(join(ROOT, configPath), "utf8")) as WranglerConfig;
  const dir = await tempDir(`${kind}-bare-`);
  const out = join(dir, "bundle");
  const storageDir = join(dir, "do");
  await mkdir(storageDir);
  const assets = join(dir, "assets");
  await mkdir(assets);
  await run(
    process.execPath,
    [
      "node_modules/wrangler/bin/wrangler.js",
      "deploy",
      ...(options.entry ? [options.entry] : []),
      "--config",
      configPath,
      "--dry-run",
      "--outdir",
      out,
      ...(kind === "ply" ? ["--assets", assets] : []),
      ...(options.minify ? ["--minify"] : []),
      ...(options.extraFlags?.length ? ["--compatibility-flags", ...options.extraFlags] : []),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  // The bundle is named after the entry (index.js, entry.js).
  const main = (await readdir(out)).find((name) => name.endsWith(".js"));
  if (!main) throw new Error(`wrangler deploy --dry-run wrote no .js into ${out}`);
  await writeFile(join(out, "bench-ratelimit.js"), RATE_LIMIT_MODULE);

  const port = await freePort();
  const inspectorPort = options.inspector ? await freePort() : null;
  const secret = randomBytes(32).toString("base64url");
  const classes = wrangler.durable_objects?.bindings ?? [];
  const sqlite = new Set((wrangler.migrations ?? []).flatMap((step) => step.new_sqlite_classes ?? []));
  const vars = { ...(wrangler.vars ?? {}), ...(options.vars ?? {}), PLY_TOKEN_SECRET: secret };
  const bindings = [
    ...classes.map((b) => `(name = ${capnpString(b.name)}, durableObjectNamespace = ${capnpString(b.class_name)})`),
    ...Object.entries(vars).map(([name, value]) => `(name = ${capnpString(name)}, text = ${capnpString(value)})`),
    ...(wrangler.ratelimits ?? []).map(
      (limit) =>
        `(name = ${capnpString(limit.name)}, wrapped = (moduleName = "bench-internal:ratelimit", innerBindings = [` +
        `(name = "limit", json = "${limit.simple.limit}"), (name = "period", json = "${limit.simple.period}"), ` +
        `(name = "permissive", json = "${options.permissiveLimits ? "true" : "false"}")]))`,
    ),
  ];
  const flags = [...(wrangler.compatibility_flags ?? []), ...(options.extraFlags ?? [])];
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "do-disk", disk = (path = ${capnpString(storageDir)}, writable = true)),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
  extensions = [(modules = [(name = "bench-internal:ratelimit", esModule = embed "bench-ratelimit.js", internal = true)])],
);
const worker :Workerd.Worker = (
  modules = [(name = ${capnpString(main)}, esModule = embed ${capnpString(main)})],
  compatibilityDate = ${capnpString(wrangler.compatibility_date)},
  compatibilityFlags = [${flags.map(capnpString).join(", ")}],
  bindings = [
    ${bindings.join(",\n    ")}
  ],
  durableObjectNamespaces = [
    ${classes
      .map(
        (b) =>
          `(className = ${capnpString(b.class_name)}, uniqueKey = ${capnpString(`bench-${kind}-${b.class_name}`)}, enableSql = ${sqlite.has(b.class_name)})`,
      )
      .join(",\n    ")}
  ],
  durableObjectStorage = (localDisk = "do-disk"),
);
`;
  const capnp = join(out, "workerd.capnp");
  await writeFile(capnp, config);
  const args = ["serve", capnp, ...(inspectorPort ? [`--inspector-addr=127.0.0.1:${inspectorPort}`] : [])];
  const binary = workerdBinary();
  const origin = `http://127.0.0.1:${port}`;

  let proc = launch(args, { NO_COLOR: "1" }, binary);
  const watched: Watched[] = [{ label: "workerd", pids: () => (proc.child.pid ? [proc.child.pid] : []) }];
  const fields = { kind, via: "bare" as const, origin, secret, watched, inspectorPort };
  // Registered for stopAll and killAllNow; a restart registers the new process in its place.
  let current = track(proc, fields);
  await waitReady(origin, proc.alive, proc.output, 60);
  const server: BareServer = {
    ...current,
    output: () => proc.output(),
    storageDir,
    stop: () => current.stop(),
    async restart() {
      await current.stop();
      proc = launch(args, { NO_COLOR: "1" }, binary);
      current = track(proc, fields);
      await waitReady(origin, proc.alive, proc.output, 60);
    },
  };
  return server;
}
