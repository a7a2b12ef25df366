// One consumer waiting for something to happen, and the producers that tell
// it (a stream's data, its end, an abort, a timer). The consumer looks at its
// state and waits only when there is nothing to do, so a wake with nobody
// waiting is simply dropped.
export class Waker {
  private waiting: ((woken: boolean) => void) | undefined;
  private soon: NodeJS.Immediate | undefined;

  /** Resolves true when woken, false when `ms` passed first (by default, only when woken). */
  wait(ms = Infinity): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const done = (woken: boolean): void => {
        clearTimeout(timer);
        if (this.waiting === done) this.waiting = undefined;
        resolve(woken);
      };
      const timer = Number.isFinite(ms) ? setTimeout(() => done(false), ms) : undefined;
      this.waiting = done;
    });
  }

  /** Wakes the consumer, if it waits. */
  wake(): void {
    this.waiting?.(true);
  }

  /**
   * Wakes the consumer once this turn of the event loop has run its I/O
   * callbacks, so what arrives together is taken together (grpc/arrivals.ts).
   */
  wakeSoon(): void {
    this.soon ??= setImmediate(() => {
      this.soon = undefined;
      this.wake();
    });
  }
}
