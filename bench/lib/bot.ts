/**
 * A protocol-level Connect Four or chess player: one WebSocket, a uniformly random legal move
 * (Connect Four: by the shared rules; chess: by chess.js on the view's FEN) as soon as it is its
 * seat's turn, and a rematch when a game ends. The next game comes one of three ways, and the
 * bot takes each: a `welcome` naming the next game's id on the same socket, then its snapshot
 * (Ply: the next game of the series in the same object); an `event` that starts the next game
 * under the same id (the workerd floor); or a `rematch` frame naming a new match, which the bot
 * follows on a new socket (floor.ts, the workerd floor's --floor-new-object, older servers).
 * Written from the wire protocol (shared/protocol.ts), so it drives Ply and the floors alike.
 */
import { Chess } from "chess.js";
import { connectFour, COLUMNS, type ConnectFourState } from "../../shared/games/connect-four.ts";
import { matchUrl, now, openSocket, type Player, type WebSocket } from "./client.ts";

/** What a bot reports to, and asks of, the run it belongs to. */
export interface BotContext {
  readonly origin: string;
  /** While true the bot moves and asks for rematches; after, it only finishes what is in flight. */
  running: boolean;
  /** When set, the bot hands its move to this instead of sending it (pacing). */
  gate?: (bot: Bot, send: () => void) => void;
  /** A move of this bot came back in the broadcast: `latencyMs` from send to receipt. */
  confirmed(bot: Bot, matchId: string, seq: number, id: string, latencyMs: number, at: number): void;
  /** A game this bot was in is over (both bots report it). */
  finished(bot: Bot, matchId: string): void;
  /**
   * A game's snapshot arrived: on a bot's first socket (`initial`, `ms` since it opened), or for
   * the next game (`rematch`, `ms` since the bot saw the previous game end), on a new socket
   * that followed a `rematch` frame or on the same socket welcomed to the next game's id.
   */
  connected(bot: Bot, ms: number, kind: "initial" | "rematch"): void;
  /**
   * The first move of the next game reached this bot: `ms` since it saw the previous game end
   * (Ply: the next game on the same socket; the workerd floor: the same object and socket).
   */
  handedOver?(bot: Bot, ms: number, at: number): void;
  /** Ask for a rematch when a game ends (default true). */
  rematch?: boolean;
  /** Stop moving once the game has this many moves (the scenario moves on by raising it). */
  stopAtPlies?: number;
  /** Resign instead of moving once the game has this many moves (ends a chess game, ratings included). */
  resignAtPlies?: number;
  /** Every event frame the bot receives (the wake scenario: when each player had a move). */
  observed?(bot: Bot, matchId: string, event: { kind: string; seq: number; id?: string }, at: number): void;
  /** Refused by a server limit (rate-limited): the frame is sent again later. */
  rejected(bot: Bot, code: string): void;
  /** Anything that should not happen in a clean run. */
  error(bot: Bot, code: string, detail: string): void;
}

interface MatchViewish {
  seq: number;
  status: "waiting" | "playing" | "finished";
  view: ConnectFourState | { fen: string } | null;
  turn: { seats: number[] } | null;
  moves?: number;
}

/** A uniformly random legal move on `view` for `seat`: a column, or a chess move in UCI. */
function randomMove(view: NonNullable<MatchViewish["view"]>, seat: number): unknown {
  if ("fen" in view) {
    const moves = new Chess(view.fen).moves({ verbose: true });
    const move = moves[Math.floor(Math.random() * moves.length)];
    return move ? `${move.from}${move.to}${move.promotion ?? ""}` : undefined;
  }
  const legal: number[] = [];
  for (let column = 0; column < COLUMNS; column++)
    if (connectFour.validate(view, seat, { column }) === null) legal.push(column);
  const column = legal[Math.floor(Math.random() * legal.length)];
  return column === undefined ? undefined : { column };
}

const RETRY_MS = 100;

