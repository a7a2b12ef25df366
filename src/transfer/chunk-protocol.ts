// Messages between a fetch and its chunk thread (chunk-worker.ts).

export interface ChunkWorkerInit {
  /** The partial file: chunks are written into it and read back from it. */
  path: string;
  size: number;
  chunkSize: number;
  chunkHashes: string[];
  /** Chunk map (base64) of the chunks verified on disk before any arrives. */
  onDisk: string;
  /** Bytes of chunks received ahead of the whole-file hash that the thread keeps. */
  budget: number;
}

export type ChunkRequest =
  /** Check a chunk against its hash and, if it matches, write it. */
  | { op: 'store'; id: number; index: number; buffer: ArrayBuffer; offset: number; length: number }
  /** Every chunk is written: finish the whole-file hash. */
  | { op: 'digest'; id: number };

export type ChunkReply =
  { id: number; ok: boolean } | { id: number; digest: string } | { id: number; error: string };
