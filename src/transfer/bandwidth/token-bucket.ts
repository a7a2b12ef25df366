// A token bucket for bytes: `rate` bytes per second, a small burst, and a
// queue of waiters served in order. A waiter goes once the bucket holds all
// its bytes; one that asks for more than the burst (a whole message) has the
// bucket fill past the burst for it, so it waits exactly as long as its bytes
// take at the rate: over any span no more than burst + rate x time bytes
// pass, whatever the message sizes, and a short transfer is not let through
// a message early. The rate can change at any moment and waiters already
// queued are re-timed at once: nobody holds an allowance granted at the old
// rate.

/** The burst is this much of a second at the rate... */
const BURST_SECONDS = 0.1;
/** ...but never less than this many bytes. */
const MIN_BURST = 16 * 1024;

interface Waiter {
  bytes: number;
  resolve(): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class TokenBucket {
  private rate = 0;
  private tokens = 0;
  private stamp: number;
  private readonly waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    rate = 0,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.stamp = now();
    this.setRate(rate);
  }

  /** Bytes per second; 0 when unlimited. */
  get limit(): number {
    return this.rate;
  }

  /** Nobody is waiting and the bucket is full: it can be forgotten. */
  get idle(): boolean {
    this.refill();
    return this.waiters.length === 0 && (this.rate === 0 || this.tokens >= this.capacity());
  }

  /**
   * What the bucket may hold now: the burst, plus all of the first waiter's
   * bytes while one waits, so a timer that fires late loses nothing (the
   * waiter leaves at most a burst behind).
   */
  private room(): number {
    return this.capacity() + (this.waiters[0]?.bytes ?? 0);
  }

  /** Changes the rate (0: unlimited); queued waiters are re-timed at the new rate. */
  setRate(rate: number): void {
    this.refill();
    const was = this.rate;
    this.rate = rate;
    // From unlimited, start with a full burst; otherwise keep what is saved up, within bounds.
    this.tokens = was === 0 ? this.capacity() : Math.min(this.tokens, this.room());
    this.serve();
  }

  /**
   * Resolves once `bytes` may pass; undefined (no promise at all) when they
   * may pass now, the common case for an unlimited bucket. Rejects with the
   * signal's reason if it aborts first.
   */
  take(bytes: number, signal?: AbortSignal): Promise<void> | undefined {
    if (this.rate === 0) return undefined;
    this.refill();
    if (this.waiters.length === 0 && this.tokens >= bytes) {
      this.tokens -= bytes;
      return undefined;
    }
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { bytes, resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const at = this.waiters.indexOf(waiter);
          if (at < 0) return;
          this.waiters.splice(at, 1);
          reject(signal.reason);
          if (at === 0) this.serve();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      if (this.waiters.length === 1) this.serve();
    });
  }

  private capacity(): number {
    return Math.max(MIN_BURST, this.rate * BURST_SECONDS);
  }

  private refill(): void {
    const now = this.now();
    if (this.rate > 0) {
      this.tokens = Math.min(this.room(), this.tokens + ((now - this.stamp) / 1000) * this.rate);
    }
    this.stamp = now;
  }

  /** Lets the waiters at the head go while the bucket allows, then sleeps until the next may. */
  private serve(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.refill();
    while (this.waiters.length > 0) {
      const head = this.waiters[0]!;
      if (this.rate > 0 && this.tokens < head.bytes) {
        this.timer = setTimeout(
          () => this.serve(),
          Math.max(1, Math.ceil(((head.bytes - this.tokens) * 1000) / this.rate)),
        );
        return;
      }
      this.waiters.shift();
      if (this.rate > 0) this.tokens -= head.bytes;
      if (head.onAbort) head.signal!.removeEventListener('abort', head.onAbort);
      head.resolve();
    }
  }
}