export class Bot {
  readonly player: Player;
  readonly ctx: BotContext;
  matchId = "";
  seat: number | null = null;
  #socket: WebSocket | null = null;
  #state: MatchViewish | null = null;
  /** The move sent and not yet seen in a broadcast. */
  #pending: { id: string; sentAt: number } | null = null;
  #held = false;
  #rematchAsked = false;
  #finishedAt = 0;
  /** Set when a game ended, cleared by the next game's first move (handedOver). */
  #awaitingNextGame = false;
  /** Welcomed to the next game's id on this socket: its snapshot is the next game's. */
  #welcomedToNext = false;
  #switching = false;
  #moveCount = 0;
  #ready: (() => void) | null = null;
  /** Sockets this bot closed on purpose (their close is not an error). */
  readonly #retired = new WeakSet<WebSocket>();

  constructor(player: Player, ctx: BotContext) {
    this.player = player;
    this.ctx = ctx;
  }

  /** Moves played in the bot's current game, as the last state said. */
  get plies(): number {
    return this.#state?.moves ?? 0;
  }

  /** The bot's current game has ended. */
  get finishedGame(): boolean {
    return this.#state?.status === "finished";
  }

  /** True while a move or a rematch hand-over is in flight. */
  get busy(): boolean {
    return this.#pending !== null || this.#switching || this.#held;
  }

