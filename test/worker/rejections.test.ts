import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Match } from "../../server/match/match.ts";
import { FRAME_ERRORS, LIMITS, CLOSE_CODES, type FrameError } from "../../shared/protocol.ts";
import { signToken } from "../../server/auth.ts";
import { TEST_TOKEN_SECRET } from "../secret.ts";
import { api, Client, createMatch, newPlayer, RefusedError, startedMatch, progress, table } from "./helpers.ts";

function refusal(promise: Promise<unknown>): Promise<RefusedError> {
  return promise.then(
    () => {
      throw new Error("the connection was accepted");
    },
    (error: unknown) => {
      if (error instanceof RefusedError) return error;
      throw error;
    },
  );
}

/**
 * Every code some test below asserts a frame is refused with, gathered as the tests are declared
 * (not as they pass), so the check that every code has its test depends on no other test's run.
 */
const covered = new Set<FrameError>();

function covers(...codes: FrameError[]): void {
  for (const code of codes) covered.add(code);
}

/** A test that asserts refusals with `codes`. */
function refuses(codes: FrameError[], name: string, test: () => Promise<void>): void {
  covers(...codes);
  it(name, test);
}

/** Rows of frames refused with a code, each with its code. */
const REFUSED_FRAMES: { name: string; frame: unknown; code: FrameError }[] = [
  { name: "malformed JSON", frame: "{not json", code: "bad-message" },
  { name: "an unknown frame type", frame: { type: "teleport" }, code: "bad-message" },
  { name: "a frame with an extra field", frame: { type: "ping", extra: 1 }, code: "bad-message" },
  { name: "a move without an id", frame: { type: "move", seq: 3, move: { cell: 0 } }, code: "bad-message" },
  { name: "a JSON array", frame: "[1,2,3]", code: "bad-message" },
  {
    name: "a frame over 16 KiB",
    frame: JSON.stringify({ type: "ping", pad: "x".repeat(LIMITS.frameBytes) }),
    code: "too-large",
  },
  {
    name: "a frame over 16 KiB in UTF-8 only",
    frame: JSON.stringify({ type: "ping", pad: "é".repeat(LIMITS.frameBytes / 2 + 10) }),
    code: "too-large",
  },
  {
    name: "a move of the wrong shape",
    frame: { type: "move", id: "a", seq: 3, move: { column: 2 } },
    code: "bad-move",
  },
  { name: "a move out of range", frame: { type: "move", id: "a", seq: 3, move: { cell: 9 } }, code: "bad-move" },
];

