// Query routing state: this peer's attenuated keyword table (route-table.ts)
// and holder lists (holder-table.ts), and the last tables of each neighbor,
// kept by long polls (routes-puller.ts). A poll names the version already
// held: a recent one gets a delta (routes-delta.ts). The tables are rebuilt
// (and the version bumped) when this peer's files or a neighbor's tables
// changed, at most once per intervalMs, and waiting polls are answered at
// once. A neighbor whose table is unknown (not fetched yet, an older peer
// without GetRoutes, other filter parameters) or stale gets every query, as
// flooding, and so does one whose answer says its own tables are
// incomplete: a new neighbor of its own is not merged yet, so a query for
// that neighbor's files would be ruled out there (one hop deep: farther
// changes travel a rebuild per hop). Holder claims are checked against the
// hits they bring (route-trust.ts) unless checkClaims is off.
import { deflateSync } from 'node:zlib';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { HASHES, MAX_PREFIX, POSITIONS, nameKeys, termKey } from './bloom.js';
import {
  emptyHolders,
  encodeHolders,
  holderId,
  keyHash,
  mergeHolders,
  ownHolders,
  sameHolders,
} from './holder-table.js';
import type { Membership } from './membership.js';
import type { NeighborTable } from './neighbors.js';
import { emptyTable, keysTable, mergeTables, sameTable } from './route-table.js';
import { planRoute, type NeighborRoutes, type RouteQuery, type RouteState } from './route-plan.js';
import { makeDelta, type RoutesDelta, type RoutesVersion } from './routes-delta.js';
import { RoutesPuller, WAIT_MS, type Held, type RoutesLimits } from './routes-puller.js';
import { RouteTrust } from './route-trust.js';
import type { OverlayTransport, RoutesAnswer } from './types.js';

export interface RoutableIndex {
  contents(): Iterable<{ sha256: string; names: ReadonlySet<string> }>;
}

export interface RoutingComponents {
  index: RoutableIndex;
  transport: OverlayTransport;
  neighbors: NeighborTable;
  membership: Membership;
  events: EventBus;
  logger: Logger;
}

export interface RoutingInit {
  /** Tables are rebuilt at most this often, ms; a failed poll is retried after it. */
  intervalMs: number;
  /** Deadline of one GetRoutes call beyond the time it waits for a change, ms. */
  timeoutMs: number;
  /** Distances beyond this are dropped (the largest TTL worth routing). */
  maxDistance: number;
  /** Holder lists reach this far; a query with more hops left is routed by the filter. */
  holderDistance: number;
  /** Holders listed per key before the key counts as common. */
  maxHolders: number;
  /** What one neighbor's tables may cost: entries, bytes, updates per second. */
  limits: RoutesLimits;
  /**
   * Check neighbors' holder claims against the hits targeted queries bring:
   * a second path beside unconfirmed ones, distrusted ones' claims ignored.
   */
  checkClaims: boolean;
  /** Half-life of the hit/miss counts behind a neighbor's standing, ms. */
  trustHalfLifeMs: number;
}

export interface RoutingStats {
  version: number;
  /** Epoch ms this peer's table last changed. */
  changedAtMs: number;
  /** Neighbors whose tables route queries: known, merged into ours, complete and fresh. */
  knownNeighbors: number;
  /** New neighbors whose first tables are not merged yet (answers say `incomplete` meanwhile). */
  pendingNeighbors: number;
  /** Table bytes received and sent in GetRoutes answers (as sent: deflated or delta). */
  bytesIn: number;
  bytesOut: number;
  pulls: number;
  /** Neighbor answers whose holder lists were refused for passing the limits. */
  refusedTables: number;
  /** Neighbors whose holder claims recent hits confirmed, and those whose claims are ignored. */
  confirmedNeighbors: number;
  distrustedNeighbors: number;
}

/** Earlier versions kept to answer with a delta (a neighbor is rarely more behind). */
const HISTORY = 4;
const EMPTY: Buffer = Buffer.alloc(0);
/** Polls held at once; beyond it (a peer opening poll after poll) answers come at once. */
const MAX_WAITERS = 1024;

export class Routing {
  private timer: NodeJS.Timeout | undefined;
  private rebuildTimer: NodeJS.Timeout | undefined;
  private lastRebuildMs = 0;
  /** How long the last rebuild took, ms. */
  private rebuildCostMs = 0;
  private off: (() => void) | undefined;
  private ownDirty = true;
  private own = emptyTable();
  private table = emptyTable();
  private ownHeld = emptyHolders();
  private holders = emptyHolders();
  /** The whole tables in wire form, made on the first full answer of a version. */
  private wire: { table: Buffer; holders: Buffer } | undefined;
  private self = 0;
  private history: RoutesVersion[] = [];
  private readonly deltas = new Map<number, RoutesDelta>();
  /** Polls waiting for the next version. */
  private readonly waiters = new Set<() => void>();
  private readonly puller: RoutesPuller;
  private readonly trust: RouteTrust;
  private readonly counters = { version: Date.now(), changedAtMs: Date.now(), bytesOut: 0 };
  /** Whether the current version is incomplete (a new neighbor not merged): a change makes a new one. */
  private incomplete = false;

