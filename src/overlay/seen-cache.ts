// Query ids this peer has already served: bounded in size and in time, so a
// flood of ids cannot grow it and an old id is forgotten once no copy of it
// can still be travelling.

export class SeenCache {
  /** Insertion order is expiry order: every entry lives the same ttlMs. */
  private readonly expires = new Map<string, number>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  /** Records `id`; false when it was already there (a duplicate). */
  add(id: string, now = Date.now()): boolean {
    this.prune(now);
    if (this.expires.has(id)) return false;
    this.expires.set(id, now + this.ttlMs);
    while (this.expires.size > this.maxEntries) {
      this.expires.delete(this.expires.keys().next().value!);
    }
    return true;
  }

  get size(): number {
    return this.expires.size;
  }

  private prune(now: number): void {
    for (const [id, at] of this.expires) {
      if (at > now) break;
      this.expires.delete(id);
    }
  }
}
