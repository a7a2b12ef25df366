// The REST listener, with bounded connections and timeouts so idle or slow clients
// cannot pile up. Refuses a non-loopback bind without a token.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Core, Startable } from '../core.js';
import { UnavailableError } from '../errors.js';
import { ConnectionGuard, LISTEN_BACKLOG } from '../net/connection-guard.js';
import { createApp } from './app.js';

/** A client has this long to send a request's headers, from the first byte it sends, ms. */
const HEADERS_TIMEOUT_MS = 10_000;
/** A connection that moves no byte this long is closed (SSE sends a comment every 15 s), ms. */
const SOCKET_IDLE_MS = 60_000;

export interface RestServerInit {
  host: string;
  port: number;
}

export class RestServer implements Startable {
  private server: Server | undefined;
  private guard: ConnectionGuard | undefined;
  /** The bound port, once started. */
  port = 0;

  constructor(
    private readonly core: Core,
    private readonly init: RestServerInit,
  ) {}

  async start(): Promise<void> {
    const app = createApp(this.core);
    // Long enough that a too-long search query reaches validation and gets a
    // 400 problem instead of Node's bare 431.
    const server = createServer(
      {
        maxHeaderSize: 256 * 1024,
        headersTimeout: HEADERS_TIMEOUT_MS,
        // Uploads may take long; a stalled one is caught by the socket idle timeout.
        requestTimeout: 0,
        connectionsCheckingInterval: 1000,
      },
      app,
    );
    const { rest } = this.core.config;
    const closed = this.core.metrics.connectionsClosed;
    const guard = new ConnectionGuard(
      {
        maxPerAddress: rest.maxConnectionsPerIp,
        maxTotal: rest.maxConnections,
        firstBytesMs: HEADERS_TIMEOUT_MS,
        activity: 'requests',
      },
      (reason) => closed.inc({ listener: 'rest', reason }),
    );
    this.guard = guard;
    server.on('connection', (socket) => guard.admit(socket));
    const track = (req: IncomingMessage, res: ServerResponse): void => {
      guard.busy(req.socket);
      res.once('close', () => guard.idle(req.socket));
    };
    server.on('request', track);
    server.timeout = SOCKET_IDLE_MS;
    // `Expect: 100-continue`: handlers send the 100 only when they start
    // reading a body, so a refused upload is never transmitted.
    server.on('checkContinue', (req, res) => {
      track(req, res);
      app(req, res);
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new UnavailableError(
            `cannot listen for REST on ${this.init.host}:${this.init.port}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}`,
            { cause: err },
          ),
        ),
      );
      server.listen({ port: this.init.port, host: this.init.host, backlog: LISTEN_BACKLOG }, () =>
        resolve(),
      );
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Streams (SSE, downloads) would hold close() forever.
    const force = setTimeout(() => server.closeAllConnections(), 300);
    await closed;
    clearTimeout(force);
    this.guard?.close();
  }
}
