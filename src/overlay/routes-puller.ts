// Neighbors' routing tables, each kept by one long poll: GetRoutes names
// the version held and asks the neighbor to hold its answer until its
// tables change (up to WAIT_MS), so a change crosses a link as soon as it is
// made and an idle link costs one small call per WAIT_MS. A neighbor that
// answers "unchanged" at once (a peer that does not wait) is polled every
// intervalMs instead; one that fails is retried after intervalMs, one that
// does not implement GetRoutes (routing off, an older peer) is not asked
// again: it is searched by flooding.
// Until a new neighbor's first tables are merged, this peer's own tables
// leave out what lies behind it (`pending`; its answers say `incomplete`).
// What one neighbor can make this peer hold or do is capped (RoutesLimits):
// an answer too big, or holder lists too long, keeps only the fixed-size
// filter (the neighbor is routed by it), and a neighbor whose tables change
// faster than maxUpdatesPerSec is pulled no faster.
import { setTimeout as sleep } from 'node:timers/promises';
import { inflateSync } from 'node:zlib';
import { NotImplementedError, TooLargeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { HASHES, MAX_PREFIX, POSITIONS } from './bloom.js';
import { decodeHolders, type HolderLimits, type HolderTable } from './holder-table.js';
import type { Membership } from './membership.js';
import type { Neighbor, NeighborTable } from './neighbors.js';
import { applyDelta, applyPositions } from './routes-delta.js';
import type { OverlayTransport, RoutesAnswer } from './types.js';

/** Longest a GetRoutes answer is held waiting for a change, ms. */
export const WAIT_MS = 25_000;

export interface Held {
  version: number;
  table: Uint8Array;
  /** Undefined when the neighbor sent none (a peer that predates them). */
  holders: HolderTable | undefined;
  fetchedAtMs: number;
  /**
   * Whether this peer's own tables were rebuilt from this one. Until then
   * they disagree (a holder behind the neighbor missing from our lists), so
   * routing treats the neighbor as unknown.
   */
  merged: boolean;
  /** The neighbor said its own tables leave out new neighbors of its own (GetRoutes `incomplete`). */
  incomplete: boolean;
}

interface Loop {
  abort: AbortController;
  startedAtMs: number;
  /** Its first tables are merged into this peer's, or it has none to give. */
  settled: boolean;
}

export interface PullerComponents {
  transport: OverlayTransport;
  neighbors: NeighborTable;
  membership: Membership;
  logger: Logger;
}

export interface PullerInit {
  intervalMs: number;
  /** Deadline of one GetRoutes call beyond its wait, ms. */
  timeoutMs: number;
  /** Called when a neighbor's tables changed or went away. */
  onChange: () => void;
  limits: RoutesLimits;
}

/** What one neighbor's routing tables may cost this peer. */
export interface RoutesLimits extends HolderLimits {
  /** Bytes of one GetRoutes answer (table, holders and removed holders, as sent). */
  maxBytes: number;
  /** Changed tables taken from one neighbor per second. */
  maxUpdatesPerSec: number;
}

export interface PullStats {
  bytesIn: number;
  pulls: number;
  /** Answers whose holder lists were refused for passing the limits. */
  refused: number;
}

export class RoutesPuller {
  readonly held = new Map<string, Held>();
  readonly stats: PullStats = { bytesIn: 0, pulls: 0, refused: 0 };
  private readonly loops = new Map<string, Loop>();

  constructor(
    private readonly c: PullerComponents,
    private readonly init: PullerInit,
  ) {}

  /** Starts a poll for each new neighbor and forgets the ones gone. */
  sync(): void {
    const neighbors = this.c.neighbors.all();
    const ids = new Set(neighbors.map((n) => n.peer.id));
    let gone = false;
    for (const id of this.held.keys()) if (!ids.has(id)) gone = this.held.delete(id) || gone;
    for (const [id, loop] of this.loops) {
      if (!ids.has(id)) {
        loop.abort.abort();
        this.loops.delete(id);
      }
    }
    for (const n of neighbors) {
      if (this.loops.has(n.peer.id)) continue;
      const loop: Loop = { abort: new AbortController(), startedAtMs: Date.now(), settled: false };
      this.loops.set(n.peer.id, loop);
      void this.poll(n, loop);
    }
    if (gone) this.init.onChange();
  }

  /** This peer's tables now hold every table held: their neighbors are settled. */
  merged(): void {
    for (const [id, held] of this.held) {
      held.merged = true;
      const loop = this.loops.get(id);
      if (loop) loop.settled = true;
    }
  }

  /**
   * Neighbors whose first tables are not merged yet, within firstTablesMs of
   * their joining: past it, one that never answers (a stranger that only
   * takes queries) stops counting, or every query would come here unpruned.
   */
  pending(now = Date.now()): number {
    let n = 0;
    for (const loop of this.loops.values()) {
      if (!loop.settled && now - loop.startedAtMs < this.firstTablesMs) n++;
    }
    return n;
  }

  /** How long a new neighbor's first tables are waited for: two failed tries and a retry. */
  private get firstTablesMs(): number {
    return 2 * this.init.timeoutMs + this.init.intervalMs;
  }

  stop(): void {
    for (const loop of this.loops.values()) loop.abort.abort();
    this.loops.clear();
    this.held.clear();
  }

  /** A table not refreshed for this long is not trusted (the neighbor stopped answering). */
  isStale(held: Held): boolean {
    return Date.now() - held.fetchedAtMs > WAIT_MS + 2 * this.init.timeoutMs;
  }

  private async poll(n: Neighbor, loop: Loop): Promise<void> {
    const { signal } = loop.abort;
    const id = n.peer.id;
    while (!signal.aborted) {
      const self = this.c.membership.self;
      if (!self) return;
      const held = this.held.get(id);
      const waitMs = held && held.version !== 0 ? WAIT_MS : 0;
      const started = Date.now();
      let pause: boolean;
      try {
        const answer = await this.c.transport.getRoutes(
          n.callAddress,
          self.id,
          held?.version ?? 0,
          waitMs,
          { timeoutMs: waitMs + this.init.timeoutMs, signal },
        );
        if (signal.aborted) return;
        const changed = this.accept(id, held, answer);
        if (changed) this.init.onChange();
        pause = answer.unchanged && Date.now() - started < waitMs / 2;
        // A neighbor changing faster than the cap is pulled at the cap.
        const gap = 1000 / this.init.limits.maxUpdatesPerSec - (Date.now() - started);
        if (!pause && changed && gap > 0) {
          await sleep(gap, undefined, { signal }).catch(() => undefined);
        }
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof NotImplementedError) {
          // It keeps no tables and never will: flooded, and asked no more.
          this.c.logger.debug(
            { neighbor: id },
            'no GetRoutes: the neighbor is searched by flooding',
          );
          loop.settled = true;
          this.init.onChange();
          return;
        }
        this.c.logger.debug(
          { neighbor: id, err: (err as Error).message },
          'GetRoutes failed; the neighbor is searched by flooding until it answers',
        );
        pause = true;
      }
      // An abort ends the wait early; the loop condition then ends the poll.
      if (pause) await sleep(this.init.intervalMs, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Takes an answer in; true when the neighbor's tables changed. */
  private accept(id: string, held: Held | undefined, answer: RoutesAnswer): boolean {
    this.stats.pulls++;
    const now = Date.now();
    if (answer.unchanged && held && answer.version === held.version) {
      held.fetchedAtMs = now;
      held.incomplete = answer.incomplete;
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
    const { limits } = this.init;
    const bytes = answer.table.length + answer.holders.length + answer.removedHolders.length;
    const delta = answer.baseVersion !== 0;
    // A delta against a version we no longer hold: ask for the whole tables next.
    if (delta && (!held || held.version !== answer.baseVersion)) {
      if (held) held.version = 0;
      return false;
    }
    let table: Uint8Array;
    let holders: HolderTable | undefined;
    let version = answer.version;
    try {
      if (bytes > limits.maxBytes) {
        throw new TooLargeError(`a routing answer of ${bytes} bytes (at most ${limits.maxBytes})`);
      }
      if (delta) {
        ({ table, holders } = applyDelta(held!, answer, limits));
      } else {
        table = inflateFilter(answer.table);
        holders = answer.maxHolders > 0 ? decodeHolders(answer.holders, limits) : undefined;
      }
    } catch (err) {
      if (!(err instanceof TooLargeError)) throw err;
      this.stats.refused++;
      this.c.logger.warn(
        { neighbor: id, bytes, err: err.message },
        'routing tables past the limits: holder lists dropped, the neighbor is routed by its filter',
      );
      // The filter has a fixed size and is kept; a delta's base is then gone, so ask anew.
      table = delta ? applyPositions(held!.table, answer.table) : inflateFilter(answer.table);
      holders = undefined;
      if (delta) version = 0;
    }
    if (table.length !== POSITIONS) throw new Error(`a routing table of ${table.length} bytes`);
    // Still a neighbor? It may have left while the call was out.
    if (!this.c.neighbors.get(id)) return false;
    this.held.set(id, {
      version,
      table,
      holders,
      fetchedAtMs: now,
      merged: false,
      incomplete: answer.incomplete,
    });
    return true;
  }
}

function inflateFilter(wire: Uint8Array): Uint8Array {
  return new Uint8Array(inflateSync(wire, { maxOutputLength: POSITIONS }));
}
