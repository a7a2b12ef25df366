// Peers behind NAT still share. This part learns whether this peer can be
// dialed (reachability.ts), keeps Listen streams open to dialable neighbors
// when it cannot (listeners.ts), holds such streams for neighbors behind NAT
// (listen-hub.ts), answers their Connect requests, relays when enabled
// (relay.ts), and reaches unreachable peers for the gRPC transports
// (connector.ts). Every remote peer is a stranger: dial-backs go only to the
// caller's own IP, every request is rate-limited, tokens are single use and
// short-lived, prefaces bounded in size and time.
import type { Socket } from 'node:net';
import type { Startable } from '../core.js';
import {
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  TooManyRequestsError,
} from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { plainHost, splitHostPort } from '../net/addresses.js';
import { RateLimiter } from '../overlay/rate-limiter.js';
import type { CallerInfo, Reachability, UncheckedPeer } from '../overlay/types.js';
import { checkFingerprint, checkPeer } from '../overlay/validate.js';
import { Connector } from './connector.js';
import { probe, type ProbeIdentity } from './dial-probe.js';
import { ListenHub, type ListenStream } from './listen-hub.js';
import { Listeners } from './listeners.js';
import { PeerRoutes } from './peer-routes.js';
import { readPreface, TOKEN_BYTES } from './preface.js';
import { ReachabilityCheck } from './reachability.js';
import type { PipePace } from './pipe.js';
import { Relay } from './relay.js';
import type { ConnectAsk, DialBackAnswer, DialOrder, NatOverlay, NatTransport } from './types.js';

/** A port from a request; a local port to bind is never a privileged one (`min` 1024). */
function checkPort(value: unknown, field: string, min = 1): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < min || port > 65535) {
    throw new InvalidArgumentError(`${field} must be from ${min} to 65535`);
  }
  return port;
}

export interface NatComponents {
  overlay: NatOverlay;
  transport: NatTransport;
  events: EventBus;
  logger: Logger;
  metrics: Metrics;
  /** This peer's key and certificate for dial-back handshakes; undefined on a plaintext wire. */
  identity: () => ProbeIdentity | undefined;
  /** Serves PeerService over TLS on a connection this peer opened (a reverse connection). */
  serve: (socket: Socket) => void;
  /** The key expected at an address (a neighbor's), '' when none. */
  keyAt: (address: string) => string;
  /** Relayed bytes wait for the bandwidth limits, as transfers' do. */
  relayPace?: PipePace;
}

export interface NatInit {
  recheckMs: number;
  listeners: number;
  maxListenStreams: number;
  holePunching: boolean;
  relay: { enabled: boolean; maxStreams: number; maxBytesPerStream: number; maxSeconds: number };
}

/** A dial-back's own dial, ms: an address that does not answer this fast is not reachable. */
const PROBE_MS = 3000;
/** Dial-backs under way at once, over all callers. */
const MAX_PROBES = 8;
/** Tokens live this long: the dial they ask for takes a round trip or two, ms. */
const TOKEN_MS = 10_000;
/** A prefaced connection must send its preface within this, ms. */
const PREFACE_MS = 5000;

