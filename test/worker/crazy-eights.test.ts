/**
 * Crazy Eights over the real HTTP API and WebSockets: four players and a spectator play a
 * whole game, and every frame each socket received is checked for secrets. The seed is the
 * server's, so the true hands are learnt from the players' own frames: at each seq, seat i's
 * frame shows seat i's hand, and the stock is whatever is in no hand and not on the pile.
 */
import { describe, expect, it } from "vitest";
import {
  DECK,
  MAX_DRAWS,
  playable,
  rankOf,
  SUITS,
  type Card,
  type CrazyEightsMove,
  type CrazyEightsView,
} from "../../shared/games/crazy-eights.ts";
import type { LoggedEvent, ServerMessage } from "../../shared/protocol.ts";
import { createRandom, seedRandom, type Random } from "../../shared/random.ts";
import { api, Client, createMatch, joinMatch, newPlayer } from "./helpers.ts";

const PLAYERS = 4;
/** Moves after which players stop drawing at will and play a card whenever they can. */
const DRAWING_MOVES = 150;

type StateFrame = Extract<ServerMessage, { type: "snapshot" | "event" | "sync" }>;

const viewOf = (frame: StateFrame): CrazyEightsView => frame.state.view as CrazyEightsView;

/** The moves a player can work out from their own view alone (the server judges them). */
function movesFrom(view: CrazyEightsView): CrazyEightsMove[] {
  const top = view.discard.at(-1)!;
  const plays = (view.hand ?? [])
    .filter((card) => playable(card, top, view.suit))
    .flatMap((card): CrazyEightsMove[] =>
      rankOf(card) === "8" ? SUITS.map((suit) => ({ type: "play", card, suit })) : [{ type: "play", card }],
    );
  const nothingToDraw = view.stock === 0 && view.discard.length <= 1;
  const moves = [...plays];
  if (view.draws < MAX_DRAWS && !nothingToDraw) moves.push({ type: "draw" });
  if (view.draws >= MAX_DRAWS || (nothingToDraw && plays.length === 0)) moves.push({ type: "pass" });
  return moves;
}

function choose(view: CrazyEightsView, moveCount: number, random: Random): CrazyEightsMove {
  const moves = movesFrom(view);
  const plays = moves.filter((move) => move.type === "play");
  const pool = moveCount >= DRAWING_MOVES && plays.length > 0 ? plays : moves;
  const move = pool[random.int(pool.length)];
  if (move === undefined) throw new Error(`no move for ${JSON.stringify(view)}`);
  return move;
}

/** Resolves with the first frame from index `from` on that `match` accepts. */
async function frameFrom(
  client: Client,
  from: number,
  match: (frame: ServerMessage) => boolean,
): Promise<ServerMessage> {
  for (;;) {
    const hit = client.received.slice(from).find(match);
    if (hit) return hit;
    if (client.closed) throw new Error(`socket closed (${client.closed.code})`);
    // The Client's own listener was added first, so `received` holds the frame by the time this runs.
    await new Promise<void>((resolve) => client.socket.addEventListener("message", () => resolve(), { once: true }));
  }
}

/** Every card string quoted anywhere in `value`'s JSON. */
function cardsIn(value: unknown): Set<Card> {
  const json = JSON.stringify(value);
  return new Set(DECK.filter((card) => json.includes(`"${card}"`)));
}

async function wholeLog(matchId: string): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  for (let after: number | null = 0; after !== null; ) {
    const page: { status: number; body: { events: LoggedEvent[]; next: number | null } } = await api<{
      events: LoggedEvent[];
      next: number | null;
    }>(`/api/matches/${matchId}/events?after=${after}`);
    expect(page.status).toBe(200);
    events.push(...page.body.events);
    after = page.body.next;
  }
  return events;
}

