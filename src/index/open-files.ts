// Shared files kept open between Download requests. A fetch asks a source for
// its file a few MiB at a time, a swarm one chunk at a time, and opening and
// closing the file for each request cost the source two trips to the libuv
// pool (a tenth of its CPU when asked 1 MiB at a time: 2.8 -> 2.5 CPU-s per
// GiB here) and, on a busy machine, two waits for a pool thread before the
// first byte. A handle is lent again only for the inode the path still names,
// unchanged (the caller has just stat'd it, as every request does), and is
// closed once nobody used it for IDLE_MS. A file deleted from the share
// meanwhile keeps its disk space until then.
import { open, type FileHandle } from 'node:fs/promises';
import type { FoundFile } from './scanner.js';

/** What a reader of a shared file needs: a FileHandle is one. */
export interface ReadableFile {
  read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

/** An unused handle is closed after this long, ms. */
export const IDLE_MS = 10_000;
/** Handles kept at most (each a descriptor); beyond, files are opened per request. */
export const MAX_OPEN = 64;

interface Kept {
  file: FoundFile;
  handle: FileHandle;
  /** Readers lent the handle and not done with it. */
  users: number;
  idle: NodeJS.Timeout | undefined;
  /** No longer lent (the file changed, or all were closed): closed once its users are done. */
  dropped: boolean;
}

export class OpenFiles {
  private readonly kept = new Map<string, Kept>();
  private closed = false;

  constructor(
    private readonly options: { idleMs: number; max: number } = { idleMs: IDLE_MS, max: MAX_OPEN },
  ) {}

  /** Descriptors kept, and readers using them now. */
  get stats(): { files: number; readers: number } {
    let readers = 0;
    for (const k of this.kept.values()) readers += k.users;
    return { files: this.kept.size, readers };
  }

  /** A reader of `file`, which the caller has just stat'd; close it when done. */
  async open(file: FoundFile): Promise<ReadableFile> {
    const kept = this.keptFor(file);
    if (kept) return this.lend(kept);
    const handle = await open(file.abs, 'r');
    let s;
    try {
      s = await handle.stat();
    } catch (err) {
      await closeQuietly(handle);
      throw err;
    }
    // Another request kept one meanwhile: that one serves.
    const raced = this.keptFor(file);
    if (raced) {
      void closeQuietly(handle);
      return this.lend(raced);
    }
    // The path names another file by now, or no room: this handle serves this request only.
    const opened = { ino: s.ino, size: s.size, mtimeMs: Math.floor(s.mtimeMs) };
    if (this.closed || !sameFile(opened, file) || !this.roomForOne()) return handle;
    const fresh: Kept = { file, handle, users: 0, idle: undefined, dropped: false };
    this.kept.set(file.abs, fresh);
    return this.lend(fresh);
  }

  /** The handle kept for `file`'s path if it is that very file; one kept for another is dropped. */
  private keptFor(file: FoundFile): Kept | undefined {
    const kept = this.kept.get(file.abs);
    if (!kept || sameFile(kept.file, file)) return kept;
    void this.drop(kept);
    return undefined;
  }

  /** Closes every handle (those lent, once their readers are done); later opens are not kept. */
  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.kept.values()].map((k) => this.drop(k)));
  }

  private lend(kept: Kept): ReadableFile {
    kept.users++;
    clearTimeout(kept.idle);
    let done = false;
    return {
      read: (buffer, offset, length, position) =>
        kept.handle.read(buffer, offset, length, position),
      close: async () => {
        if (done) return;
        done = true;
        if (--kept.users > 0) return;
        if (kept.dropped) return closeQuietly(kept.handle);
        kept.idle = setTimeout(() => void this.drop(kept), this.options.idleMs);
        kept.idle.unref();
      },
    };
  }

  /** Stops lending `kept`, and closes it now if nobody uses it (else its last user does). */
  private async drop(kept: Kept): Promise<void> {
    kept.dropped = true;
    clearTimeout(kept.idle);
    if (this.kept.get(kept.file.abs) === kept) this.kept.delete(kept.file.abs);
    if (kept.users === 0) await closeQuietly(kept.handle);
  }

  /** Room for one more kept handle, closing an idle one (the oldest kept) if need be. */
  private roomForOne(): boolean {
    if (this.kept.size < this.options.max) return true;
    // Map order is insertion order: the first idle one found is the oldest.
    for (const k of this.kept.values()) {
      if (k.users === 0) {
        void this.drop(k);
        return true;
      }
    }
    return false;
  }
}

/** A read-only descriptor's close fails only if it is already closed: nothing to do. */
async function closeQuietly(handle: FileHandle): Promise<void> {
  await handle.close().catch(() => undefined);
}

/** The identity a file is lent by: its inode, unchanged. */
type Identity = Pick<FoundFile, 'ino' | 'size' | 'mtimeMs'>;

function sameFile(a: Identity, b: Identity): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
