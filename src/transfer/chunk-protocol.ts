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
   * Slot buffers the thread makes (aligned for direct I/O) and hands to the
   * fetch in its first message; each then goes back and forth, moved (not
   * copied) with every chunk.
   */
  slots: number;
  /** Slots the thread may keep chunks in that came ahead of the whole-file hash. */
  parkSlots: number;
}

/** The thread's first message from the fetch: the file it works on. */
export interface ChunkWorkerStart {
  init: ChunkWorkerInit;
}

export type ChunkRequest =
  /**
   * Write the chunk in the slot's buffer (moved here); with `check`, only if
   * it matches its hash.
   */
  | {
      op: 'store';
      id: number;
      index: number;
      slot: number;
      length: number;
      buffer: ArrayBuffer;
      check: boolean;
    }
  /** Read these chunks back and check them against their hashes (answered `bad`). */
  | { op: 'check'; id: number; indexes: number[] }
  /** Every chunk is written: finish the whole-file hash. */
  | { op: 'digest'; id: number }
  /** Close the file once writes in flight are done (answered `ok`). */
  | { op: 'close'; id: number };

/**
 * The thread's first message: the slot buffers (moved to the fetch), each
 * with the offset its chunk starts at (aligned for direct I/O).
 */
export interface ChunkThreadReady {
  slots: { buffer: ArrayBuffer; offset: number }[];
}

/**
 * A store's reply moves its slot's buffer back, unless `parked`: the thread
 * keeps the chunk until the whole-file hash reaches it, then says `freed`.
 */
export type ChunkReply =
  | { id: number; ok: boolean; parked?: boolean; buffer?: ArrayBuffer }
  | { id: number; digest: string }
  | { id: number; bad: number[] }
  | { id: number; error: string; buffer?: ArrayBuffer };

/** A parked chunk's slot is free again: its buffer, moved back. */
export interface ChunkSlotFreed {
  freed: number;
  buffer: ArrayBuffer;
}
