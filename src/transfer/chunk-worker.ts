// The body of a fetch's chunk thread: checks each received chunk against its
// SHA-256, writes it into the partial file, and feeds the whole-file hash in
// file order, so neither hashing nor file writes run on the daemon's event
// loop. Chunks come in slot buffers this thread made once, moved to the fetch
// and back with every chunk (never copied, never shared: a copy into shared
// memory runs at a fraction of memcpy's speed), so nothing is allocated per
// chunk. Whole blocks go to the disk by direct I/O where the file system
// allows it (see direct-io.ts).
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, write } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ChunkMap } from './chunk-map.js';
import type {
  ChunkReply,
  ChunkRequest,
  ChunkSlotFreed,
  ChunkThreadReady,
  ChunkWorkerInit,
} from './chunk-protocol.js';
import { DIRECT_BLOCK, findAlignedOffset, isBlockAligned, openDirect } from './direct-io.js';

const init = workerData as ChunkWorkerInit;
const port = parentPort!;
const count = init.chunkHashes.length / 32;
const expected = Buffer.from(init.chunkHashes.buffer, init.chunkHashes.byteOffset, count * 32);
/** Chunks verified on disk: there when the fetch started, or written since. */
const onDisk = ChunkMap.fromBase64(count, init.onDisk);
const whole = createHash('sha256');
let cursor = 0;
const fd = openSync(init.path, 'r+');

/** The direct descriptor; slots and read-back buffer are aligned for it. */
const directFd = init.directIo && init.size >= DIRECT_BLOCK ? openDirect(init.path) : undefined;
/** directFd while direct I/O works. */
let direct = directFd;
/** Writes on the libuv pool: the file is closed only once they are done. */
let writing = 0;
let closing = false;
let closed: (() => void) | undefined;
const readSpace = Buffer.allocUnsafeSlow(init.chunkSize + DIRECT_BLOCK);
const readBuffer = readSpace.subarray(alignFor(readSpace) ?? 0);
/** Where each slot's chunk starts in its buffer. */
const slotOffsets: number[] = [];

/** The aligned offset into `buffer`; without one, direct I/O is given up. */
function alignFor(buffer: Buffer): number | undefined {
  if (direct === undefined) return undefined;
  const at = findAlignedOffset(direct, fd, buffer);
  if (at === undefined) direct = undefined;
  return at;
}

function chunkLength(index: number): number {
  return Math.min(init.chunkSize, init.size - index * init.chunkSize);
}

function readBack(index: number): Buffer {
  const length = chunkLength(index);
  const position = index * init.chunkSize;
  // Direct reads only where direct writes went: a short last chunk sits in the page cache.
  const from = direct !== undefined && isBlockAligned(position, length) ? direct : fd;
  for (let at = 0; at < length;) {
    const n = readSync(from, readBuffer, at, length - at, position + at);
    if (n === 0) throw new Error(`the partial file ends inside chunk ${index}`);
    at += n;
  }
  return readBuffer.subarray(0, length);
}

/**
 * Chunks that came ahead of the whole-file hash, kept in their slots until
 * its turn (then the slot goes back): several requests in flight interleave,
 * so most chunks arrive a little early, and reading them back from the disk
 * cost the thread about as much as hashing them. Beyond `parkSlots`, they
 * are read back after all.
 */
interface Parked {
  slot: number;
  buffer: ArrayBuffer;
  data: Buffer;
  written: boolean;
  hashed: boolean;
}
const parked = new Map<number, Parked>();

/** Hashes forward over the chunks parked or already on disk. */
function advance(): void {
  while (cursor < count) {
    const early = parked.get(cursor);
    if (early) {
      whole.update(early.data);
      early.hashed = true;
      unpark(cursor);
    } else if (onDisk.has(cursor)) {
      whole.update(readBack(cursor));
    } else {
      return;
    }
    cursor++;
  }
}