describe("the guard ladder", () => {
  covers(...REFUSED_FRAMES.map((row) => row.code));
  it.each(REFUSED_FRAMES)("answers $name with $code and changes nothing", async ({ frame, code }) => {
    const { matchId, players, spectator } = await table();
    const before = await progress(matchId);
    players[0].send(frame);
    const error = await players[0].next("error");
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(0);
    // The socket still works, and nobody else heard about it.
    players[0].send({ type: "ping", t: 7 });
    expect((await players[0].next("pong")).t).toBe(7);
    expect(players[1].all("error")).toEqual([]);
    expect(spectator.all("error")).toEqual([]);
    expect(await progress(matchId)).toEqual(before);
  });

  refuses(["bad-message"], "refuses binary frames with bad-message", async () => {
    const { players } = await table();
    players[0].socket.send(new Uint8Array([1, 2, 3]));
    expect((await players[0].next("error")).code).toBe("bad-message");
  });

  refuses(["spectator"], "refuses a spectator's move and resignation with spectator", async () => {
    const { matchId, spectator, seq } = await table();
    const before = await progress(matchId);
    spectator.send({ type: "move", id: "sneaky", seq, move: { cell: 0 } });
    expect(await spectator.next("error")).toMatchObject({ code: "spectator", id: "sneaky" });
    spectator.send({ type: "resign" });
    expect((await spectator.next("error")).code).toBe("spectator");
    expect(await progress(matchId)).toEqual(before);
  });

  refuses(["not-started"], "refuses moves and resignation before the match starts with not-started", async () => {
    const ada = await newPlayer("Ada");
    const match = await createMatch("tic-tac-toe", ada);
    const player = await Client.connect(match.matchId, ada.token);
    const seq = (await player.next("snapshot")).state.seq;
    player.send({ type: "move", id: "early", seq, move: { cell: 0 } });
    expect(await player.next("error")).toMatchObject({ code: "not-started", id: "early" });
    player.send({ type: "resign" });
    expect((await player.next("error")).code).toBe("not-started");
    expect((await progress(match.matchId)).seq).toBe(seq);
  });

  refuses(
    ["not-your-turn"],
    "refuses a move out of turn with not-your-turn: seat 0's token cannot move for seat 1",
    async () => {
      const { matchId, players, seq } = await table();
      players[0].send({ type: "move", id: "one", seq, move: { cell: 0 } });
      await players[0].next("event");
      const before = await progress(matchId);
      // It is seat 1's turn; seat 0's socket has no way to act for seat 1.
      players[0].send({ type: "move", id: "two", seq: seq + 1, move: { cell: 1 } });
      expect(await players[0].next("error")).toMatchObject({ code: "not-your-turn", id: "two" });
      // Seat 1 opening with seat 0's turn already gone is fine; seat 1 moving twice is not.
      players[1].send({ type: "move", id: "b1", seq: seq + 1, move: { cell: 4 } });
      await players[1].next("event", (frame) => frame.event.kind === "move" && frame.event.id === "b1");
      players[1].send({ type: "move", id: "b2", seq: seq + 2, move: { cell: 5 } });
      expect((await players[1].next("error")).code).toBe("not-your-turn");
      expect((await progress(matchId)).moves).toBe(before.moves + 1);
    },
  );

  covers("illegal");
  it.each([
    { game: "tic-tac-toe", first: { cell: 4 }, again: { cell: 4 }, reason: "cell-occupied" },
    { game: "connect-four", first: { column: 0 }, again: null, reason: "column-full" },
  ])(
    "refuses an illegal $game move with illegal and the game's reason $reason",
    async ({ game, first, again, reason }) => {
      const { matchId, players } = await table(game);
      let seq = (await progress(matchId)).seq;
      const fill = again ?? first;
      // Connect Four: fill column 0 (six discs, alternating seats); Tic-tac-toe: take cell 4.
      const plies = again ? 1 : 6;
      for (let ply = 0; ply < plies; ply++) {
        const player = players[ply % 2]!;
        player.send({ type: "move", id: `f${ply}`, seq, move: first });
        await player.next("event", (frame) => frame.event.seq === seq + 1);
        seq += 1;
      }
      const before = await progress(matchId);
      const mover = players[plies % 2]!;
      mover.send({ type: "move", id: "bad", seq, move: fill });
      expect(await mover.next("error")).toMatchObject({ code: "illegal", reason, id: "bad" });
      expect(await progress(matchId)).toEqual(before);
    },
  );

  refuses(["stale"], "refuses a legal move made against an old seq with stale", async () => {
    const { matchId, players, seq } = await table();
    players[0].send({ type: "move", id: "late", seq: seq - 1, move: { cell: 0 } });
    expect(await players[0].next("error")).toMatchObject({ code: "stale", id: "late" });
    expect((await progress(matchId)).seq).toBe(seq);
  });

  refuses(["game-over"], "refuses moves and resignation after the end with game-over", async () => {
    const { matchId, players } = await table();
    players[1].send({ type: "resign" });
    const end = await players[0].next("event", (frame) => frame.event.kind === "resign");
    expect(end.state.result).toEqual({ kind: "win", winners: [0], reason: "resign" });
    players[0].send({ type: "move", id: "after", seq: end.state.seq, move: { cell: 0 } });
    expect(await players[0].next("error")).toMatchObject({ code: "game-over", id: "after" });
    players[1].send({ type: "resign" });
    expect((await players[1].next("error")).code).toBe("game-over");
    expect((await progress(matchId)).seq).toBe(end.state.seq);
  });

  refuses(["not-finished"], "refuses a rematch before the match is over with not-finished", async () => {
    const { matchId, players, spectator } = await table();
    const before = await progress(matchId);
    players[0].send({ type: "rematch" });
    expect((await players[0].next("error")).code).toBe("not-finished");
    spectator.send({ type: "rematch" });
    expect((await spectator.next("error")).code).toBe("spectator");
    expect(await progress(matchId)).toEqual(before);
  });

  refuses(
    ["no-draw-offer", "draw-offered"],
    "refuses draw answers with nothing offered (no-draw-offer) and a second offer (draw-offered)",
    async () => {
      const { matchId, players, spectator } = await table();
      const before = await progress(matchId);
      players[1].send({ type: "draw", action: "accept" });
      expect((await players[1].next("error")).code).toBe("no-draw-offer");
      players[1].send({ type: "draw", action: "decline" });
      expect((await players[1].next("error")).code).toBe("no-draw-offer");
      spectator.send({ type: "draw", action: "offer" });
      expect((await spectator.next("error")).code).toBe("spectator");
      expect(await progress(matchId)).toEqual(before);
      players[0].send({ type: "draw", action: "offer" });
      await players[0].next("event", (frame) => frame.event.kind === "draw-offer");
      players[0].send({ type: "draw", action: "offer" });
      expect((await players[0].next("error")).code).toBe("draw-offered");
      expect((await progress(matchId)).seq).toBe(before.seq + 1);
    },
  );

  refuses(["rate-limited"], "refuses frames over the rate limit with rate-limited", async () => {
    const { matchId, players } = await table();
    // The bucket's clock stands still, so no token comes back however slowly this machine sends.
    await runInDurableObject(env.Match.getByName(matchId), (match: Match) => {
      const frozen = Date.now();
      match.flood.now = () => frozen;
    });
    const over = 10;
    for (let i = 0; i < LIMITS.frameBurst + over; i++) players[0].send({ type: "ping", t: i });
    for (let i = 0; i < over; i++) {
      const limited = await players[0].next("error");
      expect(limited).toMatchObject({ code: "rate-limited", message: expect.stringMatching(/too many/) });
    }
    // Frames are answered in order: every pong came before the last refusal.
    expect(players[0].all("pong").map((pong) => pong.t)).toEqual([...Array(LIMITS.frameBurst).keys()]);
  });

  it("closes a socket that keeps sending refused frames, and the match plays on", async () => {
    const { players, seq } = await table();
    for (let i = 0; i <= LIMITS.floodStrikes + 5; i++) players[1].send("garbage");
    expect((await players[1].closedWith()).code).toBe(CLOSE_CODES.flooding);
    players[0].send({ type: "move", id: "still", seq, move: { cell: 0 } });
    expect((await players[0].next("event")).event.kind).toBe("move");
  });

  // Issue 14: protocol.md §8's example once gave exact counts, but the bucket refills (and
  // strikes fade) while a burst arrives, so only these bounds hold on any machine.
  it("answers a burst of 150 invalid frames as protocol.md §8 says, then closes with 4008", async () => {
    const { players, seq } = await table();
    const burst = 150;
    for (let i = 0; i < burst; i++) players[1].send("garbage");
    expect((await players[1].closedWith()).code).toBe(CLOSE_CODES.flooding);
    const codes = players[1].all("error").map((frame) => frame.code);
    // The full bucket first; then rate-limited, with a bad-message wherever the bucket refilled a token.
    expect(codes.slice(0, LIMITS.frameBurst)).toEqual(Array(LIMITS.frameBurst).fill("bad-message"));
    expect(codes).toContain("rate-limited");
    expect(new Set(codes)).toEqual(new Set(["bad-message", "rate-limited"]));
    // One reply per strike up to floodStrikes (more if strikes faded), none for the closing one.
    expect(codes.length).toBeGreaterThanOrEqual(LIMITS.floodStrikes);
    expect(codes.length).toBeLessThan(burst);
    players[0].send({ type: "move", id: "still", seq, move: { cell: 0 } });
    expect((await players[0].next("event")).event.kind).toBe("move");
  });

  it("has a test for every frame error code", () => {
    expect([...covered].sort()).toEqual([...FRAME_ERRORS].sort());
  });
});

