// Network search by flooding with a TTL: answer from the local index, pass
// the query on to every neighbor but the one it came from, drop ids already
// seen, and stream hits back the way the query came. With routing on, the
// routing tables choose the neighbors (route-plan.ts): a rare name travels
// only shortest paths to its holders, and a copy of a query already seen is
// routed on only towards holders this peer has not routed it to yet.
// Each hop ends its answer a little before its caller's deadline and gives its own forwards a
// deadline a little shorter still, so a slow branch costs its own hits only.
// What a remote peer can make this peer do is bounded by local policy: its
// TTL is lowered to search.maxTtl, its `flood` is honoured only when
// search.remoteFlood allows, and each neighbor (or stranger host) gets a token
// bucket of searches; beyond it a Search is refused with RESOURCE_EXHAUSTED.
import { randomUUID } from 'node:crypto';
import type { EventBus } from '../events/bus.js';
import { TooManyRequestsError, UnavailableError } from '../errors.js';
import { plainHost, splitHostPort } from '../net/addresses.js';
import { RateLimiter } from './rate-limiter.js';
import type { FileEntry, ListQuery, ListResult } from '../index/types.js';
import { compileQuery } from '../index/keywords.js';
import type { Logger } from '../logger.js';
import { mergeUntil, type Source } from './merge.js';
import type { Membership } from './membership.js';
import type { Neighbor, NeighborTable } from './neighbors.js';
import { keyHash } from './holder-table.js';
import { termKey } from './bloom.js';
import { newRouteState, type RouteState } from './route-plan.js';
import { watchTargeted } from './route-trust.js';
import { termPositions } from './route-table.js';
import type { Routing } from './routing.js';
import { SeenCache } from './seen-cache.js';
import type {
  NetworkHit,
  OverlayTransport,
  SearchHitMessage,
  SearchMessage,
  SearchOptions,
  SearchRun,
  SearchSummary,
  UncheckedHit,
  UncheckedSearch,
} from './types.js';
import {
  checkHit,
  checkInt,
  checkPeer,
  checkPeerId,
  checkQuery,
  checkQueryId,
  checkTargets,
} from './validate.js';

/** What search needs of the index. */
export interface SearchableIndex {
  list(query: ListQuery): ListResult;
}

export interface SearchComponents {
  index: SearchableIndex;
  transport: OverlayTransport;
  neighbors: NeighborTable;
  membership: Membership;
  events: EventBus;
  logger: Logger;
  /** Absent when search.routing is 'flood'. */
  routing?: Routing;
}

export interface SearchInit {
  defaultTtl: number;
  maxTtl: number;
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  maxQueryLength: number;
  maxLocalHits: number;
  maxHits: number;
  /** Honour `flood` in a Search from another peer; otherwise it is routed like any other. */
  remoteFlood: boolean;
  /** Searches one neighbor (or one stranger host) may send per second, and their burst. */
  ratePerSec: number;
  rateBurst: number;
}

export interface SearchStats {
  /** Search calls received from other peers, duplicates included. */
  received: number;
  /** Of those, copies of a query already served (dropped). */
  duplicates: number;
  /** Of those, refused for going over their sender's rate limit. */
  refused: number;
  /** Search calls this peer made to its neighbors. */
  forwarded: number;
  /** Neighbors not sent a query because their routing table ruled it out. */
  pruned: number;
  /** Of the calls made, those routed towards named holders. */
  targeted: number;
}

const SEEN_ENTRIES = 10_000;
/** Below this much time left, a query is answered locally and not forwarded. */
const MIN_FORWARD_MS = 30;

/** Time kept back at each hop to get the hits home before the caller's deadline. */
function margin(remainingMs: number): number {
  return Math.min(200, Math.max(20, remainingMs * 0.05));
}

export class SearchEngine {
  private readonly seen: SeenCache<RouteState>;
  private readonly limiter: RateLimiter;
  readonly stats: SearchStats = {
    received: 0,
    refused: 0,
    duplicates: 0,
    forwarded: 0,
    pruned: 0,
    targeted: 0,
  };

  constructor(
    private readonly c: SearchComponents,
    private readonly init: SearchInit,
  ) {
    // Long enough that no copy of an expired id can still be travelling.
    this.seen = new SeenCache(SEEN_ENTRIES, 2 * init.maxTimeoutMs);
    this.limiter = new RateLimiter({ perSecond: init.ratePerSec, burst: init.rateBurst });
  }