/** A parked chunk both hashed and written gives its slot back. */
function unpark(index: number): void {
  const p = parked.get(index);
  if (!p?.hashed || !p.written) return;
  parked.delete(index);
  port.postMessage({ freed: p.slot, buffer: p.buffer } satisfies ChunkSlotFreed, [p.buffer]);
}

/** Writes all of `data` at `position` on the libuv pool, while this thread hashes on. */
function writeAll(data: Buffer, position: number, done: (err: Error | null) => void): void {
  const to = direct !== undefined && isBlockAligned(position, data.length) ? direct : fd;
  writing++;
  write(to, data, 0, data.length, position, (err, n) => {
    writing--;
    if (err && to === directFd && err.code === 'EINVAL') {
      // The file system took the descriptor but not this write: write plainly from now on.
      direct = undefined;
      return writeAll(data, position, done);
    }
    if (err) done(err);
    else if (n < data.length) writeAll(data.subarray(n), position + n, done);
    else done(null);
    if (writing === 0) closed?.();
  });
}

/** Closes the file once no write is in flight (a closed descriptor's number can be reused). */
function close(then: () => void): void {
  closing = true;
  closed = () => {
    closed = undefined;
    if (directFd !== undefined) closeSync(directFd);
    closeSync(fd);
    then();
  };
  if (writing === 0) closed();
}

function store(id: number, index: number, slot: number, buffer: ArrayBuffer, data: Buffer): void {
  const digest = createHash('sha256').update(data).digest();
  if (!digest.equals(expected.subarray(index * 32, index * 32 + 32))) {
    return reply({ id, ok: false, buffer });
  }
  let park: Parked | undefined;
  if (index === cursor) {
    whole.update(data);
    cursor++;
  } else if (index > cursor && parked.size < init.parkSlots && !parked.has(index)) {
    park = { slot, buffer, data, written: false, hashed: false };
    parked.set(index, park);
  }
  writeAll(data, index * init.chunkSize, (err) => {
    if (err) {
      if (park) parked.delete(index);
      return reply({ id, error: err.message, buffer });
    }
    onDisk.set(index);
    if (park) park.written = true;
    try {
      advance();
    } catch (e) {
      if (park) parked.delete(index);
      return reply({ id, error: (e as Error).message, buffer });
    }
    if (!park) return reply({ id, ok: true, buffer });
    // A parked chunk's buffer comes back later, with `freed` (maybe just now).
    reply({ id, ok: true, parked: true });
    unpark(index);
  });
}

function reply(message: ChunkReply): void {
  const moved = 'buffer' in message && message.buffer ? [message.buffer] : [];
  port.postMessage(message, moved);
}

const slots = Array.from({ length: init.slots }, () => {
  // Pages are only touched (and counted) once a chunk is written into them.
  const buffer = new ArrayBuffer(init.chunkSize + DIRECT_BLOCK);
  const offset = alignFor(Buffer.from(buffer)) ?? 0;
  slotOffsets.push(offset);
  return { buffer, offset };
});
port.postMessage(
  { slots } satisfies ChunkThreadReady,
  slots.map((s) => s.buffer),
);
port.on('message', (req: ChunkRequest) => {
  try {
    if (closing) throw new Error('the partial file is closed');
    if (req.op === 'store') {
      const data = Buffer.from(req.buffer, slotOffsets[req.slot], req.length);
      return store(req.id, req.index, req.slot, req.buffer, data);
    }
    if (req.op === 'close') return close(() => reply({ id: req.id, ok: true }));
    advance();
    if (cursor < count) throw new Error(`chunk ${cursor} is not on disk`);
    reply({ id: req.id, digest: whole.digest('hex') });
  } catch (err) {
    // A store's buffer goes back unless it already did (a moved buffer is empty here).
    const buffer = req.op === 'store' && req.buffer.byteLength > 0 ? req.buffer : undefined;
    reply({ id: req.id, error: (err as Error).message, ...(buffer ? { buffer } : {}) });
  }
});
