// Query routing state: this peer's attenuated keyword table (route-table.ts)
// and the last table of each neighbor, pulled with GetRoutes every
// intervalMs. A pull names the version already held, so an unchanged table
// costs a few bytes; the table is rebuilt (and its version bumped) at most
// once per round, when this peer's files or a neighbor's table changed.
// A neighbor whose table is unknown (not fetched yet, an older peer without
// GetRoutes, other filter parameters) or stale gets every query, as flooding.
import { deflateSync, inflateSync } from 'node:zlib';
import type { EventBus } from '../events/bus.js';
import type { ListQuery, ListResult } from '../index/types.js';
import type { Logger } from '../logger.js';
import { HASHES, MAX_PREFIX, POSITIONS } from './bloom.js';
import type { Membership } from './membership.js';
import type { NeighborTable } from './neighbors.js';
import { emptyTable, mayMatch, mergeTables, ownTable, sameTable } from './route-table.js';
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
}

export interface RoutingStats {
  version: number;
  /** Epoch ms this peer's table last changed. */
  changedAtMs: number;
  /** Neighbors whose table is known and fresh. */
  knownNeighbors: number;
  /** Table bytes received and sent in GetRoutes answers (deflated). */
  bytesIn: number;
  bytesOut: number;
  pulls: number;
}

interface Held {
  version: number;
  table: Uint8Array;
  fetchedAtMs: number;
}

/** A neighbor's table this old (rounds missed) is no longer trusted. */
const STALE_ROUNDS = 5;
const LIST_PAGE = 1000;

export class Routing {
  private timer: NodeJS.Timeout | undefined;
  private off: (() => void) | undefined;
  private ownDirty = true;
  private own = emptyTable();
  private table = emptyTable();
  private deflated: Buffer = deflateSync(this.table);
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

  /** Whether a query of these term positions should go to `neighborId` with `ttl` hops left there. */
  shouldForward(neighborId: string, terms: readonly number[][], ttl: number): boolean {
    const held = this.held.get(neighborId);
    if (!held || this.isStale(held)) return true;
    return mayMatch(held.table, terms, ttl);
  }

  /** PeerService.GetRoutes. */
  answer(haveVersion: number): RoutesAnswer {
    const unchanged = haveVersion === this.stats.version;
    if (!unchanged) this.stats.bytesOut += this.deflated.length;
    return {
      version: this.stats.version,
      unchanged,
      positions: POSITIONS,
      hashes: HASHES,
      maxPrefix: MAX_PREFIX,
      table: unchanged ? Buffer.alloc(0) : this.deflated,
    };
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
    this.stats.bytesIn += answer.table.length;
    const table = new Uint8Array(inflateSync(answer.table, { maxOutputLength: POSITIONS }));
    if (table.length !== POSITIONS) throw new Error(`a routing table of ${table.length} bytes`);
    // Still a neighbor? It may have left while the call was out.
    if (!this.c.neighbors.get(id)) return false;
    this.held.set(id, { version: answer.version, table, fetchedAtMs: now });
    return true;
  }

  private rebuild(): void {
    if (this.ownDirty) {
      this.ownDirty = false;
      this.own = ownTable(this.ownNames());
    }
    const next = mergeTables(
      this.own,
      [...this.held.values()].map((h) => h.table),
      this.init.maxDistance,
    );
    this.stats.knownNeighbors = this.held.size;
    if (sameTable(next, this.table)) return;
    this.table = next;
    this.deflated = deflateSync(next);
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