  /**
   * A network search from this peer: validated here (InvalidArgumentError
   * before anything is sent), hits deduplicated by peer and file, each with
   * its latency. `search.completed` is emitted when the stream ends.
   */
  search(query: string, options: SearchOptions = {}): SearchRun {
    const { maxTtl, maxTimeoutMs } = this.init;
    const text = checkQuery(query, this.init.maxQueryLength);
    const ttl = checkInt(options.ttl, 'ttl', 0, maxTtl, this.init.defaultTtl);
    const timeoutMs = checkInt(
      options.timeoutMs,
      'timeout_ms',
      1,
      maxTimeoutMs,
      this.init.defaultTimeoutMs,
    );
    const self = this.c.membership.self;
    if (!self) throw new UnavailableError('the overlay is not running');
    const message: SearchMessage = {
      queryId: randomUUID(),
      query: text,
      ttl,
      hops: 0,
      origin: self,
      senderId: '',
      flood: options.flood === true,
      targets: [],
    };
    const hits = this.originate(message, timeoutMs, options.signal ?? new AbortController().signal);
    return Object.assign(hits, { queryId: message.queryId, ttl, timeoutMs });
  }

  /** The whole result of a search, for callers that do not stream. */
  async collect(query: string, options: SearchOptions = {}): Promise<SearchSummary> {
    const started = performance.now();
    const hits: NetworkHit[] = [];
    const run = this.search(query, options);
    for await (const hit of run) hits.push(hit);
    return {
      queryId: run.queryId,
      query: query.trim(),
      hits,
      durationMs: Math.round(performance.now() - started),
    };
  }

  /**
   * PeerService.Search: the request is validated at once (TTL above maxTtl is
   * lowered to it); the hits follow. `deadline` is the caller's, epoch ms;
   * `callerHost` the address the call came from. Throws TooManyRequestsError
   * past the sender's rate limit.
   */
  serve(
    raw: UncheckedSearch,
    deadline: number,
    signal: AbortSignal,
    callerHost: string,
  ): AsyncGenerator<SearchHitMessage> {
    const message: SearchMessage = {
      queryId: checkQueryId(raw.queryId),
      query: checkQuery(raw.query, this.init.maxQueryLength),
      ttl: Math.min(Math.max(0, Math.trunc(raw.ttl || 0)), this.init.maxTtl),
      hops: Math.min(Math.max(0, Math.trunc(raw.hops || 0)), 255),
      origin: checkPeer(raw.origin, 'origin'),
      senderId: raw.senderId ? checkPeerId(raw.senderId, 'sender_id') : '',
      flood: raw.flood === true && this.init.remoteFlood,
      targets: checkTargets(raw.targets),
    };
    this.stats.received++;
    if (!this.limiter.take(this.senderKey(message.senderId, callerHost))) {
      this.stats.refused++;
      throw new TooManyRequestsError(
        `more than ${this.init.ratePerSec} searches a second (burst ${this.init.rateBurst}) from one peer`,
      );
    }
    const bounded = Math.min(deadline, Date.now() + this.init.maxTimeoutMs);
    return this.process(message, bounded, signal);
  }

  /**
   * The rate-limit bucket of a Search: its neighbor's when the claimed sender
   * is a neighbor reached at the caller's host, else the caller host's, so
   * made-up sender ids share one bucket.
   */
  private senderKey(senderId: string, callerHost: string): string {
    const host = plainHost(callerHost);
    const neighbor = senderId ? this.c.neighbors.get(senderId) : undefined;
    if (neighbor && plainHost(splitHostPort(neighbor.callAddress).host) === host) {
      return `neighbor:${senderId}`;
    }
    return `host:${host}`;
  }

  private async *originate(
    message: SearchMessage,
    timeoutMs: number,
    signal: AbortSignal,
  ): AsyncGenerator<NetworkHit> {
    const started = performance.now();
    const seenHits = new Set<string>();
    let count = 0;
    try {
      for await (const hit of this.process(message, Date.now() + timeoutMs, signal)) {
        const key = `${hit.peer.id}/${hit.file.sha256}`;
        if (seenHits.has(key)) continue;
        seenHits.add(key);
        count++;
        yield { ...hit, latencyMs: Math.round(performance.now() - started) };
        if (count >= this.init.maxHits) break;
      }
    } finally {
      const durationMs = Math.round(performance.now() - started);
      this.c.logger.debug({ queryId: message.queryId, hits: count, durationMs }, 'search done');
      this.c.events.emit('search.completed', {
        queryId: message.queryId,
        query: message.query,
        hits: count,
        durationMs,
      });
    }
  }

