// Messages between a fetch and its chunk thread (chunk-worker.ts).

export interface ChunkWorkerInit {
  /** The partial file: chunks are written into it and read back from it. */
  path: string;
  size: number;
  chunkSize: number;
  /** The chunks' SHA-256 digests, 32 bytes each, in order (bytes, not strings: no heap for big files). */
  chunkHashes: Uint8Array;
  /** Chunk map (base64) of the chunks verified on disk before any arrives. */
  onDisk: string;
  /** Slots of `chunkSize` bytes that chunks are handed over in, shared with the thread. */
  slots: SharedArrayBuffer;
}

export type ChunkRequest =
  /** Check the chunk in a slot against its hash and, if it matches, write it. */
  | { op: 'store'; id: number; index: number; slot: number; length: number }
  /** Every chunk is written: finish the whole-file hash. */
  | { op: 'digest'; id: number };

/** A store's reply also frees its slot. */
export type ChunkReply =
  { id: number; ok: boolean } | { id: number; digest: string } | { id: number; error: string };
