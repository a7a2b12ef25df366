// The asking side of a connection to an unreachable peer. grpc-js dials an
// address and cannot be handed a socket, so each such peer gets a unix socket
// in a private folder; a channel to it dials there, and each connection made
// there is joined to a TCP connection to the peer obtained another way:
// - this peer holds the target's Listen stream: it asks it to dial here;
// - this peer is dialable: a neighbor of the target (its `via`) asks it to
//   dial here (Connect), and it comes with our token;
// - else: through a relay (Connect with relay, then our own leg to it).
// TLS then runs over the joined connection as over any other, the target
// proving its key: the paths change how bytes travel, never who is trusted.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TimeoutError, TooManyRequestsError, UnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { splitHostPort } from '../net/addresses.js';
import type { Reachability } from '../overlay/types.js';
import type { ListenHub } from './listen-hub.js';
import type { PeerRoutes, ReverseRoute } from './peer-routes.js';
import { pipeSockets } from './pipe.js';
import { encodePreface, readPreface, TOKEN_BYTES } from './preface.js';
import { punchConnect, punchPorts } from './punch.js';
import { TokenTable } from './tokens.js';
import type { NatOverlay, NatTransport } from './types.js';

export interface ConnectorInit {
  /** How long an asked-for connection may take to arrive, ms. */
  answerMs: number;
  /** Deadline of a Connect call (and of a hole punching attempt), ms. */
  callTimeoutMs: number;
  /** Try a simultaneous open through both NATs before a relay. */
  holePunching: boolean;
}

/** Proxies (unreachable peers talked to) kept; the least recently used beyond are closed. */
const MAX_PROXIES = 128;
/** Connections asked for and not yet arrived, at most. */
const MAX_PENDING = 256;

type Waiter = (socket: Socket | undefined) => void;

/** Proxy folders are named for their daemon's pid, so a killed daemon's can be found. */
const DIR_PREFIX = 'p2pd-peers-';

