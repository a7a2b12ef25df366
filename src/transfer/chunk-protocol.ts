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
  /** Write whole blocks with direct I/O where the file system allows it. */
  directIo: boolean;
  /**
   * Slots of `chunkSize` bytes that chunks are handed over in, shared with
   * the thread; they start at the offset its first reply names (aligned for
   * direct I/O), so the buffer has DIRECT_BLOCK bytes of room beyond them.
   */
  slots: SharedArrayBuffer;
  /** Slots the thread may keep chunks in that came ahead of the whole-file hash. */
  parkSlots: number;
}

export type ChunkRequest =
  /** Check the chunk in the slot against its hash and, if it matches, write it. */
  | { op: 'store'; id: number; index: number; slot: number; length: number }
  /** Every chunk is written: finish the whole-file hash. */
  | { op: 'digest'; id: number }
  /** Close the file once writes in flight are done (answered `ok`). */
  | { op: 'close'; id: number };

/** The thread's first message: where the slots start in the shared buffer. */
export interface ChunkThreadReady {
  slotsOffset: number;
}

/**
 * A store's reply also frees its slot, unless `parked`: the thread keeps the
 * chunk until the whole-file hash reaches it, then says `freed`.
 */
export type ChunkReply =
  | { id: number; ok: boolean; parked?: boolean }
  | { id: number; digest: string }
  | { id: number; error: string };

/** A parked chunk's slot is free again. */
export interface ChunkSlotFreed {
  freed: number;
}
