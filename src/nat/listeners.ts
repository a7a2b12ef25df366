// The unreachable peer's side: Listen streams held open to a few dialable
// neighbors (its `via`), and the connections it opens when one of them asks:
// a TCP connection out (which NAT lets through), the preface with the token,
// then this peer serves PeerService on it over TLS as if it had been dialed.
// What a neighbor can make this peer do is bounded: dials per second, dials
// at once, a deadline on each.
import { connect, type Socket } from 'node:net';
import type { Logger } from '../logger.js';
import { splitHostPort } from '../net/addresses.js';
import { RateLimiter } from '../overlay/rate-limiter.js';
import { encodePreface } from './preface.js';
import { punchConnect } from './punch.js';
import type { DialOrder, NatOverlay, NatTransport, NeighborLink } from './types.js';

export interface ListenersInit {
  /** Neighbors to listen on. */
  count: number;
  /** Deadline of one dial out, ms. */
  dialTimeoutMs: number;
}

/** Dials out at once, at most; more orders wait for none and are dropped. */
const MAX_DIALING = 8;
/** Pause before a Listen stream that ended is opened again, ms. */
const RETRY_MS = 1000;

interface Held {
  link: NeighborLink;
  abort: AbortController;
  accepted: boolean;
}

export class Listeners {
  private readonly held = new Map<string, Held>();
  private readonly orders = new RateLimiter({ perSecond: 20, burst: 40 }, 64);
  private dialing = 0;
  private wanted = false;
  /** Told when the set of accepted streams (the via list) changes. */
  onViaChange: () => void = () => undefined;

  constructor(
    private readonly c: {
      overlay: NatOverlay;
      transport: NatTransport;
      logger: Logger;
      /** Serves PeerService over TLS on a connection this peer opened. */
      serve: (socket: Socket) => void;
    },
    private readonly init: ListenersInit,
  ) {}

  /** The neighbors whose Listen streams are open: how others reach this peer. */
  via(): string[] {
    return [...this.held.values()].filter((h) => h.accepted).map((h) => h.link.address);
  }

  /** Listens (unreachable) or stops (reachable, unknown); keeps the set in step with neighbors. */
  sync(wanted: boolean): void {
    this.wanted = wanted;
    const links = this.c.overlay.links();
    const present = new Set(links.map((l) => l.address));
    for (const [address, h] of this.held) {
      if (!wanted || !present.has(address)) this.drop(address, h);
    }
    if (!wanted) return;
    // Neighbors that are not themselves behind NAT: we dialed them, or they say so.
    const candidates = links
      .filter((l) => l.reachability !== 'unreachable' && !this.held.has(l.address))
      .sort((a, b) => rank(a) - rank(b));
    for (const link of candidates) {
      if (this.held.size >= this.init.count) break;
      this.hold(link);
    }
  }

  stop(): void {
    this.wanted = false;
    for (const [address, h] of this.held) this.drop(address, h);
  }

  private drop(address: string, h: Held): void {
    this.held.delete(address);
    h.abort.abort();
    if (h.accepted) this.onViaChange();
  }

  private hold(link: NeighborLink): void {
    const self = this.c.overlay.self;
    if (!self) return;
    const h: Held = { link, abort: new AbortController(), accepted: false };
    this.held.set(link.address, h);
    this.c.transport
      .listen(
        link.address,
        self,
        {
          onAccepted: () => {
            h.accepted = true;
            this.c.logger.info({ neighbor: link.id }, `listening on ${link.id} for connections`);
            this.onViaChange();
          },
          onOrder: (order) => this.dial(link, order),
        },
        h.abort.signal,
      )
      .catch((err: Error) =>
        this.c.logger.debug({ neighbor: link.id, err: err.message }, 'Listen stream failed'),
      )
      .finally(() => {
        if (this.held.get(link.address) !== h) return;
        this.held.delete(link.address);
        if (h.accepted) this.onViaChange();
        // Another neighbor, or this one again a little later.
        const retry = setTimeout(() => this.sync(this.wanted), RETRY_MS);
        retry.unref();
      });
  }

  private dial(link: NeighborLink, order: DialOrder): void {
    if (!this.orders.take('all') || this.dialing >= MAX_DIALING) {
      this.c.logger.debug({ neighbor: link.id }, 'dial order dropped (rate)');
      return;
    }
    const at = splitHostPort(link.address);
    const host = order.host || at.host;
    const port = order.port || at.port;
    this.dialing++;
    // Never a privileged local port, whatever a neighbor asks.
    if (order.localPort) {
      if (order.localPort >= 1024) return this.punch(host, port, order);
      this.dialing--;
      return;
    }
    const socket = connect({ host, port, noDelay: true });
    const timer = setTimeout(
      () => socket.destroy(new Error(`no connection within ${this.init.dialTimeoutMs} ms`)),
      this.init.dialTimeoutMs,
    );
    const done = (): void => {
      clearTimeout(timer);
      this.dialing--;
    };
    socket.once('error', (err) => {
      done();
      this.c.logger.debug({ host, port, err: err.message }, 'dial order failed');
    });
    socket.once('connect', () => {
      done();
      socket.removeAllListeners('error');
      // TLS reports what matters; a reset must not become an unhandled error.
      socket.on('error', () => socket.destroy());
      socket.write(encodePreface('answer', order.token));
      this.c.serve(socket);
    });
  }

  /** Hole punching: connect from the agreed port until the asker's SYN meets ours. */
  private punch(host: string, port: number, order: DialOrder): void {
    punchConnect(host, port, order.localPort, this.init.dialTimeoutMs).then(
      (socket) => {
        this.dialing--;
        socket.write(encodePreface('answer', order.token));
        this.c.serve(socket);
      },
      (err: Error) => {
        this.dialing--;
        this.c.logger.debug({ host, port, err: err.message }, 'hole punching failed');
      },
    );
  }
}

function rank(l: NeighborLink): number {
  return l.reachability === 'reachable' ? 0 : l.direction === 'outbound' ? 1 : 2;
}
