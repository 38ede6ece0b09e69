/**
 * What the server processes cost, read from /proc (Linux only): the process tree under a pid,
 * resident memory (VmRSS) and CPU time (utime + stime of every thread, in clock ticks).
 */
import { readFileSync, readdirSync, readlinkSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times (sysconf(_SC_CLK_TCK); 100 on Linux x86-64). */
const TICKS_PER_SECOND = 100;

export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  readonly args: string;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null; // The process is gone, or not ours to read.
  }
}

/** `/proc/<pid>/stat`: comm is in parentheses and may hold spaces; fields follow the last ')'. */
function statFields(pid: number): string[] | null {
  const text = readText(`/proc/${pid}/stat`);
  if (text === null) return null;
  const close = text.lastIndexOf(")");
  return text
    .slice(close + 2)
    .trim()
    .split(" ");
}

export function procInfo(pid: number): ProcInfo | null {
  const fields = statFields(pid);
  const stat = readText(`/proc/${pid}/stat`);
  if (!fields || stat === null) return null;
  const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
  const args = (readText(`/proc/${pid}/cmdline`) ?? "").split("\0").join(" ").trim();
  return { pid, ppid: Number(fields[1]), comm, args };
}

/** `root` and every process below it. */
export function processTree(root: number): ProcInfo[] {
  const all: ProcInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const info = procInfo(Number(entry));
    if (info) all.push(info);
  }
  const children = new Map<number, ProcInfo[]>();
  for (const info of all) children.set(info.ppid, [...(children.get(info.ppid) ?? []), info]);
  const self = all.find((info) => info.pid === root);
  const tree: ProcInfo[] = self ? [self] : [];
  for (let index = 0; index < tree.length; index++) tree.push(...(children.get(tree[index]!.pid) ?? []));
  return tree;
}

/** CPU seconds (user + system) the process has used so far; null once it is gone. */
export function cpuSeconds(pid: number): number | null {
  const fields = statFields(pid);
  if (!fields) return null;
  // After the ')': state(0) ppid(1) ... utime(11) stime(12).
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Bytes the process has caused to be written to storage (`write_bytes` of /proc/<pid>/io); null if unreadable. */
export function diskWriteBytes(pid: number): number | null {
  const io = readText(`/proc/${pid}/io`);
  const match = io ? /^write_bytes:\s+(\d+)/m.exec(io) : null;
  return match ? Number(match[1]) : null;
}

/** Resident set size in bytes; null once the process is gone. */
export function rssBytes(pid: number): number | null {
  const status = readText(`/proc/${pid}/status`);
  const match = status ? /^VmRSS:\s+(\d+) kB/m.exec(status) : null;
  return match ? Number(match[1]) * 1024 : null;
}

/** The machine's load average and CPU count, for the record of a run. */
export function machine(): { cpus: number; memGiB: number; load1: number; model: string } {
  const cpuinfo = readText("/proc/cpuinfo") ?? "";
  const meminfo = readText("/proc/meminfo") ?? "";
  const loadavg = readText("/proc/loadavg") ?? "0";
  return {
    cpus: (cpuinfo.match(/^processor\s*:/gm) ?? []).length,
    memGiB: Math.round(Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0) / 1024 / 1024),
    load1: Number(loadavg.split(" ")[0]),
    model: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown",
  };
}

/** CPU seconds the whole machine has been busy (all cores, all processes) since boot. */
export function totalCpuSeconds(): number {
  const text = readText("/proc/stat") ?? "";
  const fields = (/^cpu\s+(.+)$/m.exec(text)?.[1] ?? "").split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/** A named group of processes to watch (e.g. the workerd that runs the Worker). */
export interface Watched {
  readonly label: string;
  readonly pids: () => readonly number[];
}

export interface UsageReport {
  /** RSS at the first sample (the window's start), MiB. */
  rssStartMiB: number;
  /** Peak of the summed RSS over the samples, MiB. */
  rssPeakMiB: number;
  /** RSS at the last sample, MiB. */
  rssEndMiB: number;
  /** CPU seconds used between start() and stop(). */
  cpuS: number;
  /** MB (10^6 bytes) written to storage between start() and stop(). */
  diskWriteMB: number;
}

/** Samples RSS of each group every `intervalMs` and measures CPU between start and stop. */
export class UsageSampler {
  readonly #groups: readonly Watched[];
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | null = null;
  #cpuStart = new Map<string, number>();
  #writeStart = new Map<string, number>();
  #peak = new Map<string, number>();
  #last = new Map<string, number>();
  #first = new Map<string, number>();

  constructor(groups: readonly Watched[], intervalMs = 200) {
    this.#groups = groups;
    this.#intervalMs = intervalMs;
  }

  #cpu(group: Watched): number {
    return group.pids().reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
  }

  #written(group: Watched): number {
    return group.pids().reduce((sum, pid) => sum + (diskWriteBytes(pid) ?? 0), 0);
  }

  #sample(): void {
    for (const group of this.#groups) {
      const rss = group.pids().reduce((sum, pid) => sum + (rssBytes(pid) ?? 0), 0);
      this.#last.set(group.label, rss);
      if (!this.#first.has(group.label)) this.#first.set(group.label, rss);
      this.#peak.set(group.label, Math.max(this.#peak.get(group.label) ?? 0, rss));
    }
  }

  start(): void {
    for (const group of this.#groups) {
      this.#cpuStart.set(group.label, this.#cpu(group));
      this.#writeStart.set(group.label, this.#written(group));
    }
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): Record<string, UsageReport> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#sample();
    const out: Record<string, UsageReport> = {};
    for (const group of this.#groups) {
      out[group.label] = {
        rssStartMiB: mib(this.#first.get(group.label) ?? 0),
        rssPeakMiB: mib(this.#peak.get(group.label) ?? 0),
        rssEndMiB: mib(this.#last.get(group.label) ?? 0),
        cpuS: round(this.#cpu(group) - (this.#cpuStart.get(group.label) ?? 0), 2),
        diskWriteMB: round((this.#written(group) - (this.#writeStart.get(group.label) ?? 0)) / 1e6, 1),
      };
    }
    return out;
  }
}

export function mib(bytes: number): number {
  return round(bytes / 1024 / 1024, 1);
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** TCP ports the process listens on (IPv4 loopback or any), from /proc/<pid>/net/tcp and its fds. */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // Closed meanwhile.
    }
  }
  const ports: number[] = [];
  for (const line of (readText(`/proc/${pid}/net/tcp`) ?? "").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local_address is fields[1] (hex ip:port), st is fields[3] (0A = LISTEN), inode is fields[9].
    if (fields[3] === "0A" && inodes.has(fields[9] ?? "")) ports.push(parseInt(fields[1]!.split(":")[1]!, 16));
  }
  return ports;
}

/** Open file descriptors of the process: SQLite files (databases, WAL, shared memory) and sockets. */
export function openFiles(pid: number): { sqlite: number; sockets: number } {
  const counts = { sqlite: 0, sockets: 0 };
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return counts;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.includes(".sqlite")) counts.sqlite++;
      else if (target.startsWith("socket:")) counts.sockets++;
    } catch {
      // Closed meanwhile.
    }
  }
  return counts;
}
