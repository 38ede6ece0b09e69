/**
 * Protocol fuzzing against live matches, shared by fuzz.test.ts (short, in `npm test`) and
 * fuzz.long.test.ts (100,000 frames, in `npm run fuzz`): random and mutated frames from players
 * and spectators. Every frame is answered exactly once (or its socket is closed with a
 * documented code), nothing crashes the object, and no refused frame changes the match.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { FRAME_ERRORS, LIMITS } from "../../shared/protocol.ts";
import { Client, progress, startedMatch } from "./helpers.ts";

/** Frames per socket: inside the burst, so the rate limit does not hide the ladder. */
const PER_SOCKET = LIMITS.frameBurst - 2;

/** Well-formed frames to mutate. */
const VALID = [
  { type: "move", id: "fuzz", seq: 3, move: { column: 3 } },
  { type: "move", id: "fuzz", seq: 3, move: { cell: 4 } },
  { type: "resync", seq: 0 },
  { type: "ping", t: 1 },
  { type: "rematch" },
];

const weird = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -0,
    -1,
    1.5,
    2 ** 53,
    -(2 ** 53),
    1e308,
    Number.MIN_VALUE,
    "",
    "\u0000",
    "\u202e",
    "🂡",
    "𠀀".repeat(50),
  ),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.integer(), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

/** A valid frame with one field dropped, replaced, or added. */
const mutated = fc
  .tuple(
    fc.constantFrom(...VALID),
    fc.constantFrom("drop", "replace", "add", "retype"),
    fc.string({ maxLength: 8 }),
    weird,
  )
  .map(([frame, how, key, value]) => {
    const copy: Record<string, unknown> = { ...frame };
    const keys = Object.keys(copy);
    const target = keys[key.length % keys.length] ?? "type";
    if (how === "drop") delete copy[target];
    else if (how === "replace") copy[target] = value;
    else if (how === "add") copy[key || "extra"] = value;
    else copy.type = value;
    return JSON.stringify(copy);
  });

/** Deeply nested JSON, in objects or arrays, up to 20,000 levels (fits in 16 KiB up to ~8,000). */
const nested = fc
  .tuple(fc.integer({ min: 100, max: 20_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
  );

/** Any frame a hostile client could send. */
export const frame: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: mutated },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 60 }) },
  {
    weight: 1,
    arbitrary: fc
      .jsonValue({ maxDepth: 3 })
      .map((value) => JSON.stringify({ type: "move", id: "x", seq: 3, move: value })),
  },
  { weight: 1, arbitrary: nested },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: LIMITS.frameBytes - 8, max: LIMITS.frameBytes + 64 })
      .map((n) => JSON.stringify({ type: "ping", pad: "x".repeat(n) })),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
);

/** Sends `frames` on a fresh socket and returns what came back, one answer per frame. */
async function blast(matchId: string, token: string | undefined, frames: readonly (string | Uint8Array)[]) {
  const client = await Client.connect(matchId, token);
  await client.next("snapshot");
  const start = client.received.length;
  for (const item of frames) client.socket.send(item);
  // A final ping marks the end: everything before its pong answers the frames above.
  client.send({ type: "ping", t: -42 });
  await client.next("pong", (pong) => pong.t === -42);
  // Presence broadcasts (other sockets of the seat coming and going) answer nothing.
  const answers = client.received.slice(start, -1).filter((message) => message.type !== "presence");
  client.close();
  return answers;
}

/**
 * Sends at least `total` hostile frames to two started matches (Connect Four and tic-tac-toe),
 * as spectators and as the seat not to move, and checks every answer and that nothing changed.
 * Batch n gets the same frames whatever `total` is, so a short run is the start of the long one.
 */
export async function fuzzMatches(total: number): Promise<void> {
  const batches = Math.ceil(total / PER_SOCKET);
  // The longest clocks: the run must not outlast a turn or a grace period (which would be real changes).
  const clocks = { turnMs: LIMITS.maxTurnMs, graceMs: LIMITS.maxGraceMs };
  const tables = await Promise.all(["connect-four", "tic-tac-toe"].map((game) => startedMatch(game, clocks)));
  const before = await Promise.all(tables.map((table) => progress(table.matchId)));
  const seen = new Map<string, number>();
  let sent = 0;
  // Sockets in small parallel waves: each wave is one batch per (match, role).
  const LANES = 8;
  for (let batch = 0; batch < batches; batch += LANES) {
    await Promise.all(
      Array.from({ length: LANES }, (_, lane) => lane).map(async (lane) => {
        if (batch + lane >= batches) return;
        const table = tables[lane % 2]!;
        // Seat 1 is never to move at seq 3, and spectators may never act: nothing here may be accepted.
        const token = lane % 4 < 2 ? undefined : table.tokens[1];
        const frames = fc.sample(frame, { numRuns: PER_SOCKET, seed: batch * LANES + lane });
        const answers = await blast(table.matchId, token, frames);
        const shown = () =>
          `${frames.map((item) => (typeof item === "string" ? item.slice(0, 80) : `<${item.byteLength} bytes>`)).join("\n")}\n--\n` +
          answers.map((answer) => JSON.stringify(answer).slice(0, 120)).join("\n");
        expect(answers, shown()).toHaveLength(frames.length);
        for (const answer of answers) {
          const kind = answer.type === "error" ? `error:${answer.code}` : answer.type;
          seen.set(kind, (seen.get(kind) ?? 0) + 1);
          if (answer.type === "error") expect(FRAME_ERRORS).toContain(answer.code);
          else expect(["pong", "sync", "snapshot"]).toContain(answer.type);
        }
        sent += frames.length;
      }),
    );
  }
  expect(sent).toBeGreaterThanOrEqual(total);
  expect(await Promise.all(tables.map((table) => progress(table.matchId)))).toEqual(before);
  // The ladder was exercised at more than one rung.
  for (const kind of ["error:bad-message", "error:too-large", "error:spectator", "error:not-your-turn"]) {
    expect(seen.get(kind) ?? 0).toBeGreaterThan(0);
  }
}