  /** Serves one copy of a query: local hits (first copy only), then whatever the forwards bring. */
  private async *process(
    message: SearchMessage,
    deadline: number,
    signal: AbortSignal,
  ): AsyncGenerator<SearchHitMessage> {
    const self = this.c.membership.self;
    if (!self) return;
    const { first, value: state } = this.seen.claim(message.queryId, newRouteState);
    const answerBy = deadline - margin(deadline - Date.now());
    const sends =
      message.ttl > 0 && answerBy - Date.now() >= MIN_FORWARD_MS && !signal.aborted
        ? this.plan(message, state, first)
        : [];
    if (!first && sends.length === 0) {
      this.stats.duplicates++;
      return;
    }
    let relayed = 0;
    if (first) {
      const local = this.c.index
        .list({ query: message.query, limit: this.init.maxLocalHits })
        .files.map((entry) => this.toHit(message, entry));
      this.c.events.emit('search.served', {
        queryId: message.queryId,
        query: message.query,
        origin: message.origin.id,
        from: message.senderId || self.id,
        hits: local.length,
        hops: message.hops,
      });
      yield* local;
      relayed = local.length;
    }
    if (sends.length === 0) return;
    this.stats.forwarded += sends.length;
    this.stats.targeted += sends.filter((s) => s.targets.length > 0).length;
    const routing = this.c.routing;
    const sources: Source<UncheckedHit>[] = sends.map(
      ({ neighbor, targets }) =>
        (forwardSignal) => {
          const hits = this.c.transport.search(
            neighbor.callAddress,
            {
              ...message,
              ttl: message.ttl - 1,
              hops: message.hops + 1,
              senderId: self.id,
              targets,
            },
            { deadline: answerBy, signal: forwardSignal },
          );
          // A copy sent towards named holders tests the neighbor's claim to lead there.
          return routing && targets.length > 0
            ? watchTargeted(hits, targets, answerBy, forwardSignal, (found) =>
                routing.report(neighbor.peer.id, found),
              )
            : hits;
        },
    );
    const onError = (err: unknown, i: number): void =>
      this.c.logger.debug(
        {
          queryId: message.queryId,
          neighbor: sends[i]!.neighbor.peer.id,
          err: (err as Error).message,
        },
        'search forward ended early',
      );
    for await (const raw of mergeUntil(sources, answerBy, signal, onError)) {
      let hit: SearchHitMessage;
      try {
        hit = checkHit(raw, message.queryId);
      } catch (err) {
        this.c.logger.debug({ err: (err as Error).message }, 'dropped a malformed search hit');
        continue;
      }
      yield hit;
      if (++relayed >= this.init.maxHits) return;
    }
  }

  /** The neighbors this copy goes to, each with the holders it targets there. */
  private plan(
    message: SearchMessage,
    state: RouteState,
    first: boolean,
  ): { neighbor: Neighbor; targets: number[] }[] {
    const candidates = this.c.neighbors
      .all()
      .filter((n) => n.peer.id !== message.senderId && n.peer.id !== message.origin.id);
    const routing = message.flood ? undefined : this.c.routing;
    if (!routing) {
      if (!first) return [];
      state.all = true;
      return candidates.map((neighbor) => ({ neighbor, targets: [] }));
    }
    const { terms } = compileQuery(message.query);
    const chosen = routing.route(
      {
        positions: termPositions(terms),
        keys: terms.map((t) => keyHash(termKey(t))),
        hops: message.ttl - 1,
        targets: message.targets,
        // Only this peer's own queries: second copies made at every hop would multiply.
        secondPaths: message.hops === 0 && !message.senderId,
      },
      candidates.map((n) => n.peer.id),
      state,
      first,
    );
    if (first) this.stats.pruned += candidates.length - chosen.size;
    return candidates.flatMap((neighbor) => {
      const targets = chosen.get(neighbor.peer.id);
      return targets ? [{ neighbor, targets }] : [];
    });
  }

  private toHit(message: SearchMessage, entry: FileEntry): SearchHitMessage {
    return {
      queryId: message.queryId,
      peer: this.c.membership.self!,
      file: {
        sha256: entry.sha256,
        names: entry.names,
        size: entry.size,
        mtimeMs: entry.mtimeMs,
        chunkSize: entry.chunkSize,
      },
      hops: message.hops,
    };
  }
}
