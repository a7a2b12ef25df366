// The composition root: builds every component from the config, starts them
// in dependency order, stops them in reverse. A failed start stops what started.
import { join } from 'node:path';
import type { Config } from './config/schema.js';
import type { Core, NodeStatus, Startable } from './core.js';
import { EventBus } from './events/bus.js';
import type { NatsPublisher } from './events/nats-publisher.js';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { GrpcPeerTransport } from './grpc/peer-transport.js';
import { PeerWire } from './identity/peer-wire.js';
import { GrpcNatTransport } from './grpc/nat-transport.js';
import { Nat } from './nat/nat.js';
import { PROTOCOL_VERSION } from './grpc/proto.js';
import { GrpcServer } from './grpc/server.js';
import { GrpcTransferTransport } from './grpc/transfer-transport.js';
import { peerKey } from './transfer/serving/peer-key.js';
import { FileIndex } from './index/file-index.js';
import { createLogger, type Logger, type RootLogger } from './logger.js';
import { Metrics } from './metrics.js';
import { countDomainMetrics } from './domain-metrics.js';
import { isUnspecifiedHost, joinHostPort } from './net/addresses.js';
import { Overlay } from './overlay/overlay.js';
import type { AddressPlan, AddressSource } from './overlay/self-address.js';
import { RestServer } from './rest/server.js';
import {
  overlayPeerNamer,
  overlayPeerResolver,
  overlaySources,
} from './transfer/overlay-sources.js';
import { TransferManager } from './transfer/transfer-manager.js';
import { readVersion } from './version.js';
import { sweepStaleFiles } from './stale-files.js';
import { releaseYoungGeneration } from './young-generation.js';

export interface DaemonOptions {
  /** Print the log to stdout as well as the file (default true). */
  console?: boolean;
  /** Pause between attempts to write a log file that failed, ms (default 1000). */
  logRetryMs?: number;
}

