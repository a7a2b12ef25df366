// One source of a fetch: where it is, how it is doing, whether it is dropped.
import type { ChunkMap } from './chunk-map.js';
import type { SourceView } from './types.js';

export class SourceState {
  /** Download requests running against it. */
  inFlight = 0;
  /** Bytes and chunks it delivered (less any found wrong later). */
  bytes = 0;
  chunks = 0;
  /** Whole chunks received from it, checked or not (see spot-checks.ts). */
  arrived = 0;
  /** Failures in a row; reset by a request that succeeds. */
  failures = 0;
  /** Busy answers (choked) in a row; reset by a request that succeeds. */
  busy = 0;
  /** What `limit` goes back up to after it was lowered for being busy. */
  maxLimit: number;
  dropped = false;
  error: string | undefined;
  /** Bytes per second of its finished requests (moving average); 0 = not measured yet. */
  rate = 0;
  /** From asking to its first whole chunk, lately (moving average), ms; 0 = not measured yet. */
  firstChunkMs = 0;
  /** Not asked again before this time (ms epoch). */
  backoffUntil = 0;
  /**
   * For a source still fetching the file itself: the chunks it said it has
   * verified (refreshed while the fetch runs). Undefined: it has them all.
   */
  have: ChunkMap | undefined;
  /** Chunks it said it sent to other fetchers lately: they are in the swarm, or soon will be. */
  sent: ChunkMap | undefined;

  constructor(
    readonly address: string,
    public peerId: string,
    /** Requests it may have in flight; lowered when it says it is busy. */
    public limit: number,
  ) {
    this.maxLimit = limit;
  }

  drop(reason: string): void {
    if (this.dropped) return;
    this.dropped = true;
    this.error = reason;
  }

  /** Readmits a source for a new attempt (another metadata version). */
  reset(limit: number): void {
    this.dropped = false;
    this.error = undefined;
    this.failures = 0;
    this.busy = 0;
    this.backoffUntil = 0;
    this.limit = limit;
    this.maxLimit = limit;
  }

  recordRate(bytes: number, ms: number): void {
    if (bytes <= 0 || ms <= 0) return;
    this.rate = movingAverage(this.rate, (bytes * 1000) / ms);
  }

  recordFirstChunk(ms: number): void {
    this.firstChunkMs = movingAverage(this.firstChunkMs, Math.max(1, ms));
  }

  /** `uploadedBytes`: what this peer served to it (the traffic counter knows). */
  view(uploadedBytes = 0): SourceView {
    return {
      peerId: this.peerId,
      address: this.address,
      bytes: this.bytes,
      chunks: this.chunks,
      failed: this.dropped,
      partial: this.have !== undefined,
      uploadedBytes,
      ...(this.error ? { error: this.error } : {}),
    };
  }
}

/** The next value of a moving average that starts at its first sample (0 = none yet). */
function movingAverage(average: number, sample: number): number {
  return average === 0 ? sample : average * 0.7 + sample * 0.3;
}
