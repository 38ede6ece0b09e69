/**
 * The server under test, with its pids: a `wrangler dev` whose whole process group can be
 * SIGKILLed and restarted on the same persistence folder and port, and its memory read from /proc.
 */
import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { freePort, lostPortRace, spawnWrangler, waitUntilReady } from "../../test/e2e/server.ts";

/** A free loopback port (the e2e harness's, shared with soak.ts). */
export { freePort };

/** Pids of every live process in process group `pgid` (Linux /proc). */
export function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // state(0) ppid(1) pgrp(2); a zombie (Z) is already dead.
      if (Number(fields[2]) === pgid && fields[0] !== "Z") pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/** Resident set size of a pid in bytes, or null once it is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** `wrangler dev` in its own process group (workerd included), on a given port and folder. */
export class Server {
  readonly origin: string;
  readonly port: number;
  readonly persistTo: string;
  readonly child: ChildProcess;
  readonly pgid: number;
  #log = "";
  #exited: Promise<void>;

  private constructor(persistTo: string, port: number, child: ChildProcess) {
    this.persistTo = persistTo;
    this.port = port;
    this.child = child;
    this.pgid = child.pid!;
    this.origin = `http://127.0.0.1:${port}`;
    child.stdout?.on("data", (chunk) => (this.#log = (this.#log + String(chunk)).slice(-20_000)));
    child.stderr?.on("data", (chunk) => (this.#log = (this.#log + String(chunk)).slice(-20_000)));
    this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }

  output(): string {
    return this.#log;
  }

  /** Starts on a free port and a new persistence folder in the temp dir (removed again if the start fails). */
  static async startFresh(prefix: string): Promise<Server> {
    const persistTo = await mkdtemp(join(tmpdir(), prefix));
    try {
      return await Server.start(persistTo, await freePort());
    } catch (error) {
      await rm(persistTo, { recursive: true, force: true });
      throw error;
    }
  }

  static async start(persistTo: string, port: number): Promise<Server> {
    for (let attempt = 1; ; attempt++) {
      const child = spawnWrangler(persistTo, port);
      const server = new Server(persistTo, port, child);
      live.add(server);
      const readiness = await waitUntilReady(server.origin, child);
      if (readiness === "ready") return server;
      await server.kill();
      // Another server starting at the same time took a port wrangler had picked: pick again.
      if (readiness === "exited" && lostPortRace(server.output()) && attempt < 3) continue;
      throw new Error(
        readiness === "exited"
          ? `wrangler dev exited early:\n${server.output()}`
          : `wrangler dev did not become ready in 60 s:\n${server.output()}`,
      );
    }
  }

  /** The workerd processes of this server. */
  workerdPids(): number[] {
    return groupPids(this.pgid).filter((pid) => commOf(pid).includes("workerd"));
  }

  /** SIGKILL to the whole group; resolves once no process of the group is left. */
  async kill(): Promise<void> {
    try {
      process.kill(-this.pgid, "SIGKILL");
    } catch {
      // Already gone.
    }
    await Promise.race([this.#exited, delay(10_000)]);
    for (let attempt = 0; attempt < 100 && groupPids(this.pgid).length > 0; attempt++) await delay(100);
    live.delete(this);
  }

  /** SIGTERM, then SIGKILL if it lingers. */
  async stop(): Promise<void> {
    try {
      process.kill(-this.pgid, "SIGTERM");
    } catch {
      // Already gone.
    }
    await Promise.race([this.#exited, delay(10_000)]);
    await this.kill();
  }
}

/** Every server started and not yet stopped, for cleanup on failure. */
const live = new Set<Server>();

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((server) => server.kill()));
}
