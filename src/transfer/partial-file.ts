// The bytes of an unfinished fetch (written at their offsets by the fetch's
// chunk thread). Writeback to disk is started in the background as data
// comes in, so the final fsync has little left to do; the chunk map never
// depends on it (a resumed fetch re-verifies every chunk it finds on disk).
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Start a background flush after this many new bytes. */
const FLUSH_EVERY = 64 * 1024 * 1024;

export class PartialFile {
  private unflushed = 0;
  private flushing: Promise<void> | undefined;
  private closed = false;

  private constructor(private readonly handle: FileHandle) {}

  /** Opens (or creates) the file and sets its length. */
  static async open(path: string, size: number): Promise<PartialFile> {
    const handle = await open(path, constants.O_RDWR | constants.O_CREAT);
    try {
      await handle.truncate(size);
    } catch (err) {
      await handle.close();
      throw err;
    }
    return new PartialFile(handle);
  }

  /** Notes bytes written through another descriptor, to flush them in the background. */
  wrote(bytes: number): void {
    this.unflushed += bytes;
    if (this.unflushed >= FLUSH_EVERY && !this.flushing && !this.closed) {
      this.unflushed = 0;
      this.flushing = this.handle
        .datasync()
        .catch(() => undefined)
        .finally(() => (this.flushing = undefined));
    }
  }

  /** Reads up to `length` bytes at `offset` (fewer at the end of the file). */
  async read(offset: number, length: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(length);
    let at = 0;
    while (at < length) {
      const { bytesRead } = await this.handle.read(buffer, at, length - at, offset + at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return buffer.subarray(0, at);
  }

  /** Makes every byte durable. */
  async sync(): Promise<void> {
    await this.flushing;
    await this.handle.sync();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    await this.handle.close();
  }
}
