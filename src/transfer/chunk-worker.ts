// The body of a fetch's chunk thread: writes each received chunk into the
// partial file and feeds the whole-file hash in file order, so neither
// hashing nor file writes run on the daemon's event loop. A chunk is checked
// against its own SHA-256 when the fetch asks (see spot-checks.ts): the
// whole-file hash covers every byte, so checking each chunk as well would
// hash the file twice; chunks not checked on arrival are checked here later,
// read back, when one is served to a peer or the whole-file hash fails.
// Chunks come in slot buffers this thread made once, moved to the fetch and
// back with every chunk (never copied, never shared: a copy into shared
// memory runs at a fraction of memcpy's speed), so nothing is allocated per
// chunk. Whole blocks go to the disk by direct I/O where the file system
// allows it (see direct-io.ts).
import { createHash } from 'node:crypto';
import { closeSync, openSync, read, write } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { ChunkMap } from './chunk-map.js';
import type {
  ChunkReply,
  ChunkRequest,
  ChunkSlotFreed,
  ChunkThreadReady,
  ChunkWorkerInit,
  ChunkWorkerStart,
} from './chunk-protocol.js';
import {
  DIRECT_BLOCK,
  findAlignedOffset,
  isBlockAligned,
  openDirect,
  pageAlignedArrayBuffer,
} from './direct-io.js';

const port = parentPort!;
/** Chunks read back at once for the whole-file hash (see readAhead). */
const READ_AHEAD = 2;
// This thread runs at the event loop's priority. Tried, not kept: ten nice steps below it
// (Linux keeps nice per thread), so that a chunk's wake-up no longer takes the core from the
// loop (a profile put 430 ms of a 1 GiB fetch's loop samples in postMessage). Over 4
// interleaved runs 1 source fetched 228-271 MiB/s against 222-269, but 3 sources 197-233
// against 215-254; in a 5-run bench the thread fell behind and held more slots: fetcher peak
// RSS 125 MiB from 1 source (115 before), 128 on the plaintext wire.
// Nor SCHED_BATCH (`chrt -b`: no wake-up preemption, no nice penalty), within noise over 14
// interleaved runs: 1 source 275-431 MiB/s against 284-461 (medians 366 and 373), 3 sources
// 304-420 against 254-403 (medians 364 and 352); the later 8 runs favoured the default in both.

// One file at a time. A fetch boots its thread before it knows the file (see
// chunk-thread.ts), and a thread whose file was closed waits for the next
// fetch's: booting one costs 75-240 ms here, a small file's whole fetch.
for (;;) await serveFile(await nextStart());

/** The next fetch's file. */
function nextStart(): Promise<ChunkWorkerInit> {
  return new Promise((resolve) => {
    const onMessage = (message: ChunkWorkerStart | ChunkRequest): void => {
      // A request sent to the file before this one after all (nobody waits for its answer).
      if (!('init' in message)) return;
      port.off('message', onMessage);
      resolve(message.init);
    };
    port.on('message', onMessage);
  });
}