describe("idempotent moves", () => {
  it("answers a retried move id with the original seq and applies it once", async () => {
    const { matchId, players, spectator, seq } = await table();
    players[0].send({ type: "move", id: "retry-me", seq, move: { cell: 4 } });
    const accepted = await players[0].next("event");
    const before = await progress(matchId);
    players[0].send({ type: "move", id: "retry-me", seq, move: { cell: 4 } });
    expect(await players[0].next("ack")).toEqual({ type: "ack", id: "retry-me", seq: accepted.event.seq });
    // Even a different move under the same id is answered, not applied.
    players[0].send({ type: "move", id: "retry-me", seq: seq + 1, move: { cell: 0 } });
    expect((await players[0].next("ack")).seq).toBe(accepted.event.seq);
    expect(await progress(matchId)).toEqual(before);
    players[0].send({ type: "ping" });
    await players[0].next("pong");
    expect(spectator.all("event").length).toBe(1);
  });

  it("keeps move ids per seat: the opponent may reuse an id", async () => {
    const { players, seq } = await table();
    players[0].send({ type: "move", id: "same", seq, move: { cell: 0 } });
    await players[1].next("event");
    players[1].send({ type: "move", id: "same", seq: seq + 1, move: { cell: 1 } });
    const second = await players[1].next("event", (frame) => frame.event.seq === seq + 2);
    expect(second.event).toMatchObject({ kind: "move", seat: 1, id: "same" });
  });
});

