// Streams a file once and computes its SHA-256 and the SHA-256 of each
// fixed-size chunk. Reads are asynchronous, so a big file never holds the
// event loop for longer than one buffer's hash.
import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';

export interface FileHashes {
  sha256: string;
  chunkHashes: string[];
  size: number;
}

/** Incremental hasher for data arriving in arbitrary pieces. */
export class ChunkedHasher {
  private readonly whole = createHash('sha256');
  private chunk: Hash = createHash('sha256');
  private inChunk = 0;
  private readonly chunkHashes: string[] = [];
  size = 0;

  constructor(private readonly chunkSize: number) {}

  update(data: Uint8Array): void {
    this.whole.update(data);
    this.size += data.length;
    let pos = 0;
    while (pos < data.length) {
      const take = Math.min(this.chunkSize - this.inChunk, data.length - pos);
      this.chunk.update(pos === 0 && take === data.length ? data : data.subarray(pos, pos + take));
      this.inChunk += take;
      pos += take;
      if (this.inChunk === this.chunkSize) {
        this.chunkHashes.push(this.chunk.digest('hex'));
        this.chunk = createHash('sha256');
        this.inChunk = 0;
      }
    }
  }

  digest(): FileHashes {
    if (this.inChunk > 0) this.chunkHashes.push(this.chunk.digest('hex'));
    return { sha256: this.whole.digest('hex'), chunkHashes: this.chunkHashes, size: this.size };
  }
}

const READ_SIZE = 1024 * 1024;

/** Hashes a file; `onBytes` reports progress for throughput metrics; `signal` stops it between reads. */
export async function hashFile(
  path: string,
  chunkSize: number,
  onBytes?: (n: number) => void,
  signal?: AbortSignal,
): Promise<FileHashes> {
  const handle = await open(path, 'r');
  try {
    const hasher = new ChunkedHasher(chunkSize);
    const buffer = Buffer.allocUnsafe(READ_SIZE);
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, READ_SIZE, null);
      if (bytesRead === 0) break;
      hasher.update(buffer.subarray(0, bytesRead));
      onBytes?.(bytesRead);
    }
    return hasher.digest();
  } finally {
    await handle.close();
  }
}