export class Daemon {
  readonly core: Core;
  readonly index: FileIndex;
  readonly grpc: GrpcServer;
  readonly rest: RestServer;
  readonly overlay: Overlay;
  readonly transfers: TransferManager;
  readonly events: EventBus;
  /** This peer's key, the peers' pinned keys, TLS between peers. */
  readonly wire: PeerWire;
  /** Reachability, reverse connections and relays: peers behind NAT still share. */
  readonly nat: Nat;
  /**
   * Built by start() when nats.url is configured: the NATS client is loaded only then,
   * so a peer without NATS does not carry it.
   */
  nats: NatsPublisher | undefined;
  readonly logger: Logger;
  private readonly log: RootLogger;
  private readonly version = readVersion();
  private readonly startedAt = Date.now();
  private started: { name: string; part: Startable }[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    readonly config: Config,
    options: DaemonOptions = {},
  ) {
    const metrics = new Metrics();
    this.log = createLogger(
      { metrics },
      {
        file: config.log.file,
        level: config.log.level,
        maxBytes: config.log.maxBytes,
        maxFiles: config.log.maxFiles,
        console: options.console ?? true,
        peerId: config.id,
        retryMs: options.logRetryMs,
      },
    );
    const logger = this.log.logger;
    this.logger = logger;
    // Held until start() succeeds, so `daemon.started` is the first event anyone sees.
    this.events = new EventBus({
      peerId: config.id,
      held: true,
      onListenerError: (err, event) =>
        logger.error({ err, event: event.type }, 'an event subscriber failed'),
    });
    this.index = new FileIndex(
      { events: this.events, metrics, logger: logger.child({ component: 'index' }) },
      {
        sharedDir: config.sharedDir,
        dataDir: config.dataDir,
        chunkSize: config.index.chunkSize,
        watch: config.index.watch,
        rescanIntervalMs: config.index.rescanIntervalMs,
      },
    );
    if (config.nats.url === undefined) metrics.natsState.set({ state: 'disabled' }, 1);
    this.wire = new PeerWire(logger.child({ component: 'wire' }), {
      dataDir: config.dataDir,
      secret: config.network.secret,
      plaintext: config.grpc.plaintextPeers,
      onKeyConflict: () => metrics.peerKeyConflicts.inc(),
    });
    const credentials = (address: string): ChannelCredentials =>
      this.wire.credentials(address, this.nat.keyAt(address));
    // Channels to a peer behind NAT dial the NAT part's local proxy for it.
    const target = (address: string): string => this.nat.target(address);
    const peerTransport = new GrpcPeerTransport(credentials, {
      target,
      learn: (peer, firsthand) => this.nat.learn(peer, firsthand),
    });
    this.overlay = new Overlay(
      {
        events: this.events,
        logger: logger.child({ component: 'overlay' }),
        index: this.index,
        transport: peerTransport,
        keys: this.wire,
      },
      {
        id: config.id,
        version: this.version,
        protocolVersion: PROTOCOL_VERSION,
        address: () => this.addressPlan(),
        dataDir: config.dataDir,
        bootstrap: config.bootstrap,
        overlay: config.overlay,
        search: config.search,
      },
    );
    this.transfers = new TransferManager(
      {
        index: this.index,
        events: this.events,
        logger: logger.child({ component: 'transfer' }),
        transport: new GrpcTransferTransport(
          credentials,
          (address) => this.wire.dial(address, target(address), this.nat.keyAt(address)),
          target,
        ),
        findSources: overlaySources(this.overlay),
        resolvePeer: overlayPeerResolver(this.overlay),
        peerIdAt: overlayPeerNamer(this.overlay),
        onBytes: (direction, bytes) => metrics.transferBytes.inc({ direction }, bytes),
        onThrottled: (direction, ms) => metrics.bandwidthThrottled.inc({ direction }, ms / 1000),
      },
      {
        ...config.transfer,
        self: () => ({ id: config.id, address: this.grpcAddress }),
        sharedDir: config.sharedDir,
        dataDir: config.dataDir,
        chunkSize: config.index.chunkSize,
        upload: config.upload,
        limits: config.limits,
      },
    );
    this.nat = new Nat(
      {
        overlay: this.overlay,
        transport: new GrpcNatTransport(peerTransport.pool),
        events: this.events,
        logger: logger.child({ component: 'nat' }),
        metrics,
        identity: () => (config.grpc.plaintextPeers ? undefined : this.wire.identity),
        serve: (socket) => this.grpc.serveOutbound(socket),
        keyAt: (address) => this.wire.expectedAt(address),
        // Down from the peer the bytes come from, up to the one they go to.
        relayPace: (from, to, bytes) => {
          const { bandwidth } = this.transfers;
          const down = bandwidth.take('down', peerKey({ host: from.remoteAddress ?? '' }), bytes);
          const up = bandwidth.take('up', peerKey({ host: to.remoteAddress ?? '' }), bytes);
          return down && up ? Promise.all([down, up]).then(() => undefined) : (down ?? up);
        },
      },
      { ...config.nat, relay: config.relay },
    );
    countDomainMetrics({
      events: this.events,
      overlay: this.overlay,
      transfers: this.transfers,
      metrics,
    });
    this.core = {
      config,
      logger,
      events: this.events,
      metrics,
      index: this.index,
      overlay: this.overlay,
      transfers: this.transfers,
      wire: this.wire,
      nat: this.nat,
      status: () => this.status(),
    };
    this.grpc = new GrpcServer(this.core, {
      host: config.grpc.host,
      port: config.grpc.port,
      wire: this.wire,
    });
    this.rest = new RestServer(this.core, { host: config.rest.host, port: config.rest.port });
  }

  /** The advertised peer address (valid once started; learned when bound to a wildcard). */
  get grpcAddress(): string {
    const learned = this.overlay.self?.address;
    if (learned) return learned;
    const plan = this.addressPlan();
    return plan.kind === 'fixed' ? plan.address : joinHostPort('127.0.0.1', plan.port);
  }

  /** Configured, bound to one host, or (a wildcard bind, no advertise) left to the overlay to learn. */
  private addressPlan(): AddressPlan {
    const { advertise, host } = this.config.grpc;
    if (advertise) return { kind: 'fixed', address: advertise, source: 'advertise' };
    if (isUnspecifiedHost(host)) return { kind: 'learned', port: this.grpc.port };
    return { kind: 'fixed', address: joinHostPort(host, this.grpc.port), source: 'bind' };
  }

  get restAddress(): string {
    return `${this.config.rest.host}:${this.rest.port}`;
  }

