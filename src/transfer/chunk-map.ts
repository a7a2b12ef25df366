// Which chunks of a file are verified and written: one bit per chunk.

export class ChunkMap {
  private readonly bits: Uint8Array;
  private done = 0;

  constructor(readonly count: number) {
    this.bits = new Uint8Array(Math.ceil(count / 8));
  }

  /** A map from its base64 form; chunks past `count` are ignored. */
  static fromBase64(count: number, encoded: string): ChunkMap {
    const map = new ChunkMap(count);
    const bytes = Buffer.from(encoded, 'base64');
    for (let i = 0; i < count; i++) {
      if (i >> 3 < bytes.length && bytes[i >> 3]! & (1 << (i & 7))) map.set(i);
    }
    return map;
  }

  /**
   * A map from its bytes as a peer sent them (bit i of byte i/8, least
   * significant first); undefined unless there is exactly one byte per 8 chunks.
   */
  static fromBytes(count: number, bytes: Uint8Array): ChunkMap | undefined {
    if (bytes.length !== Math.ceil(count / 8)) return undefined;
    const map = new ChunkMap(count);
    for (let i = 0; i < count; i++) if (bytes[i >> 3]! & (1 << (i & 7))) map.set(i);
    return map;
  }

  has(index: number): boolean {
    return (this.bits[index >> 3]! & (1 << (index & 7))) !== 0;
  }

  set(index: number): void {
    if (this.has(index)) return;
    this.bits[index >> 3]! |= 1 << (index & 7);
    this.done++;
  }

  unset(index: number): void {
    if (!this.has(index)) return;
    this.bits[index >> 3]! &= ~(1 << (index & 7));
    this.done--;
  }

  /** Chunks set. */
  get size(): number {
    return this.done;
  }

  get complete(): boolean {
    return this.done === this.count;
  }

  /** A copy of the bitmap (see fromBytes). */
  toBytes(): Uint8Array {
    return Uint8Array.from(this.bits);
  }

  toBase64(): string {
    return Buffer.from(this.bits).toString('base64');
  }

  /** Indexes of the chunks set, ascending. */
  *indexes(): Generator<number> {
    for (let i = 0; i < this.count; i++) if (this.has(i)) yield i;
  }
}
