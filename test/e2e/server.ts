/** Starts a real `wrangler dev` on a free loopback port, with its own persistence folder. */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
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
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Runs `wrangler dev` as `npm start` does, but on `port` and persisting to `persistTo`. */
export async function startDevServer(persistTo: string, port: number, logLevel: "warn" | "log" = "warn"): Promise<DevServer> {
  const child: ChildProcess = spawn(
    "node_modules/.bin/wrangler",
    [
      "dev",
      "--ip", "127.0.0.1",
      "--port", String(port),
      "--persist-to", persistTo,
      "--var", "PLY_TOKEN_SECRET:e2e-secret-e2e-secret-e2e-secret-e2e-secret",
      "--show-interactive-dev-session=false",
      "--log-level", logLevel,
    ],
    // Own process group, so stop() ends workerd along with wrangler.
    { detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" } },
  );
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
  // Readiness probe: bounded attempts, each a real request.
  for (let attempt = 0; attempt < 240; attempt++) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${log}`);
    try {
      const response = await fetch(`${origin}/api/games`);
      if (response.ok) return { origin, port, stop, output: () => log };
    } catch {
      // Not listening yet.
    }
    await delay(250);
  }
  await stop();
  throw new Error(`wrangler dev did not become ready in 60 s:\n${log}`);
}
