// Query ids this peer has already served, each with what it did for the
// query (route-plan.ts's RouteState): bounded in size and in time, so a
// flood of ids cannot grow it and an old id is forgotten once no copy of it
// can still be travelling.

export class SeenCache<V> {
  /** Insertion order is expiry order: every entry lives the same ttlMs. */
  private readonly entries = new Map<string, { expires: number; value: V }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  /** The entry of `id`, made with `make` when new; `first` says whether it was. */
  claim(id: string, make: () => V, now = Date.now()): { first: boolean; value: V } {
    this.prune(now);
    const held = this.entries.get(id);
    if (held) return { first: false, value: held.value };
    const value = make();
    this.entries.set(id, { expires: now + this.ttlMs, value });
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    return { first: true, value };
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(now: number): void {
    for (const [id, { expires }] of this.entries) {
      if (expires > now) break;
      this.entries.delete(id);
    }
  }
}
