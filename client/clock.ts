/** Time controls and clock readings as people read them: "3+2", "2:59", "8.4", "2d 23h". */
import type { TimeControl } from "../shared/clock.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Below this much time left, a clock shows tenths and turns urgent. */
export const LOW_TIME_MS = 10 * SECOND;

/** A clock reading: 0:07, 1:30, 1:02:03. Rounds up, so 0:00 means the time is really gone. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / SECOND));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

/**
 * A clock reading for `ms` left on a `control` clock: tenths under ten seconds ("8.4"), minutes
 * and seconds below an hour ("2:59"), hours above ("1:02:03"), and days and hours for a
 * correspondence move ("2d 23h"). Seconds round up, so "0:00" only shows when time is gone;
 * tenths round down, so "0.0" does too.
 */
export function clockText(ms: number, control: TimeControl | null = null): string {
  const left = Math.max(0, ms);
  if (control?.kind === "correspondence" && left >= HOUR) {
    const days = Math.floor(left / DAY);
    const hours = Math.floor((left % DAY) / HOUR);
    const minutes = Math.floor((left % HOUR) / MINUTE);
    return days > 0 ? `${days}d ${hours}h` : `${hours}h ${String(minutes).padStart(2, "0")}m`;
  }
  if (left < LOW_TIME_MS) return (Math.floor(left / 100) / 10).toFixed(1);
  return clock(left);
}

/** How often a clock showing `ms` must be redrawn to stay exact. */
export function refreshMs(ms: number): number {
  return ms < LOW_TIME_MS ? 100 : 250;
}

function amount(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY} ${ms === DAY ? "day" : "days"}`;
  if (ms % HOUR === 0) return `${ms / HOUR} h`;
  if (ms % MINUTE === 0) return `${ms / MINUTE} min`;
  return `${Math.round(ms / SECOND)} s`;
}

/** A short name for a time control: "30 s a move", "3+2", "5 min + 3 s delay", "3 days a move". */
export function controlText(control: TimeControl): string {
  switch (control.kind) {
    case "move":
      return `${amount(control.ms)} a move`;
    case "fischer": {
      const base = control.baseMs % MINUTE === 0 ? String(control.baseMs / MINUTE) : `${amount(control.baseMs)}`;
      const increment =
        control.incrementMs % SECOND === 0 ? String(control.incrementMs / SECOND) : `${control.incrementMs / SECOND}`;
      return `${base}+${increment}`;
    }
    case "delay":
      return `${amount(control.baseMs)} + ${amount(control.delayMs)} delay`;
    case "correspondence":
      return `${control.days} ${control.days === 1 ? "day" : "days"} a move`;
  }
}