describe("tokens", () => {
  it("refuses an altered token with 401", async () => {
    const { matchId, tokens } = await startedMatch("tic-tac-toe");
    const [payload, signature] = tokens[0].split(".") as [string, string];
    const claims = JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/"))) as Record<string, unknown>;
    const altered = btoa(JSON.stringify({ ...claims, pid: "someoneElse123" }))
      .replaceAll("+", "-")
      .replaceAll("/", "_")
      .replace(/=+$/, "");
    for (const token of [
      `${altered}.${signature}`,
      `${payload}.${signature.slice(0, -2)}AA`,
      "garbage",
      `${payload}.`,
    ]) {
      const refused = await refusal(Client.connect(matchId, token));
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.body)).toMatchObject({ error: { code: "unauthorized" } });
    }
  });

  it("refuses a token signed with another secret with 401", async () => {
    const { matchId } = await startedMatch("tic-tac-toe");
    const { players } = await startedMatch("tic-tac-toe");
    const forged = await signToken("another-secret-another-secret-another-secret", {
      pid: players[0].playerId,
      name: "Ada",
    });
    expect((await refusal(Client.connect(matchId, forged))).status).toBe(401);
  });

  it("lets a genuine player who holds no seat here watch, and nothing more", async () => {
    const first = await startedMatch("tic-tac-toe");
    const second = await startedMatch("tic-tac-toe");
    // Ada of the first match, on the second: a spectator, not anyone's seat.
    const visitor = await Client.connect(second.matchId, first.tokens[0]);
    expect(await visitor.next("welcome")).toMatchObject({ role: "spectator", seat: null });
    const seq = (await visitor.next("snapshot")).state.seq;
    visitor.send({ type: "move", id: "visit", seq, move: { cell: 0 } });
    expect((await visitor.next("error")).code).toBe("spectator");
    // A correctly signed token naming a seated player's id acts for that player only:
    // the id is the identity, and only this server's secret can sign it.
    const signed = await signToken(TEST_TOKEN_SECRET, { pid: second.players[1].playerId, name: "Brian" });
    const brian = await Client.connect(second.matchId, signed);
    expect((await brian.next("welcome")).seat).toBe(1);
  });

  it("refuses sockets to unknown or malformed match ids with 404, and plain HTTP with 426", async () => {
    expect((await refusal(Client.connect("doesNotExist123"))).status).toBe(404);
    expect((await refusal(Client.connect("bad!id"))).status).toBe(404);
    const plain = await api<{ error: { code: string } }>(
      `/parties/match/${(await startedMatch("tic-tac-toe")).matchId}`,
    );
    expect(plain.status).toBe(426);
    expect(plain.body.error.code).toBe("upgrade-required");
    const otherParty = await api<{ error: { code: string } }>("/parties/lobby/abcdefgh");
    expect(otherParty.status).toBe(404);
    expect(otherParty.body.error.code).toBe("not-found");
  });
});
