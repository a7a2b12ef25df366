// The whole-file SHA-256, computed while chunks arrive: chunks are hashed in
// file order, from the verified buffers when they are still at hand (kept up
// to a byte budget), else read back from the partial file.
import { createHash } from 'node:crypto';
import type { ChunkMap } from './chunk-map.js';

export interface WholeHasherInit {
  count: number;
  chunkLength(index: number): number;
  /** Reads a verified chunk back from the partial file. */
  read(index: number): Promise<Buffer>;
  /** Bytes of out-of-order chunks kept in memory (default 8 MiB); the rest is read back. */
  budget?: number;
}

export class WholeHasher {
  private readonly hash = createHash('sha256');
  private readonly held = new Map<number, Buffer>();
  private heldBytes = 0;
  private cursor = 0;
  private running: Promise<void> | undefined;
  private failed: Error | undefined;

  constructor(
    private readonly done: ChunkMap,
    private readonly init: WholeHasherInit,
  ) {}

  /** A chunk was verified: hash it now if it is next, or keep it for later if there is room. */
  offer(index: number, data: Buffer): void {
    if (index < this.cursor || this.held.has(index)) return;
    const budget = this.init.budget ?? 8 * 1024 * 1024;
    // The next chunk is always kept: it is hashed right away.
    if (index > this.cursor && this.heldBytes + data.length > budget) return;
    this.held.set(index, data);
    this.heldBytes += data.length;
    if (index === this.cursor) void this.advance();
  }

  /** Hashes the rest and returns the hex digest; every chunk must be done. */
  async digest(): Promise<string> {
    for (;;) {
      await this.advance();
      if (this.failed) throw this.failed;
      if (this.cursor >= this.init.count) return this.hash.digest('hex');
      if (!this.done.has(this.cursor)) throw new Error(`chunk ${this.cursor} is not verified`);
    }
  }

  /** One loop at a time walks the cursor forward. */
  private advance(): Promise<void> {
    this.running ??= this.walk().finally(() => (this.running = undefined));
    return this.running;
  }

  private async walk(): Promise<void> {
    while (!this.failed && this.cursor < this.init.count && this.done.has(this.cursor)) {
      let data = this.held.get(this.cursor);
      if (data) {
        this.held.delete(this.cursor);
        this.heldBytes -= data.length;
      } else {
        try {
          data = await this.init.read(this.cursor);
        } catch (err) {
          this.failed = err as Error;
          return;
        }
      }
      this.hash.update(data);
      this.cursor++;
    }
  }
}
