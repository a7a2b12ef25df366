// Query routing state: this peer's attenuated keyword table (route-table.ts)
// and holder lists (holder-table.ts), and the last tables of each neighbor,
// pulled with GetRoutes every intervalMs. A pull names the version already
// held: an unchanged table costs a few bytes, a recent one gets a delta
// (routes-delta.ts). The tables are rebuilt (and the version bumped) at most
// once per round, when this peer's files or a neighbor's tables changed.
// A neighbor whose table is unknown (not fetched yet, an older peer without
// GetRoutes, other filter parameters) or stale gets every query, as flooding.
import { deflateSync, inflateSync } from 'node:zlib';
import type { EventBus } from '../events/bus.js';
import type { ListQuery, ListResult } from '../index/types.js';
import type { Logger } from '../logger.js';
import { HASHES, MAX_PREFIX, POSITIONS, nameKeys } from './bloom.js';
import {
  decodeHolders,
  emptyHolders,
  encodeHolders,
  holderId,
  keyHash,
  mergeHolders,
  ownHolders,
  sameHolders,
  type HolderTable,
} from './holder-table.js';
import type { Membership } from './membership.js';
import type { NeighborTable } from './neighbors.js';
import { emptyTable, keysTable, mergeTables, sameTable } from './route-table.js';
import { planRoute, type NeighborRoutes, type RouteQuery, type RouteState } from './route-plan.js';
import { applyDelta, makeDelta, type RoutesDelta, type RoutesVersion } from './routes-delta.js';
import type { OverlayTransport, RoutesAnswer } from './types.js';

export interface RoutableIndex {
  list(query: ListQuery): ListResult;
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
  /** How often neighbors' tables are pulled, ms. */
  intervalMs: number;
  /** Deadline of one GetRoutes call, ms. */
  timeoutMs: number;
  /** Distances beyond this are dropped (the largest TTL worth routing). */
  maxDistance: number;
  /** Holder lists reach this far; a query with more hops left is routed by the filter. */
  holderDistance: number;
  /** Holders listed per key before the key counts as common. */
  maxHolders: number;
}

export interface RoutingStats {
  version: number;
  /** Epoch ms this peer's table last changed. */
  changedAtMs: number;
  /** Neighbors whose table is known and fresh. */
  knownNeighbors: number;
  /** Table bytes received and sent in GetRoutes answers (as sent: deflated or delta). */
  bytesIn: number;
  bytesOut: number;
  pulls: number;
}

interface Held {
  version: number;
  table: Uint8Array;
  /** Undefined when the neighbor sent none (a peer that predates them). */
  holders: HolderTable | undefined;
  fetchedAtMs: number;
}

/** A neighbor's table this old (rounds missed) is no longer trusted. */
const STALE_ROUNDS = 5;
/** Earlier versions kept to answer with a delta (a neighbor is rarely more behind). */
const HISTORY = 4;
const EMPTY: Buffer = Buffer.alloc(0);
const LIST_PAGE = 1000;

export class Routing {
  private timer: NodeJS.Timeout | undefined;
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
  private ticking = false;
  private readonly held = new Map<string, Held>();
  readonly stats: RoutingStats;

  constructor(
    private readonly c: RoutingComponents,
    private readonly init: RoutingInit,
  ) {
    // Epoch-based, so a restarted peer never repeats a version a neighbor holds.
    this.stats = {
      version: Date.now(),
      changedAtMs: Date.now(),
      knownNeighbors: 0,
      bytesIn: 0,
      bytesOut: 0,
      pulls: 0,
    };
  }

  start(): void {
    this.off = this.c.events.subscribe((e) => {
      if (e.type.startsWith('file.') || e.type === 'index.scanned') this.ownDirty = true;
    });
    this.timer = setInterval(() => void this.tick(), this.init.intervalMs);
    this.timer.unref();
    void this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.off?.();
    this.held.clear();
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
    const neighbors: NeighborRoutes[] = candidates.map((id) => {
      const held = this.held.get(id);
      return !held || this.isStale(held)
        ? { id }
        : { id, table: held.table, ...(held.holders ? { holders: held.holders } : {}) };
    });
    const own = { self: this.self, holders: this.holders, horizon: this.init.holderDistance };
    return planRoute(query, own, neighbors, state, first);
  }

  /** PeerService.GetRoutes: nothing, a delta from `haveVersion`, or the whole tables. */
  answer(haveVersion: number): RoutesAnswer {
    const unchanged = haveVersion === this.stats.version;
    const parts: RoutesDelta = unchanged
      ? { baseVersion: 0, table: EMPTY, holders: EMPTY, removedHolders: EMPTY }
      : (this.deltaFrom(haveVersion) ?? {
          baseVersion: 0,
          ...this.wholeWire(),
          removedHolders: EMPTY,
        });
    this.stats.bytesOut += parts.table.length + parts.holders.length + parts.removedHolders.length;
    return {
      version: this.stats.version,
      unchanged,
      positions: POSITIONS,
      hashes: HASHES,
      maxPrefix: MAX_PREFIX,
      maxHolders: this.init.maxHolders,
      ...parts,
    };
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
    const current = { version: this.stats.version, table: this.table, holders: this.holders };
    const delta = makeDelta(base, current);
    this.deltas.set(version, delta);
    return delta;
  }

