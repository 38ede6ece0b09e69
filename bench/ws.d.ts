/**
 * The part of the `ws` package (a devDependency, without @types/ws) that the bench uses.
 */
declare module "ws" {
  import type { EventEmitter } from "node:events";
  import type { IncomingMessage, Server } from "node:http";
  import type { Duplex } from "node:stream";

  class WebSocket extends EventEmitter {
    constructor(url: string, options?: { perMessageDeflate?: boolean; handshakeTimeout?: number });
    readonly OPEN: 1;
    readonly readyState: 0 | 1 | 2 | 3;
    send(data: string): void;
    close(code?: number, reason?: string): void;
    terminate(): void;
  }
  export class WebSocketServer extends EventEmitter {
    constructor(options: { noServer?: boolean; server?: Server; perMessageDeflate?: boolean });
    readonly clients: Set<WebSocket>;
    handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, callback: (socket: WebSocket) => void): void;
  }
  export { WebSocket };
  export default WebSocket;
}
