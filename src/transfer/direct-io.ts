// Direct I/O (O_DIRECT) for a fetch's partial file, used by its chunk thread:
// chunk data goes from the thread's buffers to the disk without a page-cache
// copy. A fetch writes each byte once and does not read it again soon, so
// caching it only costs CPU: here (a VM whose freed memory is handed back to
// the host) filling 1 GiB of fresh page cache took ~2 CPU-s, the same bytes
// written direct next to none (dd: 1.98 s system time vs ~0, at 2 GB/s).
// Where the file system refuses it (tmpfs before Linux 6.6, some FUSE and
// network file systems) or a buffer cannot be aligned, plain writes are used.
import { constants, openSync, readSync, writeSync } from 'node:fs';

/** Offsets and lengths of direct I/O are multiples of this (any sector size up to a page). */
export const DIRECT_BLOCK = 4096;

/** ES2024's ArrayBuffer constructor (TypeScript's ES2023 library does not type its options). */
type ResizableArrayBufferConstructor = new (
  bytes: number,
  options: { maxByteLength: number },
) => ArrayBuffer;

/**
 * Memory for direct I/O that starts on a page boundary. The kernel takes any
 * sector-aligned buffer, but memory that is not whole pages reaches the disk
 * as partial-page segments: on a VM's virtio disk, 1 MiB direct writes from
 * such a buffer ran at 35-350 MiB/s, from a page-aligned one at 1.0-1.5
 * GB/s (and a 1 GiB fetch at a third of its speed). A plain ArrayBuffer
 * comes from malloc, 16-byte aligned; V8 reserves a resizable one's memory
 * from its page allocator, so it starts on a page, and it still moves
 * between threads. (Only pages written to count towards RSS.)
 */
export function pageAlignedArrayBuffer(bytes: number): ArrayBuffer {
  const Resizable = ArrayBuffer as unknown as ResizableArrayBufferConstructor;
  return new Resizable(bytes, { maxByteLength: bytes });
}

/** A descriptor for direct I/O on `path`, or undefined where it is not available. */
export function openDirect(path: string): number | undefined {
  // Undefined on platforms without it (macOS, Windows).
  const O_DIRECT = constants.O_DIRECT as number | undefined;
  if (O_DIRECT === undefined) return undefined;
  try {
    return openSync(path, constants.O_RDWR | O_DIRECT);
  } catch {
    return undefined;
  }
}

/**
 * The first offset into `buffer`, below DIRECT_BLOCK, from which direct writes
 * work, or undefined. Node does not expose a buffer's address, so it is found
 * by writing the file's first block back over itself from each candidate: a
 * misaligned buffer gets EINVAL. (A read cannot tell: reading a hole succeeds
 * from any address.) The file must be at least DIRECT_BLOCK long and nothing
 * else may write its first block meanwhile.
 */
export function findAlignedOffset(
  direct: number,
  plain: number,
  buffer: Buffer,
): number | undefined {
  const first = Buffer.alloc(DIRECT_BLOCK);
  if (readSync(plain, first, 0, DIRECT_BLOCK, 0) !== DIRECT_BLOCK) return undefined;
  // Array buffers start 16-byte aligned.
  for (let at = 0; at < DIRECT_BLOCK && at + DIRECT_BLOCK <= buffer.length; at += 16) {
    first.copy(buffer, at);
    try {
      writeSync(direct, buffer, at, DIRECT_BLOCK, 0);
      return at;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EINVAL') return undefined;
    }
  }
  return undefined;
}

/** Whether a write or read of `length` bytes at `position` can go direct. */
export function isBlockAligned(position: number, length: number): boolean {
  return position % DIRECT_BLOCK === 0 && length % DIRECT_BLOCK === 0 && length > 0;
}