  /** One round: pull every neighbor's table, then rebuild ours if anything changed. */
  async tick(): Promise<void> {
    const self = this.c.membership.self;
    if (this.ticking || !self) return;
    this.ticking = true;
    try {
      const neighbors = this.c.neighbors.all();
      const ids = new Set(neighbors.map((n) => n.peer.id));
      let changed = this.ownDirty;
      for (const id of this.held.keys()) {
        if (!ids.has(id)) changed = this.held.delete(id) || changed;
      }
      const pulled = await Promise.all(
        neighbors.map(async (n) => {
          const held = this.held.get(n.peer.id);
          try {
            const answer = await this.c.transport.getRoutes(
              n.callAddress,
              self.id,
              held?.version ?? 0,
              { timeoutMs: this.init.timeoutMs },
            );
            return this.accept(n.peer.id, held, answer);
          } catch (err) {
            this.c.logger.debug(
              { neighbor: n.peer.id, err: (err as Error).message },
              'GetRoutes failed; the neighbor is searched by flooding',
            );
            return false;
          }
        }),
      );
      changed = pulled.some(Boolean) || changed;
      if (changed) this.rebuild();
    } finally {
      this.ticking = false;
    }
  }

  private accept(id: string, held: Held | undefined, answer: RoutesAnswer): boolean {
    this.stats.pulls++;
    const now = Date.now();
    if (answer.unchanged && held && answer.version === held.version) {
      held.fetchedAtMs = now;
      return false;
    }
    if (
      answer.positions !== POSITIONS ||
      answer.hashes !== HASHES ||
      answer.maxPrefix !== MAX_PREFIX
    ) {
      // Another filter layout: unknown, so flooded.
      return this.held.delete(id);
    }
    this.stats.bytesIn +=
      answer.table.length + answer.holders.length + answer.removedHolders.length;
    let table: Uint8Array;
    let holders: HolderTable | undefined;
    if (answer.baseVersion !== 0) {
      // A delta against a version we no longer hold: ask for the whole tables next round.
      if (!held || held.version !== answer.baseVersion) {
        if (held) held.version = 0;
        return false;
      }
      ({ table, holders } = applyDelta(held, answer));
    } else {
      table = new Uint8Array(inflateSync(answer.table, { maxOutputLength: POSITIONS }));
      holders = answer.maxHolders > 0 ? decodeHolders(answer.holders) : undefined;
    }
    if (table.length !== POSITIONS) throw new Error(`a routing table of ${table.length} bytes`);
    // Still a neighbor? It may have left while the call was out.
    if (!this.c.neighbors.get(id)) return false;
    this.held.set(id, { version: answer.version, table, holders, fetchedAtMs: now });
    return true;
  }

  private rebuild(): void {
    const self = this.c.membership.self;
    if (this.ownDirty && self) {
      this.ownDirty = false;
      const keys = new Set<string>();
      for (const name of this.ownNames()) nameKeys(name, keys);
      this.self = holderId(self.id);
      this.own = keysTable(keys);
      this.ownHeld = ownHolders([...keys].map(keyHash), this.self);
    }
    const held = [...this.held.values()];
    const next = mergeTables(
      this.own,
      held.map((h) => h.table),
      this.init.maxDistance,
    );
    const holders = mergeHolders(
      this.ownHeld,
      held.flatMap((h) => (h.holders ? [h.holders] : [])),
      { self: this.self, maxDistance: this.init.holderDistance, maxHolders: this.init.maxHolders },
    );
    this.stats.knownNeighbors = this.held.size;
    const sameHolderLists = sameHolders(holders, this.holders);
    if (sameTable(next, this.table) && sameHolderLists) return;
    this.history = [
      ...this.history.slice(1 - HISTORY),
      { version: this.stats.version, table: this.table, holders: this.holders },
    ];
    this.deltas.clear();
    this.wire = undefined;
    if (!sameHolderLists) this.holders = holders;
    this.table = next;
    this.stats.version++;
    this.stats.changedAtMs = Date.now();
  }

  private *ownNames(): Generator<string> {
    for (let offset = 0; ; offset += LIST_PAGE) {
      const { files, total } = this.c.index.list({ limit: LIST_PAGE, offset });
      for (const f of files) yield* f.names;
      if (offset + LIST_PAGE >= total) return;
    }
  }

  private isStale(held: Held): boolean {
    return (
      Date.now() - held.fetchedAtMs > STALE_ROUNDS * this.init.intervalMs + this.init.timeoutMs
    );
  }
}