  constructor(
    private readonly c: RoutingComponents,
    private readonly init: RoutingInit,
  ) {
    // The version is epoch-based, so a restarted peer never repeats one a neighbor holds.
    this.puller = new RoutesPuller(c, {
      intervalMs: init.intervalMs,
      timeoutMs: init.timeoutMs,
      onChange: () => this.scheduleRebuild(),
      limits: init.limits,
    });
    this.trust = new RouteTrust({ halfLifeMs: init.trustHalfLifeMs }, () => this.scheduleRebuild());
  }

  get stats(): RoutingStats {
    const known = [...this.puller.held.values()].filter((h) => this.routesBy(h));
    return {
      ...this.counters,
      knownNeighbors: known.length,
      pendingNeighbors: this.puller.pending(),
      bytesIn: this.puller.stats.bytesIn,
      pulls: this.puller.stats.pulls,
      refusedTables: this.puller.stats.refused,
      ...this.trustStats(),
    };
  }

  start(): void {
    this.off = this.c.events.subscribe((e) => {
      if (e.type.startsWith('file.') || e.type === 'index.scanned') {
        this.ownDirty = true;
        this.scheduleRebuild();
      } else if (e.type === 'peer.joined') {
        // A microtask: once the neighbor table has added it, before any answer goes out.
        queueMicrotask(() => this.joined());
      }
    });
    // Neighbors come and go: start and stop their polls, and say when tables are incomplete.
    this.timer = setInterval(
      () => {
        this.puller.sync();
        if (this.puller.pending() > 0 !== this.incomplete) this.scheduleRebuild();
      },
      Math.min(this.init.intervalMs, 250),
    );
    this.timer.unref();
    this.puller.sync();
    this.scheduleRebuild();
  }

  /** A neighbor joined: its files are missing from our tables from now on, so say so at once. */
  private joined(): void {
    if (this.incomplete || this.timer === undefined) return;
    this.puller.sync();
    clearTimeout(this.rebuildTimer);
    this.rebuildNow();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    clearTimeout(this.rebuildTimer);
    this.off?.();
    this.puller.stop();
    this.wake();
  }

  /**
   * Where one copy of a query goes among `candidates` (neighbor ids):
   * neighbor id → the holders the copy sent there targets ([] = untargeted).
   */
  route(
    query: RouteQuery,
    candidates: readonly string[],
    state: RouteState,
    first: boolean,
  ): Map<string, number[]> {
    const now = Date.now();
    const neighbors: NeighborRoutes[] = candidates.map((id) => {
      const held = this.puller.held.get(id);
      if (!held || !this.routesBy(held)) return { id };
      const standing = this.init.checkClaims ? this.trust.standing(id, now) : 'confirmed';
      if (standing === 'distrusted' || !held.holders) return { id, table: held.table };
      return {
        id,
        table: held.table,
        holders: held.holders,
        unconfirmed: standing === 'unconfirmed',
        ...(this.init.checkClaims ? { holderId: holderId(id) } : {}),
      };
    });
    const own = { self: this.self, holders: this.holders, horizon: this.init.holderDistance };
    return planRoute(query, own, neighbors, state, first);
  }

  /** Whether a neighbor's tables may rule queries out; if not, it gets them as if it kept none. */
  private routesBy(held: Held): boolean {
    return held.merged && !held.incomplete && !this.puller.isStale(held);
  }

  /** Whether a copy routed to `neighborId` towards named holders brought a hit from one. */
  report(neighborId: string, found: boolean): void {
    if (this.init.checkClaims) this.trust.report(neighborId, found);
  }

  private trustStats(): { confirmedNeighbors: number; distrustedNeighbors: number } {
    if (!this.init.checkClaims) return { confirmedNeighbors: 0, distrustedNeighbors: 0 };
    const s = this.trust.stats(this.c.neighbors.all().map((n) => n.peer.id));
    return { confirmedNeighbors: s.confirmed, distrustedNeighbors: s.distrusted };
  }