  async start(): Promise<void> {
    try {
      // Before any part writes: what a killed run left and nothing will resume.
      await sweepStaleFiles(
        { logger: this.logger, metrics: this.core.metrics },
        {
          dataDir: this.config.dataDir,
          sharedDir: this.config.sharedDir,
          downloadDir: this.config.transfer.downloadDir,
        },
      );
      if (this.config.nats.url !== undefined) {
        this.nats ??= await createNatsPublisher(
          this.config,
          this.events,
          this.core.metrics,
          this.logger,
        );
      }
      // The publisher goes first (it never waits for NATS) so the initial scan's file
      // events reach it, and is stopped last so it can flush `daemon.stopping`.
      const parts: [string, Startable][] = [
        ...(this.nats ? [['nats', this.nats] as [string, Startable]] : []),
        ['index', this.index],
        // The key before anything talks to peers.
        ['wire', this.wire],
        ['grpc', this.grpc],
        // Before the overlay (its first neighbors are checked at once) and stopped after
        // it: Leave reaches a neighbor behind NAT through the reverse path.
        ['nat', this.nat],
        // After gRPC (its address is advertised), stopped before it (so Leave goes out).
        ['overlay', this.overlay],
        // Resumed fetches may search the network; stopped first, keeping partial state.
        ['transfers', this.transfers],
        ['rest', this.rest],
      ];
      for (const [name, part] of parts) {
        await part.start();
        // A signal during start: stop() stopped what had started; this part too, and no more.
        if (this.stopping) return await part.stop();
        this.started.push({ name, part });
      }
    } catch (err) {
      // The CLI prints the message; the log file keeps it for whoever reads it later.
      this.logger.error({ err }, 'start failed');
      await this.stopStarted();
      await this.log.close();
      throw err;
    }
    this.logger.info(
      {
        grpc: this.grpcAddress,
        rest: this.restAddress,
        sharedDir: this.config.sharedDir,
        bootstrap: this.config.bootstrap,
        files: this.index.stats().files,
        indexing: this.index.stats().indexing,
      },
      `p2pd ${this.version} peer ${this.config.id} started: gRPC ${this.grpcAddress}, REST http://${this.restAddress}`,
    );
    // Startup is over: from now on load, not loading, decides how large it grows.
    releaseYoungGeneration();
    this.events.open('daemon.started', {
      version: this.version,
      grpcAddress: this.grpcAddress,
      restAddress: this.restAddress,
    });
  }

  /** Stops everything once; later calls wait for the first. */
  stop(reason = 'shutdown'): Promise<void> {
    this.stopping ??= (async () => {
      this.events.emit('daemon.stopping', { reason });
      this.logger.info({ reason }, 'stopping');
      await this.stopStarted();
      this.logger.info('stopped');
      await this.log.close();
    })();
    return this.stopping;
  }

  status(): NodeStatus {
    const stats = this.index.stats();
    return {
      id: this.config.id,
      version: this.version,
      grpcAddress: this.grpcAddress,
      restAddress: this.restAddress,
      uptimeMs: Date.now() - this.startedAt,
      peers: this.overlay.neighborCount,
      files: stats.files,
      bytesShared: stats.bytes,
      sharedDir: this.config.sharedDir,
      indexing: stats.indexing,
      natsState: this.nats?.state ?? 'disabled',
      log: this.log.status(),
      bootstrap: this.overlay.bootstrapStatus(),
      addressSource: this.overlay.self ? this.overlay.addressSource : this.addressPlanSource(),
      fingerprint: this.wire.fingerprint,
      network: this.wire.network,
      limits: this.transfers.bandwidth.view(),
      reachability: this.nat.reachability,
      via: this.nat.via,
    };
  }

  private addressPlanSource(): AddressSource {
    const plan = this.addressPlan();
    return plan.kind === 'fixed' ? plan.source : 'loopback';
  }

  private async stopStarted(): Promise<void> {
    for (const { name, part } of this.started.reverse()) {
      try {
        await part.stop();
      } catch (err) {
        this.logger.warn({ err, component: name }, 'stop failed');
      }
    }
    this.started = [];
  }
}

async function createNatsPublisher(
  config: Config,
  events: EventBus,
  metrics: Metrics,
  logger: Logger,
): Promise<NatsPublisher> {
  const { NatsPublisher } = await import('./events/nats-publisher.js');
  const nats = config.nats;
  const url = nats.url!;
  return new NatsPublisher(
    { events, metrics, logger: logger.child({ component: 'nats' }) },
    {
      peerId: config.id,
      servers: typeof url === 'string' ? [url] : url,
      token: nats.token,
      user: nats.user,
      pass: nats.pass,
      credsFile: nats.credsFile,
      tls: nats.tls,
      name: `p2pd-${config.id}`,
      reconnectWaitMs: nats.reconnectWaitMs,
      jetstream: nats.jetstream,
      stream: nats.stream,
      outboxFile: join(config.dataDir, 'nats-outbox.jsonl'),
      outboxMaxEvents: nats.outbox.maxEvents,
      outboxMaxBytes: nats.outbox.maxBytes,
      ackTimeoutMs: nats.ackTimeoutMs,
      drainTimeoutMs: nats.drainTimeoutMs,
    },
  );
}
