/** Starts a real `wrangler dev` on a free loopback port, with its own persistence folder. */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

export interface DevServer {
  readonly origin: string;
  readonly port: number;
  stop(): Promise<void>;
  /** Everything wrangler printed, for failure messages. */
  output(): string;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/**
 * Spawns `wrangler dev` as `npm start` runs it, but on `port` and persisting to `persistTo`,
 * as its own process group so the whole tree (wrangler and workerd) can be signalled. `cwd`
 * is the project to serve (another copy of it, for the scaffold's browser test).
 */
export function spawnWrangler(
  persistTo: string,
  port: number,
  logLevel: "warn" | "log" = "warn",
  cwd = process.cwd(),
): ChildProcess {
  return spawn(
    join(cwd, "node_modules/.bin/wrangler"),
    [
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      persistTo,
      "--var",
      "PLY_TOKEN_SECRET:e2e-secret-e2e-secret-e2e-secret-e2e-secret",
      "--show-interactive-dev-session=false",
      "--log-level",
      logLevel,
    ],
    {
      cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    },
  );
}

/** Readiness probe: bounded attempts (60 s), each a real request, until the server answers. */
export async function waitUntilReady(origin: string, child: ChildProcess): Promise<"ready" | "exited" | "timeout"> {
  for (let attempt = 0; attempt < 240; attempt++) {
    if (child.exitCode !== null) return "exited";
    try {
      const response = await fetch(`${origin}/api/games`);
      if (response.ok) return "ready";
    } catch {
      // Not listening yet.
    }
    await delay(250);
  }
  return "timeout";
}

/**
 * True when wrangler dev gave up because a port it picked was taken meanwhile: it chooses its
 * internal ports before binding them, so two servers starting at once (another test file,
 * another checkout on the machine) can pick the same one. Starting again picks another.
 */
export function lostPortRace(output: string): boolean {
  return output.includes("Address already in use");
}

/** Runs `wrangler dev` (see `spawnWrangler`) and resolves once it answers; a lost port race is retried. */
export async function startDevServer(
  persistTo: string,
  port: number,
  logLevel: "warn" | "log" = "warn",
  cwd = process.cwd(),
): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(persistTo, port, logLevel, cwd);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error) || !lostPortRace(error.message)) throw error;
    }
  }
}

async function startOnce(persistTo: string, port: number, logLevel: "warn" | "log", cwd: string): Promise<DevServer> {
  const child = spawnWrangler(persistTo, port, logLevel, cwd);
  let log = "";
  child.stdout?.on("data", (chunk) => (log += String(chunk)));
  child.stderr?.on("data", (chunk) => (log += String(chunk)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      await Promise.race([exited, delay(10_000)]);
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, "SIGKILL");
    }
  };
  const readiness = await waitUntilReady(origin, child);
  if (readiness === "ready") return { origin, port, stop, output: () => log };
  if (readiness === "exited") throw new Error(`wrangler dev exited early:\n${log}`);
  await stop();
  throw new Error(`wrangler dev did not become ready in 60 s:\n${log}`);
}
