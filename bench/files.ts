// The transfer bench's file: written once from random bytes, and every
// received copy hashed whole against it.
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { MiB } from './table.js';

/** Writes `size` random bytes to `path`; returns their SHA-256 (hex). */
export async function writeRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(path, 'w');
  try {
    const block = Buffer.allocUnsafe(16 * MiB);
    for (let done = 0; done < size;) {
      const n = Math.min(block.length, size - done);
      randomFillSync(block, 0, n);
      hash.update(block.subarray(0, n));
      await handle.write(block, 0, n);
      done += n;
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** SHA-256 (hex) of a whole file. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path, { highWaterMark: MiB }))
    hash.update(piece as Buffer);
  return hash.digest('hex');
}
