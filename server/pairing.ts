/**
 * Pure pairing rules for a matchmaking queue: who may play whom, and when. No I/O, so the
 * Matchmaker object stays a thin shell and the rules are tested on their own.
 */

/** A ticket waiting in a queue. */
export interface Waiting {
  readonly id: string;
  readonly playerId: string;
  readonly rating: number;
  /** When it joined the queue (epoch ms). */
  readonly since: number;
}

/** How a queue pairs. */
export interface PairingRules {
  readonly minPlayers: number;
  readonly maxPlayers: number;
  /** Rating difference accepted at once, either way. */
  readonly initialWindow: number;
  /** How much the window grows per second of waiting. */
  readonly widenPerSecond: number;
  /** After this long a ticket accepts anyone. */
  readonly maxWaitMs: number;
  /** A group that has its minimum but not its maximum waits this long for more players. */
  readonly fillWaitMs: number;
}

/** The defaults: ±100 at once, widening by 10 a second (±250 after 15 s), anyone after 30 s. */
export const DEFAULT_RULES: Omit<PairingRules, "minPlayers" | "maxPlayers"> = {
  initialWindow: 100,
  widenPerSecond: 10,
  maxWaitMs: 30_000,
  fillWaitMs: 5_000,
};

/** The rating difference `ticket` accepts at `now`. */
export function windowOf(ticket: Waiting, now: number, rules: PairingRules): number {
  const waited = Math.max(0, now - ticket.since);
  if (waited >= rules.maxWaitMs) return Infinity;
  return rules.initialWindow + (waited / 1000) * rules.widenPerSecond;
}

/** True when both tickets accept each other's rating at `now`. */
export function compatible(a: Waiting, b: Waiting, now: number, rules: PairingRules): boolean {
  if (a.playerId === b.playerId) return false;
  return Math.abs(a.rating - b.rating) <= Math.min(windowOf(a, now, rules), windowOf(b, now, rules));
}

/**
 * Groups to start now. The longest-waiting ticket is served first, with the closest ratings
 * that every member accepts. A full group starts at once; one at its minimum starts once its
 * newest member has waited `fillWaitMs` for more to come. Nobody is in two groups.
 */
export function formGroups(tickets: readonly Waiting[], now: number, rules: PairingRules): Waiting[][] {
  const queue = [...tickets].sort((a, b) => a.since - b.since || a.id.localeCompare(b.id));
  const taken = new Set<string>();
  const groups: Waiting[][] = [];
  for (const anchor of queue) {
    if (taken.has(anchor.id)) continue;
    const group = [anchor];
    const candidates = queue
      .filter((other) => !taken.has(other.id) && other.id !== anchor.id)
      .sort((a, b) => Math.abs(a.rating - anchor.rating) - Math.abs(b.rating - anchor.rating) || a.since - b.since);
    for (const candidate of candidates) {
      if (group.length >= rules.maxPlayers) break;
      if (group.every((member) => compatible(member, candidate, now, rules))) group.push(candidate);
    }
    const full = group.length >= rules.maxPlayers;
    const newest = Math.max(...group.map((member) => member.since));
    const enough = group.length >= rules.minPlayers && now - newest >= rules.fillWaitMs;
    if (full || enough) {
      for (const member of group) taken.add(member.id);
      groups.push(group);
    }
  }
  return groups;
}
