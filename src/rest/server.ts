// The REST listener. Refuses a non-loopback bind without a token.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Core, Startable } from '../core.js';
import { UnavailableError } from '../errors.js';
import { createApp } from './app.js';

export interface RestServerInit {
  host: string;
  port: number;
}

export class RestServer implements Startable {
  private server: Server | undefined;
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
    const server = createServer({ maxHeaderSize: 256 * 1024 }, app);
    // `Expect: 100-continue`: handlers send the 100 only when they start
    // reading a body, so a refused upload is never transmitted.
    server.on('checkContinue', (req, res) => app(req, res));
    // Long-lived SSE streams must not be cut by the default request timeout.
    server.requestTimeout = 0;
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
      server.listen(this.init.port, this.init.host, () => resolve());
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
  }
}
