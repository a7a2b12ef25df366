// The fetches under way whose chunks may be served: their metadata, the live
// map of chunks verified and written (only ever set once a chunk's hash
// matched and its bytes are on disk) and the partial file. A fetch is listed
// once it re-verified what an earlier run left, never before.
import type { ChunkMap } from '../chunk-map.js';
import type { FileMeta } from '../metadata.js';

export interface PartialHolding {
  meta: FileMeta;
  /** Verified chunks; the fetch keeps filling it in. */
  done: ChunkMap;
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
