// Transfer rate over a sliding window, for progress and ETA.

const WINDOW_MS = 5000;
const BUCKET_MS = 250;

export class RateMeter {
  /** Bytes per bucket, oldest first; each bucket covers BUCKET_MS. */
  private readonly buckets: { at: number; bytes: number }[] = [];
  private readonly startedAt: number;

  constructor(private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  add(bytes: number): void {
    const t = this.now();
    const slot = t - (t % BUCKET_MS);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.at === slot) last.bytes += bytes;
    else this.buckets.push({ at: slot, bytes });
    this.trim(t);
  }

  /** Bytes per second over the window (or since start, when shorter). */
  rate(): number {
    const t = this.now();
    this.trim(t);
    const total = this.buckets.reduce((sum, b) => sum + b.bytes, 0);
    const span = Math.min(WINDOW_MS, Math.max(t - this.startedAt, BUCKET_MS));
    return (total * 1000) / span;
  }

  /** Milliseconds to move `remaining` bytes at the current rate, -1 when unknown. */
  eta(remaining: number): number {
    if (remaining <= 0) return 0;
    const r = this.rate();
    return r > 0 ? Math.round((remaining * 1000) / r) : -1;
  }

  private trim(t: number): void {
    while (this.buckets.length > 0 && this.buckets[0]!.at <= t - WINDOW_MS) this.buckets.shift();
  }
}