/** Works on one partial file until the fetch closes it; then nothing of it is sent any more. */
function serveFile(init: ChunkWorkerInit): Promise<void> {
  return new Promise<void>((fileClosed) => {
    const count = init.chunkHashes.length / 32;
    const expected = Buffer.from(init.chunkHashes.buffer, init.chunkHashes.byteOffset, count * 32);
    /** Chunks verified on disk: there when the fetch started, or written since. */
    const onDisk = ChunkMap.fromBase64(count, init.onDisk);
    const whole = createHash('sha256');
    let cursor = 0;
    const fd = openSync(init.path, 'r+');

    /** The direct descriptor; slots and read-back buffer are aligned for it. */
    const directFd = init.directIo && init.size >= DIRECT_BLOCK ? openDirect(init.path) : undefined;
    /** Room for the largest chunk and the alignment; a file shorter than a chunk needs less. */
    const room = Math.min(init.chunkSize, init.size) + DIRECT_BLOCK;

    /** directFd while direct I/O works. */
    let direct = directFd;
    /** Writes and reads on the libuv pool: the file is closed only once they are done. */
    let busy = 0;
    let closing = false;
    let closed: (() => void) | undefined;
    /** The file is closed and its close answered: the thread may serve another fetch. */
    let over = false;
    /** Chunks are read back for checks into this, one at a time (see check). */
    const checkBuffer = alignedBuffer();
    /** Where each slot's chunk starts in its buffer. */
    const slotOffsets: number[] = [];

    /** The aligned offset into `buffer`; without one, direct I/O is given up. */
    function alignFor(buffer: Buffer): number | undefined {
      if (direct === undefined) return undefined;
      const at = findAlignedOffset(direct, fd, buffer);
      if (at === undefined) direct = undefined;
      return at;
    }

    /** Room for one chunk, aligned for direct reads. */
    function alignedBuffer(): Buffer {
      const space = Buffer.from(pageAlignedArrayBuffer(room));
      return space.subarray(alignFor(space) ?? 0);
    }

    function chunkLength(index: number): number {
      return Math.min(init.chunkSize, init.size - index * init.chunkSize);
    }

    /**
     * Reads a chunk back from the file on the libuv pool, so this thread hashes
     * arriving chunks meanwhile instead of waiting for the disk.
     */
    function readBack(
      index: number,
      into: Buffer,
      done: (err: Error | null, data?: Buffer) => void,
    ): void {
      const length = chunkLength(index);
      const position = index * init.chunkSize;
      // Direct reads only where direct writes went: a short last chunk sits in the page cache.
      const from = direct !== undefined && isBlockAligned(position, length) ? direct : fd;
      const step = (at: number): void => {
        if (at === length) return done(null, into.subarray(0, length));
        busy++;
        read(from, into, at, length - at, position + at, (err, n) => {
          busy--;
          if (busy === 0) closed?.();
          if (closing) return done(new Error('the partial file is closed'));
          if (err) return done(err);
          if (n === 0) return done(new Error(`the partial file ends inside chunk ${index}`));
          step(at + n);
        });
      };
      step(0);
    }

    /**
     * Chunks that came ahead of the whole-file hash, kept in their slots until
     * its turn (then the slot goes back): several requests in flight interleave,
     * so most chunks arrive a little early, and reading them back from the disk
     * cost the thread about as much as hashing them. Beyond `parkSlots`, they
     * are read back after all (off this thread, see readBack).
     */
    interface Parked {
      slot: number;
      buffer: ArrayBuffer;
      data: Buffer;
      written: boolean;
      /** Hashed from here, or given up for a chunk nearer the hash (read back later). */
      done: boolean;
    }
    const parked = new Map<number, Parked>();

    /** Why hashing forward stopped for good (a failed read-back). */
    let advanceError: Error | undefined;
    /** Digest requests waiting for the read-backs to finish. */
    const whenAdvanced: (() => void)[] = [];
    /** A chunk being read back for the whole-file hash: its bytes or why not, once read. */
    interface ReadBack {
      buffer: Buffer;
      read?: Buffer | Error;
    }
    /** Read-backs under way, of the chunks from the cursor on, in order. */
    const reading: ReadBack[] = [];
    /**
     * Read-back buffers not in use. All made now: finding a buffer's aligned
     * offset rewrites the file's first block, which a fetch may be writing.
     */
    const readBuffers = Array.from({ length: READ_AHEAD }, () => alignedBuffer());

    /** Hashes forward over the chunks parked or already on disk. */
    function advance(): void {
      while (!advanceError) {
        const head = reading[0];
        if (head) {
          if (!head.read) return readAhead();
          reading.shift();
          if (head.read instanceof Error) advanceError = head.read;
          else {
            whole.update(head.read);
            cursor++;
          }
          readBuffers.push(head.buffer);
          continue;
        }
        if (cursor >= count) break;
        const early = parked.get(cursor);
        if (early) {
          whole.update(early.data);
          early.done = true;
          unpark(cursor);
          cursor++;
        } else if (onDisk.has(cursor)) {
          return readAhead();
        } else {
          break;
        }
      }
      for (const wake of whenAdvanced.splice(0)) wake();
    }

    /**
     * Reads back the chunks on disk that follow those being read, two at
     * once. One at a time, three sources on 8 MiB runs each (a trial) left
     * the hash behind the chunks arriving for good: 870-960 of a 1 GiB
     * fetch's 1024 chunks were read back, and the digest came 140-330 ms
     * after the last chunk (two at once: 410-600, once 870, and 0-70 ms;
     * four: no fewer, and 4 MiB more memory). A resumed fetch's chunks on
     * disk are read back the same way.
     */
    function readAhead(): void {
      for (
        let next = cursor + reading.length;
        reading.length < READ_AHEAD && next < count && onDisk.has(next) && !parked.has(next);
        next++
      ) {
        const r: ReadBack = { buffer: readBuffers.pop()! };
        reading.push(r);
        readBack(next, r.buffer, (err, data) => {
          r.read = err ?? data!;
          advance();
        });
      }
    }

    /**
     * Keeps a chunk that came early, if there is room or it is nearer the hash
     * than the farthest kept one (which then goes): the chunks kept are always
     * the next ones the hash needs.
     */
    function park(
      index: number,
      slot: number,
      buffer: ArrayBuffer,
      data: Buffer,
    ): Parked | undefined {
      if (index <= cursor || parked.has(index) || init.parkSlots === 0) return undefined;
      if (parked.size >= init.parkSlots) {
        // Only a chunk already on disk can go: it is read back when its turn comes.
        let farthest = -1;
        for (const [i, p] of parked) if (p.written && i > farthest) farthest = i;
        if (farthest < index) return undefined;
        parked.get(farthest)!.done = true;
        unpark(farthest);
      }
      const p: Parked = { slot, buffer, data, written: false, done: false };
      parked.set(index, p);
      return p;
    }

    /** A parked chunk both written and hashed (or given up) gives its slot back. */
    function unpark(index: number): void {
      const p = parked.get(index);
      if (!p?.done || !p.written) return;
      parked.delete(index);
      post({ freed: p.slot, buffer: p.buffer } satisfies ChunkSlotFreed, [p.buffer]);
    }

    /** Writes all of `data` at `position` on the libuv pool, while this thread hashes on. */
    function writeAll(data: Buffer, position: number, done: (err: Error | null) => void): void {
      const to = direct !== undefined && isBlockAligned(position, data.length) ? direct : fd;
      busy++;
      write(to, data, 0, data.length, position, (err, n) => {
        busy--;
        if (err && to === directFd && err.code === 'EINVAL') {
          // The file system took the descriptor but not this write: write plainly from now on.
          direct = undefined;
          return writeAll(data, position, done);
        }
        if (err) done(err);
        else if (n < data.length) writeAll(data.subarray(n), position + n, done);
        else done(null);
        if (busy === 0) closed?.();
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
      if (busy === 0) closed();
    }

    function matches(index: number, data: Buffer): boolean {
      const digest = createHash('sha256').update(data).digest();
      return digest.equals(expected.subarray(index * 32, index * 32 + 32));
    }

    function store(
      id: number,
      index: number,
      slot: number,
      buffer: ArrayBuffer,
      data: Buffer,
      check: boolean,
    ): void {
      if (check && !matches(index, data)) return reply({ id, ok: false, buffer });
      let kept: Parked | undefined;
      if (index === cursor) {
        whole.update(data);
        cursor++;
      } else {
        kept = park(index, slot, buffer, data);
      }
      writeAll(data, index * init.chunkSize, (err) => {
        if (err) {
          if (kept) parked.delete(index);
          return reply({ id, error: err.message, buffer });
        }
        onDisk.set(index);
        if (kept) kept.written = true;
        advance();
        if (!kept) return reply({ id, ok: true, buffer });
        // A parked chunk's buffer comes back later, with `freed` (maybe just now).
        reply({ id, ok: true, parked: true });
        unpark(index);
      });
    }

    /** Checks run one after another: they share one read-back buffer. */
    let checking = Promise.resolve();

    /** The chunks among `indexes` whose bytes on disk do not match their hash. */
    function check(id: number, indexes: number[]): void {
      checking = checking
        .then(async () => {
          const bad: number[] = [];
          for (const index of indexes) {
            if (closing) throw new Error('the partial file is closed');
            const data = await new Promise<Buffer>((resolve, reject) =>
              readBack(index, checkBuffer, (err, read) => (err ? reject(err) : resolve(read!))),
            );
            if (!matches(index, data)) bad.push(index);
          }
          reply({ id, bad });
        })
        .catch((err: unknown) => reply({ id, error: (err as Error).message }));
    }

    function reply(message: ChunkReply): void {
      post(message, 'buffer' in message && message.buffer ? [message.buffer] : []);
    }

    /** Everything this file sends goes through here: nothing once it is over. */
    function post(message: ChunkReply | ChunkSlotFreed, moved: ArrayBuffer[]): void {
      if (!over) port.postMessage(message, moved);
    }

    const slots = Array.from({ length: init.slots }, () => {
      // Pages are only touched (and counted) once a chunk is written into them.
      const buffer = pageAlignedArrayBuffer(room);
      const offset = alignFor(Buffer.from(buffer)) ?? 0;
      slotOffsets.push(offset);
      return { buffer, offset };
    });
    port.postMessage(
      { slots } satisfies ChunkThreadReady,
      slots.map((s) => s.buffer),
    );
    const onMessage = (req: ChunkRequest): void => {
      try {
        if (closing) throw new Error('the partial file is closed');
        if (req.op === 'store') {
          const data = Buffer.from(req.buffer, slotOffsets[req.slot], req.length);
          return store(req.id, req.index, req.slot, req.buffer, data, req.check);
        }
        if (req.op === 'check') return check(req.id, req.indexes);
        if (req.op === 'close') {
          return close(() => {
            port.off('message', onMessage);
            reply({ id: req.id, ok: true });
            // Late callbacks of this file (a read-back that ends after the close) must not
            // reach the thread's next fetch.
            over = true;
            fileClosed();
          });
        }
        whenAdvanced.push(() => {
          if (advanceError) return reply({ id: req.id, error: advanceError.message });
          if (cursor < count) return reply({ id: req.id, error: `chunk ${cursor} is not on disk` });
          reply({ id: req.id, digest: whole.digest('hex') });
        });
        advance();
      } catch (err) {
        // A store's buffer goes back unless it already did (a moved buffer is empty here).
        const buffer = req.op === 'store' && req.buffer.byteLength > 0 ? req.buffer : undefined;
        reply({ id: req.id, error: (err as Error).message, ...(buffer ? { buffer } : {}) });
      }
    };
    port.on('message', onMessage);
  });
}
