// How fast this peer may move file bytes: a global bucket per direction and,
// under it, one bucket per remote peer and direction (keyed as serving keys
// peers, by host: see serving/peer-key.ts). Every place bytes cross the wire
// asks here before it moves them: served Downloads and pushes (up), fetched
// chunks and received pushes (down). A relay forwarding a stream for others
// would take from both directions the same way. Limits change at run time
// and apply within a bucket's refill step to streams already running.
import { InvalidArgumentError } from '../../errors.js';
import type { EventBus } from '../../events/bus.js';
import type { Logger } from '../../logger.js';
import { RateMeter } from '../rate-meter.js';
import type { Direction } from '../traffic.js';
import { formatRate, parseRate } from '../../net/rates.js';
import { TokenBucket } from './token-bucket.js';

/** Bytes per second; 0 means unlimited. */
export interface BandwidthLimits {
  /** Everything this peer sends: served Downloads and pushes, together. */
  upload: number;
  /** Everything this peer receives: fetched chunks and pushes taken in, together. */
  download: number;
  /** What one remote peer may be sent, within `upload`. */
  perPeerUpload: number;
  /** What may come from one remote peer, within `download`. */
  perPeerDownload: number;
}

export const LIMIT_FIELDS = ['upload', 'download', 'perPeerUpload', 'perPeerDownload'] as const;

/** A change as a user gives it: each field a rate string or bytes/s; absent fields stay. */
export type LimitsChange = Partial<Record<keyof BandwidthLimits, string | number>>;

/** The limits and how fast bytes move now, bytes/s. */
export interface BandwidthView extends BandwidthLimits {
  upRate: number;
  downRate: number;
}

export interface BandwidthLimiterComponents {
  events?: Pick<EventBus, 'emit'>;
  logger?: Logger;
  /** A transfer was held back for `ms` (a wait that ended, however it ended). */
  onThrottled?: (direction: Direction, ms: number) => void;
  now?: () => number;
}

/** Per-peer buckets kept before idle ones are forgotten. */
const MAX_PEER_BUCKETS = 1024;

const PER_PEER = { up: 'perPeerUpload', down: 'perPeerDownload' } as const;
const GLOBAL = { up: 'upload', down: 'download' } as const;

export class BandwidthLimiter {
  private limits: BandwidthLimits;
  private readonly global: Record<Direction, TokenBucket>;
  private readonly peers: Record<Direction, Map<string, TokenBucket>> = {
    up: new Map(),
    down: new Map(),
  };
  private readonly meters: Record<Direction, RateMeter> = {
    up: new RateMeter(),
    down: new RateMeter(),
  };
  private readonly now: () => number;

  constructor(
    private readonly components: BandwidthLimiterComponents,
    init: BandwidthLimits,
  ) {
    this.now = components.now ?? (() => performance.now());
    this.limits = { ...init };
    this.global = {
      up: new TokenBucket(init.upload, this.now),
      down: new TokenBucket(init.download, this.now),
    };
  }

  /** The limits in force. */
  current(): BandwidthLimits {
    return { ...this.limits };
  }

  /** The limits and the rates of the last few seconds. */
  view(): BandwidthView {
    return {
      ...this.limits,
      upRate: Math.round(this.meters.up.rate()),
      downRate: Math.round(this.meters.down.rate()),
    };
  }

  /**
   * Parses and applies a change (REST, ControlService, CLI); every field is
   * checked before any applies. Throws InvalidArgumentError naming the field.
   * Emits `limits.changed` when something changed.
   */
  update(change: LimitsChange): BandwidthLimits {
    const next = { ...this.limits };
    const problems: string[] = [];
    for (const field of LIMIT_FIELDS) {
      const value = change[field];
      if (value === undefined || value === '') continue;
      const parsed = parseRate(value);
      if (parsed.ok) next[field] = parsed.rate;
      else problems.push(`${field}: ${parsed.problem}`);
    }
    if (problems.length > 0) throw new InvalidArgumentError(problems.join('; '));
    const changed = LIMIT_FIELDS.some((f) => next[f] !== this.limits[f]);
    this.apply(next);
    if (changed) {
      this.components.logger?.info(
        Object.fromEntries(LIMIT_FIELDS.map((f) => [f, formatRate(next[f])])),
        'bandwidth limits changed',
      );
      this.components.events?.emit('limits.changed', { ...next });
    }
    return this.current();
  }

  /** Sets the limits as they are (already checked numbers). */
  apply(limits: BandwidthLimits): void {
    this.limits = { ...limits };
    for (const direction of ['up', 'down'] as const) {
      this.global[direction].setRate(limits[GLOBAL[direction]]);
      const perPeer = limits[PER_PEER[direction]];
      const buckets = this.peers[direction];
      for (const bucket of buckets.values()) bucket.setRate(perPeer);
      // Unlimited now: the waiters were let go by setRate; the buckets are not needed.
      if (perPeer === 0) buckets.clear();
    }
  }

  /**
   * Resolves once `bytes` may move to (up) or from (down) the peer `peer`
   * (a peer key); undefined when they may move at once, so the unlimited
   * path costs no promise. Rejects with the signal's reason if it aborts.
   */
  take(
    direction: Direction,
    peer: string,
    bytes: number,
    signal?: AbortSignal,
  ): Promise<void> | undefined {
    this.meters[direction].add(bytes);
    const global = this.global[direction];
    const first =
      this.limits[PER_PEER[direction]] > 0
        ? this.peerBucket(direction, peer).take(bytes, signal)
        : undefined;
    const wait = first ? first.then(() => global.take(bytes, signal)) : global.take(bytes, signal);
    if (!wait) return undefined;
    const started = this.now();
    return wait.finally(() => this.components.onThrottled?.(direction, this.now() - started));
  }

  /**
   * The most one transfer with `peers` remote peers can move in `direction`,
   * bytes/s; 0 when nothing limits it. For sizing requests and deadlines.
   */
  ceiling(direction: Direction, peers = 1): number {
    const global = this.limits[GLOBAL[direction]];
    const perPeer = this.limits[PER_PEER[direction]] * Math.max(1, peers);
    if (global === 0) return perPeer;
    return perPeer === 0 ? global : Math.min(global, perPeer);
  }

  private peerBucket(direction: Direction, peer: string): TokenBucket {
    const buckets = this.peers[direction];
    let bucket = buckets.get(peer);
    if (!bucket) {
      if (buckets.size >= MAX_PEER_BUCKETS) {
        for (const [key, b] of buckets) if (b.idle) buckets.delete(key);
      }
      bucket = new TokenBucket(this.limits[PER_PEER[direction]], this.now);
      buckets.set(peer, bucket);
    }
    return bucket;
  }
}