  /** Connects to `matchId` and resolves once its snapshot arrived; returns the milliseconds it took. */
  async join(matchId: string, kind: "initial" | "rematch", startedAt = now()): Promise<number> {
    // Frames of the new socket wait here until it becomes the bot's socket.
    const early: Buffer[] = [];
    let mine = false;
    const socket = await openSocket(matchUrl(this.ctx.origin, matchId, this.player.token), (data) => {
      if (!mine) early.push(data);
      else if (socket === this.#socket) this.#onFrame(JSON.parse(data.toString()) as Record<string, any>);
    });
    let timeout: NodeJS.Timeout | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      this.#ready = resolve;
      timeout = setTimeout(() => reject(new Error(`no snapshot from ${matchId} in 30 s`)), 30_000);
    });
    const previous = this.#socket;
    this.#socket = socket;
    this.matchId = matchId;
    this.seat = null;
    this.#state = null;
    this.#rematchAsked = false;
    this.#attach(socket);
    if (previous) {
      this.#retired.add(previous);
      previous.close(1000, "rematch");
    }
    mine = true;
    for (const data of early.splice(0)) this.#onFrame(JSON.parse(data.toString()) as Record<string, any>);
    try {
      await ready;
    } finally {
      clearTimeout(timeout);
    }
    const ms = now() - startedAt;
    this.ctx.connected(this, ms, kind);
    return ms;
  }

  /** Lets the bot act on the state it has (called when the run starts). */
  kick(): void {
    this.#act();
  }

  close(): void {
    if (!this.#socket) return;
    this.#retired.add(this.#socket);
    this.#socket.close(1000, "done");
  }

  #attach(socket: WebSocket): void {
    socket.on("error", (error: Error) => {
      if (!this.#retired.has(socket)) this.ctx.error(this, "socket-error", error.message);
    });
    socket.on("close", (code: number, reason: Buffer) => {
      if (!this.#retired.has(socket)) this.ctx.error(this, "socket-closed", `${code} ${reason.toString()}`);
    });
  }

  #send(frame: unknown): void {
    this.#socket?.send(JSON.stringify(frame));
  }

  #onFrame(frame: Record<string, any>): void {
    switch (frame.type) {
      case "welcome":
        if (frame.role !== "player") this.ctx.error(this, "not-seated", this.matchId);
        // Another id on a socket that already carries a game: the next game of the series has
        // started on it (its seat may differ: seats rotate). A first welcome may name another
        // id too (a socket to an earlier game of a series is admitted to the current one).
        if (this.#state !== null && frame.matchId !== this.matchId) {
          this.#welcomedToNext = true;
          this.#state = null;
          this.#pending = null;
          this.#rematchAsked = false;
        }
        if (typeof frame.matchId === "string") this.matchId = frame.matchId;
        this.seat = frame.seat;
        return;
      case "snapshot": {
        const at = now();
        this.#apply(frame.state);
        if (this.#welcomedToNext) {
          this.#welcomedToNext = false;
          this.ctx.connected(this, at - this.#finishedAt, "rematch");
        }
        this.#ready?.();
        this.#ready = null;
        return;
      }
      case "event": {
        const event = frame.event as { kind: string; seq: number; seat?: number; id?: string };
        this.ctx.observed?.(this, this.matchId, event, now());
        if (event.kind === "move" && this.#awaitingNextGame) {
          this.#awaitingNextGame = false;
          const at = now();
          this.ctx.handedOver?.(this, at - this.#finishedAt, at);
        }
        if (event.kind === "move" && this.#pending && event.id === this.#pending.id && event.seat === this.seat) {
          const at = now();
          this.ctx.confirmed(this, this.matchId, event.seq, event.id, at - this.#pending.sentAt, at);
          this.#pending = null;
        } else if (event.kind === "resign" && this.ctx.resignAtPlies !== undefined) {
          // A resignation the run asked for (resignAtPlies).
        } else if (event.kind !== "move" && event.kind !== "start" && event.kind !== "join") {
          // Timeouts, abandons, resignations: not part of a clean run.
          this.ctx.error(this, `event-${event.kind}`, this.matchId);
        }
        this.#apply(frame.state);
        return;
      }
      case "rematch":
        if (
          typeof frame.matchId === "string" &&
          frame.matchId !== this.matchId &&
          this.ctx.running &&
          !this.#switching
        ) {
          this.#follow(frame.matchId);
        }
        return;
      case "error":
        return this.#onError(frame as { code: string; message: string; id?: string });
      case "ack":
        // Only a repeated move id is acked: the bot never repeats one.
        this.ctx.error(this, "unexpected-ack", JSON.stringify(frame));
        return;
      default:
        // presence, sync, pong: nothing to do.
        return;
    }
  }

  #onError(frame: { code: string; message: string; id?: string }): void {
    if (frame.code === "rate-limited") {
      this.ctx.rejected(this, frame.code);
      // The refused frame was dropped: send it again (the state tells which one) a little later.
      this.#pending = null;
      this.#rematchAsked = false;
      this.#held = true;
      setTimeout(() => {
        this.#held = false;
        this.#act();
      }, RETRY_MS);
      return;
    }
    this.ctx.error(this, frame.code, frame.message);
    if (frame.id !== undefined && this.#pending?.id === frame.id) {
      this.#pending = null;
      this.#held = true;
      setTimeout(() => {
        this.#held = false;
        this.#act();
      }, RETRY_MS);
    }
  }

  #apply(state: MatchViewish): void {
    const wasFinished = this.#state?.status === "finished";
    this.#state = state;
    if (state.status === "finished" && !wasFinished) {
      this.#finishedAt = now();
      this.#awaitingNextGame = true;
      // A resignation held the bot until the game ended.
      this.#held = false;
      this.ctx.finished(this, this.matchId);
    }
    // A next game on the same socket (the workerd floor): this bot may ask for a rematch again.
    if (state.status !== "finished") this.#rematchAsked = false;
    this.#act();
  }

  #act(): void {
    const state = this.#state;
    if (!this.ctx.running || !state || this.busy) return;
    if (state.status === "playing" && this.seat !== null && state.turn?.seats.includes(this.seat) && state.view) {
      const seat = this.seat;
      const plies = state.moves ?? 0;
      if (plies >= (this.ctx.stopAtPlies ?? Infinity)) return;
      if (plies >= (this.ctx.resignAtPlies ?? Infinity)) {
        this.#held = true;
        this.#send({ type: "resign" });
        return;
      }
      const move = randomMove(state.view, seat);
      if (move === undefined) return this.ctx.error(this, "no-legal-move", this.matchId);
      const id = `m${(++this.#moveCount).toString(36)}`;
      const send = () => {
        this.#held = false;
        // The state moved on while the move was held: decide again on the new one.
        if (this.#socket === null || this.#state !== state) return this.#act();
        this.#pending = { id, sentAt: now() };
        this.#send({ type: "move", id, seq: state.seq, move });
      };
      if (this.ctx.gate) {
        this.#held = true;
        this.ctx.gate(this, send);
      } else send();
      return;
    }
    if (state.status === "finished" && !this.#rematchAsked && this.ctx.rematch !== false) {
      this.#rematchAsked = true;
      this.#send({ type: "rematch" });
    }
  }

  #follow(matchId: string): void {
    this.#switching = true;
    this.join(matchId, "rematch", this.#finishedAt || now())
      .catch((error: unknown) => this.ctx.error(this, "rematch-connect", String(error)))
      .finally(() => {
        this.#switching = false;
        this.#act();
      });
  }
}