/** Removes the proxy folders of daemons that died without stopping (kill -9). */
async function sweepDeadDirs(): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(/^p2pd-peers-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    await rm(join(tmpdir(), name), { recursive: true, force: true }).catch(() => undefined);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Connector {
  private dir = '';
  private readonly proxies = new Map<string, { server: Server; path: string }>();
  private readonly pending: TokenTable<Waiter>;
  private seq = 0;

  constructor(
    private readonly c: {
      overlay: NatOverlay;
      transport: NatTransport;
      routes: PeerRoutes;
      hub: ListenHub;
      /** The key expected at an address (a neighbor's), '' when none. */
      keyAt: (address: string) => string;
      reachability: () => Reachability;
      logger: Logger;
      metrics: Metrics;
    },
    private readonly init: ConnectorInit,
  ) {
    this.pending = new TokenTable<Waiter>(init.answerMs, MAX_PENDING, (w) => w(undefined));
  }

  async start(): Promise<void> {
    await sweepDeadDirs();
    // Private to this user: whoever connects to a proxy makes this peer ask for connections.
    this.dir = await mkdtemp(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  }

  async stop(): Promise<void> {
    for (const p of this.proxies.values()) p.server.close();
    this.proxies.clear();
    this.pending.clear();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = '';
  }

  /** Where a channel to `address` dials: the address, or the proxy of an unreachable peer. */
  target(address: string): string {
    const route = this.route(address);
    if (!route || !this.dir) return address;
    let proxy = this.proxies.get(address);
    if (proxy) {
      this.proxies.delete(address);
      this.proxies.set(address, proxy);
      return `unix:${proxy.path}`;
    }
    const path = join(this.dir, `${++this.seq}.sock`);
    const server = createServer((local) => this.serveLocal(address, local));
    server.on('error', (err) =>
      this.c.logger.warn({ address, err: err.message }, 'peer proxy failed'),
    );
    server.listen(path);
    proxy = { server, path };
    this.proxies.set(address, proxy);
    if (this.proxies.size > MAX_PROXIES) {
      const [oldest, old] = this.proxies.entries().next().value!;
      old.server.close();
      this.proxies.delete(oldest);
    }
    return `unix:${path}`;
  }

  /** The key of the unreachable peer at `address` ('' when it is dialled directly). */
  keyOf(address: string): string {
    return this.route(address)?.fingerprint ?? '';
  }

  private route(address: string): ReverseRoute | undefined {
    const byAddress = this.c.routes.get(address);
    if (byAddress) return byAddress;
    const key = this.c.keyAt(address);
    return this.c.hub.get(key) ? { fingerprint: key, via: [] } : this.c.routes.ofKey(key);
  }

  /** A connection with the `answer` preface: the one a waiter here asked for? */
  answer(token: string, socket: Socket): boolean {
    const waiter = this.pending.take(token);
    if (!waiter) return false;
    waiter(socket);
    return true;
  }

  private serveLocal(address: string, local: Socket): void {
    local.pause();
    local.on('error', () => local.destroy());
    const route = this.route(address);
    if (!route) return void local.destroy();
    this.open(address, route).then(
      (remote) => void pipeSockets(local, remote, { maxBytes: Infinity, maxMs: Infinity }),
      (err: Error) => {
        this.c.logger.debug({ address, err: err.message }, 'no connection to an unreachable peer');
        local.destroy();
      },
    );
  }

  /** A TCP connection on which the peer of `route` will be the TLS server. */
  private async open(address: string, route: ReverseRoute): Promise<Socket> {
    const count = (how: string, outcome: string): void =>
      this.c.metrics.reverseConnections.inc({ how, outcome });
    const held = this.c.hub.get(route.fingerprint);
    if (held) {
      const socket = await this.awaitAnswer((token) =>
        held.send({ token, host: '', port: 0, localPort: 0 }),
      );
      count('reverse', 'ok');
      return socket;
    }
    const self = this.c.overlay.self;
    const port = self ? splitHostPort(self.address).port : 0;
    const errors: string[] = [];
    for (const via of route.via.filter((v) => v !== self?.address)) {
      // In order: the peer dials us (when we are dialable), both dial at once, a relay.
      const ways: [how: string, usable: boolean, open: () => Promise<Socket>][] = [
        [
          'reverse',
          this.c.reachability() === 'reachable',
          () =>
            this.awaitAnswer(async (token) => {
              await this.c.transport.connect(
                via,
                { target: route.fingerprint, token, port, relay: false, punchPort: 0 },
                { timeoutMs: this.init.callTimeoutMs },
              );
            }),
        ],
        ['punch', this.init.holePunching, () => this.punched(via, route.fingerprint)],
        ['relay', true, () => this.relayed(via, route.fingerprint)],
      ];
      for (const [how, usable, open] of ways) {
        if (!usable) continue;
        try {
          const socket = await open();
          count(how, 'ok');
          return socket;
        } catch (err) {
          count(how, 'failed');
          errors.push(`${how} via ${via}: ${(err as Error).message}`);
        }
      }
    }
    // Last, the address itself: the route may be stale (the peer is dialable now).
    try {
      return await this.dial(address, undefined);
    } catch (err) {
      errors.push(`direct: ${(err as Error).message}`);
    }
    throw new UnavailableError(
      `peer ${route.fingerprint} cannot be dialed and no way to it worked (${errors.join('; ')})`,
    );
  }

  /** Asks (through `send`) for a connection carrying a fresh token, and waits for it. */
  private awaitAnswer(send: (token: string) => Promise<void> | void): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const token = this.pending.issue((socket) =>
        socket
          ? resolve(socket)
          : reject(new TimeoutError(`the peer did not dial in within ${this.init.answerMs} ms`)),
      );
      if (!token) return reject(new TooManyRequestsError('too many connections asked for'));
      Promise.resolve()
        .then(() => send(token))
        .catch((err: Error) => {
          this.pending.take(token);
          reject(err);
        });
    });
  }

  /**
   * A connection made by hole punching: `via` tells the target to connect from its
   * punch port to ours while we connect from ours to its; the target then sends the
   * `answer` preface with our token, as on any reverse connection.
   */
  private async punched(via: string, target: string): Promise<Socket> {
    const token = randomBytes(TOKEN_BYTES).toString('hex');
    const ports = punchPorts(token);
    const { host } = await this.c.transport.connect(
      via,
      { target, token, port: ports.asker, relay: false, punchPort: ports.target },
      { timeoutMs: this.init.callTimeoutMs },
    );
    if (!host) throw new UnavailableError(`${via} named no address to punch towards`);
    const socket = await punchConnect(host, ports.target, ports.asker, this.init.callTimeoutMs);
    try {
      const preface = await readPreface(socket, this.init.callTimeoutMs);
      if (preface.kind !== 'answer' || preface.token !== token) throw new Error('wrong preface');
      return socket;
    } catch (err) {
      socket.destroy();
      throw err;
    }
  }

  /** Our leg to a relay, which pipes it to the target's once the target dials it. */
  private async relayed(via: string, target: string): Promise<Socket> {
    const token = randomBytes(TOKEN_BYTES).toString('hex');
    await this.c.transport.connect(
      via,
      { target, token, port: 0, relay: true, punchPort: 0 },
      { timeoutMs: this.init.callTimeoutMs },
    );
    return this.dial(via, encodePreface('relay', token));
  }

  /** A TCP connection to `address` (bounded in time), opened with `preface` if given. */
  private dial(address: string, preface: Buffer | undefined): Promise<Socket> {
    const { host, port } = splitHostPort(address);
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const timer = setTimeout(
        () => socket.destroy(new Error(`no connection within ${this.init.callTimeoutMs} ms`)),
        this.init.callTimeoutMs,
      );
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.on('error', () => socket.destroy());
        if (preface) socket.write(preface);
        resolve(socket);
      });
    });
  }
}
