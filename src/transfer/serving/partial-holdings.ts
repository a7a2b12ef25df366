// The fetches under way whose chunks may be served: their metadata, the live
// map of chunks written (only ever set once a chunk's bytes are on disk),
// which of them are not checked against their hash yet, and the partial
// file. A chunk is checked before it is served. A fetch is listed once it
// re-verified what an earlier run left, never before.
import type { ChunkMap } from '../chunk-map.js';
import type { FileMeta } from '../metadata.js';

export interface PartialHolding {
  meta: FileMeta;
  /** Chunks written; the fetch keeps filling it in. */
  done: ChunkMap;
  /** Those of them not checked against their own hash yet. */
  unchecked: ChunkMap;
  /** Checks one of them from the disk: whether it may be served. */
  check(index: number): Promise<boolean>;
  /** The partial file. */
  path: string;
  /** The name the file will get. */
  name: string;
}

export class PartialHoldings {
  private readonly bySha = new Map<string, PartialHolding>();

  /** Lists a holding; returns the removal (a no-op once another took its place). */
  add(holding: PartialHolding): () => void {
    const sha256 = holding.meta.sha256;
    this.bySha.set(sha256, holding);
    return () => {
      if (this.bySha.get(sha256) === holding) this.bySha.delete(sha256);
    };
  }

  get(sha256: string): PartialHolding | undefined {
    return this.bySha.get(sha256);
  }
}