  /**
   * PeerService.GetRoutes: a delta from `haveVersion`, or the whole tables;
   * when `haveVersion` is current, held up to `waitMs` for a change first.
   */
  async answer(haveVersion: number, waitMs = 0, signal?: AbortSignal): Promise<RoutesAnswer> {
    const canWait = this.timer !== undefined && this.waiters.size < MAX_WAITERS;
    if (haveVersion === this.counters.version && waitMs > 0 && canWait) {
      await this.nextVersion(Math.min(waitMs, WAIT_MS), signal);
    }
    const unchanged = haveVersion === this.counters.version;
    const parts: RoutesDelta = unchanged
      ? { baseVersion: 0, table: EMPTY, holders: EMPTY, removedHolders: EMPTY }
      : (this.deltaFrom(haveVersion) ?? {
          baseVersion: 0,
          ...this.wholeWire(),
          removedHolders: EMPTY,
        });
    this.counters.bytesOut +=
      parts.table.length + parts.holders.length + parts.removedHolders.length;
    return {
      version: this.counters.version,
      unchanged,
      positions: POSITIONS,
      hashes: HASHES,
      maxPrefix: MAX_PREFIX,
      maxHolders: this.init.maxHolders,
      ...parts,
      incomplete: this.incomplete,
    };
  }

  /** Resolves at the next version, after `ms`, on abort or on stop. */
  private nextVersion(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  private wake(): void {
    for (const done of [...this.waiters]) done();
  }

  private wholeWire(): { table: Buffer; holders: Buffer } {
    this.wire ??= { table: deflateSync(this.table), holders: encodeHolders(this.holders) };
    return this.wire;
  }

  /** The delta from an earlier version still kept, made once per version pair. */
  private deltaFrom(version: number): RoutesDelta | undefined {
    const cached = this.deltas.get(version);
    if (cached) return cached;
    const base = this.history.find((h) => h.version === version);
    if (!base) return undefined;
    const current = { version: this.counters.version, table: this.table, holders: this.holders };
    const delta = makeDelta(base, current);
    this.deltas.set(version, delta);
    return delta;
  }

  /**
   * A rebuild soon: at once when the last was intervalMs ago, else when it
   * will be. A rebuild walks the whole share: one that took long waits ten
   * times as long, so a large share that keeps changing costs at most a tenth
   * of the event loop.
   */
  private scheduleRebuild(): void {
    if (this.rebuildTimer) return;
    const every = Math.max(this.init.intervalMs, 10 * this.rebuildCostMs);
    const wait = Math.max(0, this.lastRebuildMs + every - Date.now());
    this.rebuildTimer = setTimeout(() => this.rebuildNow(), wait);
    this.rebuildTimer.unref();
  }

  private rebuildNow(): void {
    this.rebuildTimer = undefined;
    this.lastRebuildMs = Date.now();
    const began = performance.now();
    this.rebuild();
    this.rebuildCostMs = performance.now() - began;
  }

  private rebuild(): void {
    const self = this.c.membership.self;
    if (this.ownDirty && self) {
      this.ownDirty = false;
      const keys = new Set<string>();
      for (const file of this.c.index.contents()) {
        for (const name of file.names) nameKeys(name, keys);
        // A query that is a whole hash matches its file: route it like a rare name.
        keys.add(termKey(file.sha256));
      }
      this.self = holderId(self.id);
      this.own = keysTable(keys);
      this.ownHeld = ownHolders([...keys].map(keyHash), this.self);
    }
    if (!self) return;
    const held = [...this.puller.held.values()];
    const now = Date.now();
    // A distrusted neighbor's holder claims are not handed on either.
    const trusted = [...this.puller.held].filter(
      ([id, h]) =>
        h.holders && !(this.init.checkClaims && this.trust.standing(id, now) === 'distrusted'),
    );
    const next = mergeTables(
      this.own,
      held.map((h) => h.table),
      this.init.maxDistance,
    );
    const holders = mergeHolders(
      this.ownHeld,
      trusted.map(([, h]) => h.holders!),
      {
        self: this.self,
        maxDistance: this.init.holderDistance,
        maxHolders: this.init.maxHolders,
        ...(this.init.checkClaims ? { owners: trusted.map(([id]) => holderId(id)) } : {}),
      },
    );
    this.puller.merged();
    const incomplete = this.puller.pending() > 0;
    const sameHolderLists = sameHolders(holders, this.holders);
    if (sameTable(next, this.table) && sameHolderLists && incomplete === this.incomplete) return;
    this.incomplete = incomplete;
    this.history = [
      ...this.history.slice(1 - HISTORY),
      { version: this.counters.version, table: this.table, holders: this.holders },
    ];
    this.deltas.clear();
    this.wire = undefined;
    if (!sameHolderLists) this.holders = holders;
    this.table = next;
    this.counters.version++;
    this.counters.changedAtMs = Date.now();
    this.wake();
  }
}