describe("crazy eights over real WebSockets", () => {
  it("plays a four-player game to the end without any frame showing a card its recipient may not see", async () => {
    const people = [await newPlayer("Ada"), await newPlayer("Brian"), await newPlayer("Chen"), await newPlayer("Dana")];
    const match = await createMatch("crazy-eights", people[0]!);
    expect(match.capacity).toBe(6);
    // The spectator is there from the first seat on, so it receives the start and every move.
    const spectator = await Client.connect(match.matchId);
    expect((await spectator.next("welcome")).role).toBe("spectator");
    for (const person of people.slice(1)) await joinMatch(match.matchId, person);
    const started = await api(`/api/matches/${match.matchId}/start`, {
      method: "POST",
      headers: { authorization: `Bearer ${people[0]!.token}` },
    });
    expect(started.status).toBe(200);

    const seats: Client[] = [];
    for (const [seat, person] of people.entries()) {
      const client = await Client.connect(match.matchId, person.token);
      expect(await client.next("welcome")).toMatchObject({ role: "player", seat, gameId: "crazy-eights" });
      seats.push(client);
    }
    let latest: StateFrame[] = await Promise.all(seats.map(async (client) => await client.next("snapshot")));
    let seq = latest[0]!.state.seq;
    for (const snapshot of latest) {
      expect(snapshot.state).toMatchObject({ status: "playing", seq, capacity: PLAYERS });
      expect(viewOf(snapshot).hand).toHaveLength(5);
    }

    // Play: the seat to move chooses from its own view; every chosen move must be accepted.
    const random = createRandom(seedRandom("worker-crazy-eights"));
    let moves = 0;
    while (latest[0]!.state.status === "playing") {
      if (moves > 3000) throw new Error("the game goes on and on");
      const seat = latest[0]!.state.turn!.seats[0]!;
      const mover = seats[seat]!;
      const move = choose(viewOf(latest[seat]!), moves, random);
      const id = `m${moves}`;
      for (;;) {
        const from = mover.received.length;
        mover.send({ type: "move", id, seq, move });
        const answer = await frameFrom(
          mover,
          from,
          (frame) => (frame.type === "event" && frame.event.seq === seq + 1) || frame.type === "error",
        );
        if (answer.type === "event") break;
        // Four seats share one test loop, so a seat can outrun the per-socket frame limit; the
        // limit is a token bucket over time, so only waiting helps.
        expect(answer).toMatchObject({ type: "error", code: "rate-limited" });
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      seq += 1;
      latest = await Promise.all(
        seats.map(async (client) => await client.next("event", (frame) => frame.event.seq === seq)),
      );
      moves += 1;
    }
    await spectator.next("event", (frame) => frame.event.seq === seq);
    const result = latest[0]!.state.result;
    expect(result).not.toBeNull();
    expect(moves).toBeGreaterThan(20);

    // What each seat held at each seq, from its own frames.
    const frames = seats.map((client) =>
      client.received.filter((frame): frame is StateFrame => frame.type === "snapshot" || frame.type === "event"),
    );
    const spectatorFrames = spectator.received.filter(
      (frame): frame is StateFrame => frame.type === "snapshot" || frame.type === "event",
    );
    const firstSeq = frames[0]![0]!.state.seq;
    const hands: Map<number, readonly Card[]>[] = frames.map((list, seat) => {
      const bySeq = new Map<number, readonly Card[]>();
      for (const frame of list) {
        const view = viewOf(frame);
        expect(view.viewer).toBe(seat);
        expect(view.hand).not.toBeNull();
        bySeq.set(frame.state.seq, view.hand!);
      }
      // Every seq from the start to the end reached every seat, so its hand is known throughout.
      expect([...bySeq.keys()]).toEqual(Array.from({ length: seq - firstSeq + 1 }, (_, i) => firstSeq + i));
      return bySeq;
    });

    /** Cards seen face up so far (played), by seq. */
    const everPlayed = new Set<Card>();
    const publicBySeq = new Map<number, Set<Card>>();
    const secretsBySeq = new Map<number, { hands: Set<Card>[]; stock: Set<Card> }>();
    for (let s = firstSeq; s <= seq; s++) {
      const view = viewOf(frames[0]!.find((frame) => frame.state.seq === s)!);
      for (const card of view.discard) everPlayed.add(card);
      publicBySeq.set(s, new Set(everPlayed));
      const held = hands.map((bySeq) => new Set(bySeq.get(s)!));
      // The 52 cards: the four hands, the pile, and the stock (whose size every view gives).
      const all = [...held.flatMap((set) => [...set]), ...view.discard];
      expect(new Set(all).size).toBe(all.length);
      expect(all.length + view.stock).toBe(52);
      expect(view.handCounts).toEqual(held.map((set) => set.size));
      const stock = new Set(DECK.filter((card) => !all.includes(card)));
      secretsBySeq.set(s, { hands: held, stock });
    }

    for (const [seat, list] of frames.entries()) {
      for (const frame of list) {
        const s = frame.state.seq;
        const secrets = secretsBySeq.get(s)!;
        const shown = cardsIn(frame);
        for (const [other, hand] of secrets.hands.entries()) {
          if (other === seat) continue;
          const leaked = [...hand].filter((card) => shown.has(card));
          expect(leaked, `seat ${seat} at seq ${s} sees seat ${other}'s cards`).toEqual([]);
        }
        expect(
          [...secrets.stock].filter((card) => shown.has(card)),
          `seat ${seat} at seq ${s} sees the stock`,
        ).toEqual([]);
      }
    }
    for (const frame of spectatorFrames) {
      const s = frame.state.seq;
      if (s < firstSeq) {
        expect(frame.state.view).toBeNull();
        continue;
      }
      const view = viewOf(frame);
      expect(view.hand).toBeNull();
      const secrets = secretsBySeq.get(s)!;
      const shown = cardsIn(frame);
      const leaked = [...secrets.hands.flatMap((hand) => [...hand]), ...secrets.stock].filter((card) =>
        shown.has(card),
      );
      expect(leaked, `the spectator at seq ${s}`).toEqual([]);
    }

    // The event part of any frame names only cards already face up (the card just played).
    for (const frame of [...frames.flat(), ...spectatorFrames]) {
      if (frame.type !== "event") continue;
      const named = [...cardsIn(frame.event)];
      const seen = publicBySeq.get(frame.event.seq) ?? new Set<Card>();
      expect(
        named.filter((card) => !seen.has(card)),
        `event ${frame.event.seq}`,
      ).toEqual([]);
    }

    // Each recipient got its own frame, and the spectator's equals none of the players'.
    const lastFrames = [...frames.map((list) => list.at(-1)!), spectatorFrames.at(-1)!];
    expect(new Set(lastFrames.map((frame) => JSON.stringify(frame.state.view))).size).toBe(PLAYERS + 1);

    // The public log: every move as sent; a draw says nothing; no card but those played.
    const log = await wholeLog(match.matchId);
    expect(log.at(-1)!.seq).toBe(seq);
    const logged = log.filter((event) => event.kind === "move");
    expect(logged).toHaveLength(moves);
    for (const event of logged) {
      const move = event.move as CrazyEightsMove;
      if (move.type !== "play") expect(move).toEqual({ type: move.type });
      const named = [...cardsIn(event)];
      expect(named).toEqual(move.type === "play" ? [move.card] : []);
    }
    const summary = await api<{ status: string; result: unknown; moves: number }>(`/api/matches/${match.matchId}`);
    expect(summary.body).toMatchObject({ status: "finished", result, moves });
    expect(cardsIn(summary.body).size).toBe(0);

    for (const client of [...seats, spectator]) client.close();
  }, 120_000);
});
