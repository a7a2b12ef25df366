// One source of a fetch: where it is, how it is doing, whether it is dropped.
import type { SourceView } from './types.js';

export class SourceState {
  /** Download requests running against it. */
  inFlight = 0;
  /** Verified bytes and chunks it delivered. */
  bytes = 0;
  chunks = 0;
  /** Failures in a row; reset by a request that succeeds. */
  failures = 0;
  dropped = false;
  error: string | undefined;
  /** Bytes per second of its finished requests (moving average); 0 = not measured yet. */
  rate = 0;
  /** Not asked again before this time (ms epoch). */
  backoffUntil = 0;

  constructor(
    readonly address: string,
    public peerId: string,
    /** Requests it may have in flight; lowered when it says it is busy. */
    public limit: number,
  ) {}

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
    this.backoffUntil = 0;
    this.limit = limit;
  }

  recordRate(bytes: number, ms: number): void {
    if (bytes <= 0 || ms <= 0) return;
    const sample = (bytes * 1000) / ms;
    this.rate = this.rate === 0 ? sample : this.rate * 0.7 + sample * 0.3;
  }

  view(): SourceView {
    return {
      peerId: this.peerId,
      address: this.address,
      bytes: this.bytes,
      chunks: this.chunks,
      failed: this.dropped,
      ...(this.error ? { error: this.error } : {}),
    };
  }
}
