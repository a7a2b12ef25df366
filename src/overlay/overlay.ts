// The overlay: this peer's place in the network (membership, failure
// detection, healing), query routing tables and network search. Facades
// call it; it calls other peers only through the OverlayTransport it is given.
import type { Config } from '../config/schema.js';
import type { Startable } from '../core.js';
import { NotImplementedError, UnavailableError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { MAX_HOLDERS } from './holder-table.js';
import { Explorer } from './explorer.js';
import { HostCache, type BootstrapView } from './host-cache.js';
import { Maintenance } from './maintenance.js';
import { Membership } from './membership.js';
import { NeighborTable, toView } from './neighbors.js';
import { NetworkMapper, type NetworkMap } from './network-map.js';
import { Routing, type RoutableIndex, type RoutingStats } from './routing.js';
import { SearchEngine, type SearchableIndex, type SearchStats } from './search.js';
import { SelfAddress, type AddressPlan, type AddressSource } from './self-address.js';
import type {
  CallerInfo,
  Direction,
  JoinAnswer,
  Reachability,
  NeighborView,
  OverlayTransport,
  PeerRecord,
  RoutesAnswer,
  SearchHitMessage,
  SearchOptions,
  SearchRun,
  SearchSummary,
  UncheckedPeer,
  UncheckedSearch,
  PeerKeys,
} from './types.js';
import { checkAddress } from './validate.js';

/** A network map is gathered again after this long, ms. */
const MAP_MAX_AGE_MS = 3000;
/** Peers asked of each neighbor for the map. */
const MAP_REPORTED = 16;

export interface OverlayComponents {
  events: EventBus;
  logger: Logger;
  index: SearchableIndex & RoutableIndex;
  transport: OverlayTransport;
  /** Which key each peer id belongs to (the peer wire). */
  keys: PeerKeys;
}

export interface OverlayInit {
  id: string;
  /** Daemon version, sent to peers (informational). */
  version: string;
  /** Peers refuse each other when these differ. */
  protocolVersion: number;
  /** How to find the address other peers dial; asked for at start, once the gRPC port is bound. */
  address: () => AddressPlan;
  /** Holds hosts.json. */
  dataDir: string;
  bootstrap: readonly string[];
  overlay: Config['overlay'];
  search: Config['search'];
}

export interface OverlayStats extends SearchStats {
  neighbors: number;
  /** Addresses in the host cache. */
  knownHosts: number;
  /** Outbound Join attempts, and the ones that did not end in a neighbor. */
  dials: number;
  dialFailures: number;
  /** Absent when search.routing is 'flood'. */
  routing?: RoutingStats;
}

export class Overlay implements Startable {
  private readonly hosts: HostCache;
  private readonly table: NeighborTable;
  private readonly membership: Membership;
  private readonly maintenance: Maintenance;
  private readonly explorer: Explorer;
  private readonly address: SelfAddress;
  private readonly engine: SearchEngine;
  private readonly routing: Routing | undefined;
  private readonly mapper: NetworkMapper;

  constructor(
    private readonly components: OverlayComponents,
    private readonly init: OverlayInit,
  ) {
    const { events, logger, transport, index } = components;
    const o = init.overlay;
    this.hosts = new HostCache(logger, {
      dataDir: init.dataDir,
      maxEntries: o.hostCacheSize,
      dialBackoffMs: o.dialBackoffMs,
      maxDialBackoffMs: o.maxDialBackoffMs,
    });
    this.table = new NeighborTable(events, logger);
    this.address = new SelfAddress(logger);
    const shared = { transport, hosts: this.hosts, neighbors: this.table, logger };
    this.membership = new Membership(
      { ...shared, address: this.address, keys: components.keys },
      {
        protocolVersion: init.protocolVersion,
        maxPeers: o.maxPeers,
        maxNeighborsPerHost: o.maxNeighborsPerHost,
        joinTimeoutMs: o.joinTimeoutMs,
        leaveTimeoutMs: o.leaveTimeoutMs,
        sendAwayMs: o.maxDialBackoffMs,
      },
    );
    this.maintenance = new Maintenance({ ...shared, membership: this.membership }, o);
    this.explorer = new Explorer({ ...shared, membership: this.membership }, o);
    const s = init.search;
    const core = { index, transport, neighbors: this.table, membership: this.membership, events };
    this.routing =
      s.routing === 'bloom'
        ? new Routing(
            { ...core, logger },
            {
              intervalMs: s.routesIntervalMs,
              timeoutMs: s.routesTimeoutMs,
              // A table entry farther than any query can travel is never consulted.
              maxDistance: Math.min(s.maxTtl, 254),
              // Lists as far as a default query travels: deeper ones cost
              // table size and are routed by the filter instead.
              holderDistance: Math.min(s.defaultTtl, 254),
              maxHolders: MAX_HOLDERS,
              limits: {
                maxEntries: s.maxNeighborHolders,
                // Our own lists and a MANY mark: a neighbor needs no more per key.
                maxPerKey: MAX_HOLDERS + 1,
                maxBytes: s.maxRoutesBytes,
                maxUpdatesPerSec: s.maxRouteUpdatesPerSec,
              },
              checkClaims: s.checkRouteClaims,
              trustHalfLifeMs: s.routeTrustHalfLifeMs,
            },
          )
        : undefined;
    this.engine = new SearchEngine({ ...core, logger, routing: this.routing }, s);
    this.mapper = new NetworkMapper(
      { transport, neighbors: this.table },
      { timeoutMs: o.joinTimeoutMs, maxAgeMs: MAP_MAX_AGE_MS, maxReported: MAP_REPORTED },
    );
  }

  async start(): Promise<void> {
    await this.address.resolve(this.init.address(), this.init.bootstrap);
    const self: PeerRecord = {
      id: this.init.id,
      address: this.address.address,
      protocolVersion: this.init.protocolVersion,
      version: this.init.version,
      fingerprint: this.components.keys.fingerprint,
      reachability: 'unknown',
    };
    await this.hosts.load();
    this.hosts.markOwn(self.address);
    this.hosts.addBootstrap(this.init.bootstrap.filter((a) => a !== self.address));
    this.membership.self = self;
    this.membership.accepting = true;
    this.maintenance.start();
    this.explorer.start();
    this.routing?.start();
  }

  /** Tells every neighbor this peer is leaving (bounded), then closes every connection. */
  async stop(): Promise<void> {
    if (!this.membership.self) return;
    this.maintenance.stop();
    this.explorer.stop();
    this.routing?.stop();
    this.membership.accepting = false;
    await this.membership.leaveAll();
    this.membership.self = undefined;
    await this.hosts.save();
    this.components.transport.close();
  }

  get self(): PeerRecord | undefined {
    return this.membership.self ? { ...this.membership.self } : undefined;
  }

  // ------------------------------------------------------------ for the user

  neighbors(): NeighborView[] {
    return this.table.views();
  }

  /** Where this peer's address came from (configured, the route to a bootstrap peer, observed, ...). */
  get addressSource(): AddressSource {
    return this.address.source;
  }

  /** The configured bootstrap peers and how dialling them goes. */
  bootstrapStatus(): BootstrapView[] {
    return this.hosts.bootstrapViews((address) => !!this.table.byAddress(address));
  }

  get neighborCount(): number {
    return this.table.size;
  }

  /** Neighbors as the NAT part sees them: where this peer calls each, its key, what it advertised. */
  links(): {
    id: string;
    address: string;
    fingerprint: string;
    direction: Direction;
    reachability: Reachability;
  }[] {
    return this.table.all().map((n) => ({
      id: n.peer.id,
      address: n.callAddress,
      fingerprint: n.peer.fingerprint ?? '',
      direction: n.direction,
      reachability: n.peer.reachability ?? 'unknown',
    }));
  }

  /** Puts whether this peer can be dialed (and, if not, through whom) into its adverts. */
  advertiseReach(reachability: Reachability, via: string[]): void {
    const self = this.membership.self;
    if (!self) return;
    self.reachability = reachability;
    if (via.length > 0) self.via = [...via];
    else delete self.via;
  }

  /** The id of the neighbor at `address` (dialled or advertised), if one is there. */
  peerIdAt(address: string): string | undefined {
    return this.table.byAddress(address)?.peer.id;
  }

  /** Neighbors and the peers each reports (GetPeers), for a picture of the network. */
  networkMap(): Promise<NetworkMap> {
    const self = this.self;
    if (!self) throw new UnavailableError('the overlay is not running');
    return this.mapper.map(self);
  }

  /** Joins the peer at `address`; errors say why not (refused, unreachable, itself, ...). */
  async connect(address: string): Promise<NeighborView> {
    return toView(await this.membership.dial(checkAddress(address)));
  }

  /** Drops a neighbor by id, telling it so; NotFoundError when it is not one. */
  disconnect(peerId: string): Promise<void> {
    return this.membership.disconnect(peerId);
  }

  /** Searches the network; throws InvalidArgumentError at once for a bad query, TTL or timeout. */
  search(query: string, options?: SearchOptions): SearchRun {
    return this.engine.search(query, options);
  }

  /**
   * Searches and gathers every hit. A search asked for while this peer has no neighbor
   * yet but is dialling (just started) waits for those dials first, up to the join timeout:
   * `p2pd get name` right after start should find what the network has.
   */
  async collect(query: string, options?: SearchOptions): Promise<SearchSummary> {
    await this.membership.firstDials(this.init.overlay.joinTimeoutMs, options?.signal);
    return this.engine.collect(query, options);
  }

  stats(): OverlayStats {
    return {
      ...this.engine.stats,
      ...this.membership.dialStats,
      neighbors: this.table.size,
      knownHosts: this.hosts.size,
      ...(this.routing ? { routing: { ...this.routing.stats } } : {}),
    };
  }

  // ------------------------------------------------------------ for other peers

  handleJoin(peer: UncheckedPeer, caller?: CallerInfo): JoinAnswer {
    return this.membership.handleJoin(peer, caller);
  }

  handleLeave(peerId: string, caller?: CallerInfo): void {
    this.membership.handleLeave(peerId, caller);
  }

  handlePing(peerId: string, caller?: CallerInfo): PeerRecord {
    return this.membership.handlePing(peerId, caller);
  }

  handleGetPeers(peerId: string, max: number, caller?: CallerInfo): PeerRecord[] {
    return this.membership.handleGetPeers(peerId, max, caller);
  }

  /** Answers GetRoutes; UNIMPLEMENTED when routing is off, so askers flood this peer. */
  handleGetRoutes(haveVersion: number, waitMs = 0, signal?: AbortSignal): Promise<RoutesAnswer> {
    if (!this.routing || !this.membership.self) {
      throw new NotImplementedError('query routing is off on this peer (search.routing: flood)');
    }
    return this.routing.answer(haveVersion, waitMs, signal);
  }

  /** Answers a Search from a neighbor; `deadline` is the caller's (epoch ms, Infinity for none). */
  handleSearch(
    message: UncheckedSearch,
    deadline: number,
    signal: AbortSignal,
    callerHost: string,
  ): AsyncGenerator<SearchHitMessage> {
    return this.engine.serve(message, deadline, signal, callerHost);
  }
}
