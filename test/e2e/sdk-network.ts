/**
 * A network the SDK end-to-end tests control: each client can be given its own Network, a
 * WebSocket the test can cut (and restore), that can lose chosen incoming frames, and that
 * records every frame the client writes.
 */
export type Frame = Record<string, any>;

/** What one client's sockets carry; `cut()` drops them and refuses new ones until `restore()`. */
export class Network {
  up = true;
  /** Every frame the client wrote, with the number of the socket (1, 2, …) that carried it. */
  readonly sent: { socket: number; frame: Frame }[] = [];
  /** Sockets opened so far (connected or not). */
  sockets = 0;
  /** Return true to lose an incoming frame on its way to the client. */
  lose: ((frame: Frame) => boolean) | null = null;
  /** Changes an incoming frame on its way to the client. */
  rewrite: ((frame: Frame) => Frame) | null = null;
  /** Return true to lose an outgoing frame on its way to the server (it is still recorded in `sent`). */
  loseOutgoing: ((frame: Frame) => boolean) | null = null;
  readonly links = new Set<Link>();

  cut(): void {
    this.up = false;
    for (const link of this.links) link.drop();
  }

  restore(): void {
    this.up = true;
  }

  moves(id?: string): { socket: number; frame: Frame }[] {
    return this.sent.filter(({ frame }) => frame.type === "move" && (id === undefined || frame.id === id));
  }

  /** A WebSocket class for MatchClientOptions.WebSocket. */
  get WebSocket(): unknown {
    const network = this;
    return class extends Link {
      constructor(url: string, protocols?: string | string[]) {
        super(network, url, protocols);
      }
    };
  }
}

/** Just enough of a WebSocket for partysocket, over a real one. */
export class Link extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  binaryType = "blob";
  readonly number: number;
  #socket: WebSocket | null = null;
  #dropped = false;

  constructor(
    readonly network: Network,
    url: string,
    protocols?: string | string[],
  ) {
    super();
    this.number = ++network.sockets;
    if (!network.up) {
      this.#dropped = true;
      // Unreachable: fail the way a real socket does, a moment later.
      setTimeout(() => {
        this.dispatchEvent(new Event("error"));
        this.#closeEvent(1006, "unreachable");
      }, 0);
      return;
    }
    network.links.add(this);
    const socket = new WebSocket(url, protocols);
    this.#socket = socket;
    socket.addEventListener("open", () => this.#dropped || this.dispatchEvent(new Event("open")));
    socket.addEventListener("message", (event) => {
      if (this.#dropped) return;
      const frame = JSON.parse(String(event.data)) as Frame;
      if (network.lose?.(frame)) return;
      const data = network.rewrite ? JSON.stringify(network.rewrite(frame)) : event.data;
      this.dispatchEvent(new MessageEvent("message", { data }));
    });
    socket.addEventListener("error", () => this.#dropped || this.dispatchEvent(new Event("error")));
    socket.addEventListener("close", (event) => {
      network.links.delete(this);
      if (!this.#dropped) this.#closeEvent(event.code, event.reason);
    });
  }

  get readyState(): number {
    return this.#dropped ? Link.CLOSED : (this.#socket?.readyState ?? Link.CLOSED);
  }

  send(data: string): void {
    const frame = JSON.parse(data) as Frame;
    this.network.sent.push({ socket: this.number, frame });
    if (!this.network.loseOutgoing?.(frame)) this.#socket?.send(data);
  }

  close(code?: number, reason?: string): void {
    this.#socket?.close(code, reason);
  }

  /** The network went away: the client hears an abnormal close at once; the server, soon. */
  drop(): void {
    if (this.#dropped) return;
    this.#dropped = true;
    this.network.links.delete(this);
    this.#socket?.close(1000, "network cut");
    this.#closeEvent(1006, "network cut");
  }

  #closeEvent(code: number, reason: string): void {
    this.dispatchEvent(Object.assign(new Event("close"), { code, reason, wasClean: false }));
  }
}