export class Nat implements Startable {
  readonly routes = new PeerRoutes();
  readonly relay: Relay;
  private readonly hub: ListenHub;
  private readonly reach: ReachabilityCheck;
  private readonly listeners: Listeners;
  private readonly connector: Connector;
  /** Per caller key: a few dial-backs, then one every 5 s. */
  private readonly dialBacks = new RateLimiter({ perSecond: 0.2, burst: 3 });
  /** Per caller key: Connect requests (each makes a peer dial). */
  private readonly connects = new RateLimiter({ perSecond: 10, burst: 20 });
  private probes = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly c: NatComponents,
    init: NatInit,
  ) {
    const { overlay, transport, logger, metrics } = c;
    this.hub = new ListenHub(init.maxListenStreams);
    this.relay = new Relay(
      { logger, metrics, ...(c.relayPace ? { pace: c.relayPace } : {}) },
      { ...init.relay, pairMs: TOKEN_MS },
    );
    this.reach = new ReachabilityCheck(
      { overlay, transport, logger },
      { recheckMs: init.recheckMs, timeoutMs: PROBE_MS + 2000, ask: 2 },
    );
    this.listeners = new Listeners(
      { overlay, transport, logger, serve: c.serve },
      { count: init.listeners, dialTimeoutMs: PROBE_MS },
    );
    this.connector = new Connector(
      {
        overlay,
        transport,
        routes: this.routes,
        hub: this.hub,
        keyAt: c.keyAt,
        reachability: () => this.reach.state,
        logger,
        metrics,
      },
      { answerMs: TOKEN_MS, callTimeoutMs: PROBE_MS, holePunching: init.holePunching },
    );
    this.reach.onChange = (now, before) => {
      this.listeners.sync(now === 'unreachable');
      this.advertise();
      this.c.events.emit('reachability.changed', {
        reachability: now,
        previous: before,
        address: this.reach.address,
        via: this.via,
      });
    };
    this.listeners.onViaChange = () => this.advertise();
  }

  get reachability(): Reachability {
    return this.reach.state;
  }

  /** When unreachable: the neighbors holding this peer's Listen streams. */
  get via(): string[] {
    return this.reach.state === 'unreachable' ? this.listeners.via() : [];
  }

  async start(): Promise<void> {
    await this.connector.start();
    this.reach.start();
    this.unsubscribe = this.c.events.subscribe((e) => {
      if (e.type !== 'peer.joined' && e.type !== 'peer.left' && e.type !== 'peer.failed') return;
      this.reach.poke();
      this.listeners.sync(this.reach.state === 'unreachable');
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.reach.stop();
    this.listeners.stop();
    this.hub.closeAll();
    this.relay.close();
    await this.connector.stop();
  }

  /** Where a gRPC channel to `address` dials (a local proxy for an unreachable peer). */
  target(address: string): string {
    return this.connector.target(address);
  }

  /**
   * The key a peer behind NAT must prove at `address` ('' when it is dialled directly):
   * the one its Listen stream proved, which is who a relay or via peer asks to dial.
   */
  keyAt(address: string): string {
    return this.connector.keyOf(address);
  }

  /** An advert off the wire: remembers how to reach an unreachable peer. */
  learn(raw: UncheckedPeer, firsthand = false): void {
    try {
      this.routes.learn(checkPeer(raw, 'peer'), firsthand);
    } catch {
      // A malformed advert teaches nothing; the overlay refuses it on its own.
    }
  }

  private advertise(): void {
    this.c.overlay.advertiseReach(this.reach.state, this.via);
  }

  // ------------------------------------------------------------ for other peers

  /**
   * Dials the caller back at its observed IP only (never an address it names).
   * `outbound`: the call came on a connection this peer opened (it is behind NAT).
   */
  async handleDialBack(
    port: number,
    caller: CallerInfo,
    outbound = false,
  ): Promise<DialBackAnswer> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new InvalidArgumentError('port must be from 1 to 65535');
    }
    const host = plainHost(caller.host);
    if (!host) throw new InvalidArgumentError('the caller has no IP address to dial back');
    if (outbound) {
      // Opened towards a neighbor's host by a key that is not that neighbor's: a
      // relayed connection, whose IP is the relay's, not the caller's.
      const relay = this.c.overlay
        .links()
        .find((l) => plainHost(splitHostPort(l.address).host) === host);
      if (relay && relay.fingerprint !== caller.fingerprint) {
        throw new ConflictError(
          'DialBack over a relayed connection cannot see your address; ask a neighbor you dialled',
        );
      }
    }
    if (!this.dialBacks.take(caller.fingerprint || host)) {
      throw new TooManyRequestsError('DialBack is limited to one every 5 s per peer');
    }
    if (this.probes >= MAX_PROBES) throw new TooManyRequestsError('too many dial-backs under way');
    this.probes++;
    try {
      return await probe(host, port, caller.fingerprint ?? '', this.c.identity(), PROBE_MS);
    } finally {
      this.probes--;
    }
  }

  /**
   * A neighbor behind NAT listens here. Returns the function that ends it
   * (the call went away). Only a neighbor's proven key may listen, once.
   */
  handleListen(
    raw: UncheckedPeer,
    caller: CallerInfo,
    stream: Omit<ListenStream, 'host' | 'addresses'>,
  ): () => void {
    const key = caller.fingerprint ?? '';
    const link = this.c.overlay.links().find((l) => key !== '' && l.fingerprint === key);
    if (!link) throw new PermissionDeniedError('only a neighbor (by its key) may Listen here');
    const advert = checkPeer(raw, 'peer');
    const addresses = [...new Set([link.address, advert.address])];
    const unregister = this.hub.open(key, { ...stream, host: caller.host, addresses });
    for (const a of addresses) this.routes.set(a, { fingerprint: key, via: [] });
    stream.send({ token: '', host: '', port: 0, localPort: 0 });
    this.c.logger.info({ neighbor: link.id }, `${link.id} (behind NAT) listens here`);
    return () => {
      unregister();
      if (this.hub.get(key)) return; // replaced by a newer stream
      for (const a of addresses) this.routes.forget(a);
    };
  }

  /**
   * Has the listening `target` dial the caller (its observed IP), or with relay this
   * peer, or (punchPort) punch towards the caller; answers the target's IP for the latter.
   */
  handleConnect(raw: Partial<ConnectAsk>, caller: CallerInfo): { host: string } {
    const target = checkFingerprint(raw.target, 'target');
    const token = raw.token ?? '';
    if (!target || !new RegExp(`^[0-9a-f]{${TOKEN_BYTES * 2}}$`).test(token)) {
      throw new InvalidArgumentError(`target must be a fingerprint and token ${TOKEN_BYTES} bytes`);
    }
    if (!this.connects.take(caller.fingerprint || caller.host)) {
      throw new TooManyRequestsError('too many Connect requests; slow down');
    }
    const stream = this.hub.get(target);
    if (!stream) throw new NotFoundError(`peer ${target} does not listen on this peer`);
    let order: DialOrder;
    if (raw.relay) {
      this.relay.open(token, caller.host, stream.host);
      order = { token, host: '', port: 0, localPort: 0 };
    } else {
      const port = checkPort(raw.port, 'port');
      const punch = raw.punchPort ? checkPort(raw.punchPort, 'punch_port', 1024) : 0;
      // Only ever the caller's own IP: nobody can aim a listening peer at a third party.
      order = { token, host: plainHost(caller.host), port, localPort: punch };
    }
    stream.send(order);
    return { host: order.localPort ? plainHost(stream.host) : '' };
  }

  /** A connection on the gRPC port that opened with the preface (server.ts sniffs it). */
  accept(socket: Socket): void {
    readPreface(socket, PREFACE_MS).then(
      ({ kind, token }) => {
        const taken =
          kind === 'relay'
            ? this.relay.attach('requester', token, socket)
            : this.connector.answer(token, socket) || this.relay.attach('listener', token, socket);
        if (!taken) socket.destroy();
      },
      () => socket.destroy(),
    );
  }
}
