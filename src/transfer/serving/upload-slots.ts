// Which peers this peer uploads to right now (BitTorrent's choking, kept
// small). At most `slots` peers are served at once; every `rechokeMs` the set
// is chosen again from the peers that asked lately: the peers that uploaded
// the most to us keep the regular slots (tit for tat), then those that
// waited longest, and one optimistic slot goes round the others so a new
// peer or a seed's every fetcher gets a turn. A choked caller is told
// RESOURCE_EXHAUSTED and comes back later, serving itself from other sources
// meanwhile. A free slot is given at once: nobody waits for a rechoke while
// the uplink is idle.
import { TooManyRequestsError } from '../../errors.js';

export interface UploadSlotsInit {
  /** Peers served at once (default 4); 0 turns choking off. */
  slots: number;
  /** How often the served set is chosen again, ms (default 2000). */
  rechokeMs?: number;
  /** The optimistic slot moves on every this many rechokes (default 3). */
  optimisticEvery?: number;
  /** A peer that has not asked for this long is no longer interested, ms (default 5000). */
  idleMs?: number;
  /** Bytes a peer (by key) has uploaded to us: tit for tat. */
  uploadedToUs: (key: string) => number;
  now?: () => number;
  random?: () => number;
}

/** Peers (that asked lately) remembered at most. */
const MAX_PEERS = 4096;

interface Peer {
  lastAsked: number;
  /** When it was last served (0: never), for "who waited longest". */
  lastServed: number;
}

export class UploadSlots {
  private readonly peers = new Map<string, Peer>();
  private readonly unchoked = new Set<string>();
  private optimistic: string | undefined;
  private nextRechoke = 0;
  private rounds = 0;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly init: UploadSlotsInit) {
    this.now = init.now ?? Date.now;
    this.random = init.random ?? Math.random;
  }

  /** Lets `key` be served now, or throws TooManyRequestsError (choked). */
  admit(key: string): void {
    if (this.init.slots <= 0) return;
    const now = this.now();
    let peer = this.peers.get(key);
    if (!peer) {
      // Bounded: peers idle for idleMs are forgotten at each rechoke; past that, newcomers wait.
      if (this.peers.size >= MAX_PEERS) this.rechoke(now);
      if (this.peers.size >= MAX_PEERS) {
        throw new TooManyRequestsError('too many peers are asking for uploads; try again later');
      }
      peer = { lastAsked: now, lastServed: 0 };
      this.peers.set(key, peer);
    }
    peer.lastAsked = now;
    if (now >= this.nextRechoke) this.rechoke(now);
    if (this.unchoked.has(key)) return;
    if (this.unchoked.size < this.init.slots) {
      this.unchoked.add(key);
      peer.lastServed = now;
      return;
    }
    throw new TooManyRequestsError(
      `all ${this.init.slots} upload slots are taken; choked until a slot turns over`,
    );
  }

  /** The peers served now (status, tests). */
  served(): string[] {
    return [...this.unchoked];
  }

  private rechoke(now: number): void {
    const { slots } = this.init;
    const idleMs = this.init.idleMs ?? 5000;
    this.nextRechoke = now + (this.init.rechokeMs ?? 2000);
    this.rounds++;
    for (const [key, p] of this.peers) if (now - p.lastAsked > idleMs) this.peers.delete(key);
    for (const k of this.unchoked) {
      const p = this.peers.get(k);
      if (p) p.lastServed = now;
    }
    const interested = [...this.peers.keys()];
    if (this.optimistic && !this.peers.has(this.optimistic)) this.optimistic = undefined;
    const rotate = this.rounds % (this.init.optimisticEvery ?? 3) === 0;
    if (interested.length <= slots) {
      this.setUnchoked(interested);
      return;
    }
    const regular = slots - 1;
    const ranked = interested
      .filter((k) => k !== this.optimistic || rotate)
      .map((k) => ({ k, up: this.init.uploadedToUs(k), since: this.peers.get(k)!.lastServed }))
      // Who gave us most; among equals (a seed's fetchers give it nothing) who waited longest.
      .sort((a, b) => b.up - a.up || a.since - b.since);
    const chosen = ranked.slice(0, regular).map((r) => r.k);
    if (rotate || !this.optimistic || chosen.includes(this.optimistic)) {
      const rest = ranked.slice(regular).map((r) => r.k);
      this.optimistic = rest[Math.floor(this.random() * rest.length)];
    }
    if (this.optimistic) chosen.push(this.optimistic);
    this.setUnchoked(chosen);
  }

  private setUnchoked(keys: string[]): void {
    this.unchoked.clear();
    for (const k of keys) this.unchoked.add(k);
  }
}
