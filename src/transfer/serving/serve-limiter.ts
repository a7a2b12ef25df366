// Caps the Download streams this peer serves at once, per caller and in
// total, so a greedy peer cannot take every file handle and buffer.
import { TooManyRequestsError } from '../../errors.js';

export interface ServeLimits {
  maxStreamsPerPeer: number;
  maxStreams: number;
}

export class ServeLimiter {
  private readonly perPeer = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: ServeLimits) {}

  /** Takes a slot for `peer` (the caller's host) or throws TooManyRequestsError; returns the release. */
  acquire(peer: string): () => void {
    const mine = this.perPeer.get(peer) ?? 0;
    if (mine >= this.limits.maxStreamsPerPeer) {
      throw new TooManyRequestsError(
        `already serving ${mine} downloads to ${peer}, the most allowed at once`,
      );
    }
    if (this.total >= this.limits.maxStreams) {
      throw new TooManyRequestsError(
        `already serving ${this.total} downloads, the most allowed at once`,
      );
    }
    this.perPeer.set(peer, mine + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perPeer.get(peer) ?? 1) - 1;
      if (left > 0) this.perPeer.set(peer, left);
      else this.perPeer.delete(peer);
    };
  }

  /** Streams being served now. */
  get active(): number {
    return this.total;
  }
}
