// The body of a fetch's chunk thread: checks each received chunk against its
// SHA-256, writes it into the partial file, and feeds the whole-file hash in
// file order, so neither hashing nor file writes run on the daemon's event
// loop. Chunks come in slots of a buffer shared with the fetch and nothing is
// allocated per chunk; chunks that arrive ahead of the whole-file hash are
// read back from the file (the page cache) when their turn comes.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, write } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ChunkMap } from './chunk-map.js';
import type { ChunkReply, ChunkRequest, ChunkWorkerInit } from './chunk-protocol.js';

const init = workerData as ChunkWorkerInit;
const port = parentPort!;
const count = init.chunkHashes.length / 32;
const expected = Buffer.from(init.chunkHashes.buffer, init.chunkHashes.byteOffset, count * 32);
const slots = Buffer.from(init.slots);
/** Chunks verified on disk: there when the fetch started, or written since. */
const onDisk = ChunkMap.fromBase64(count, init.onDisk);
const whole = createHash('sha256');
let cursor = 0;
const fd = openSync(init.path, 'r+');
let readBuffer: Buffer | undefined;

function chunkLength(index: number): number {
  return Math.min(init.chunkSize, init.size - index * init.chunkSize);
}

function readBack(index: number): Buffer {
  readBuffer ??= Buffer.allocUnsafeSlow(init.chunkSize);
  const length = chunkLength(index);
  for (let at = 0; at < length;) {
    const n = readSync(fd, readBuffer, at, length - at, index * init.chunkSize + at);
    if (n === 0) throw new Error(`the partial file ends inside chunk ${index}`);
    at += n;
  }
  return readBuffer.subarray(0, length);
}

/** Hashes forward over the chunks already on disk. */
function advance(): void {
  while (cursor < count && onDisk.has(cursor)) whole.update(readBack(cursor++));
}

/** Writes all of `data` at `position` on the libuv pool, while this thread hashes on. */
function writeAll(data: Buffer, position: number, done: (err: Error | null) => void): void {
  write(fd, data, 0, data.length, position, (err, n) => {
    if (err) return done(err);
    if (n < data.length) return writeAll(data.subarray(n), position + n, done);
    done(null);
  });
}

function store(id: number, index: number, data: Buffer): void {
  const digest = createHash('sha256').update(data).digest();
  if (!digest.equals(expected.subarray(index * 32, index * 32 + 32))) {
    return reply({ id, ok: false });
  }
  if (index === cursor) {
    whole.update(data);
    cursor++;
  }
  writeAll(data, index * init.chunkSize, (err) => {
    if (err) return reply({ id, error: err.message });
    onDisk.set(index);
    try {
      advance();
    } catch (e) {
      return reply({ id, error: (e as Error).message });
    }
    reply({ id, ok: true });
  });
}

function reply(message: ChunkReply): void {
  port.postMessage(message);
}

port.on('message', (req: ChunkRequest) => {
  try {
    if (req.op === 'store') {
      const at = req.slot * init.chunkSize;
      store(req.id, req.index, slots.subarray(at, at + req.length));
      return;
    }
    advance();
    if (cursor < count) throw new Error(`chunk ${cursor} is not on disk`);
    closeSync(fd);
    reply({ id: req.id, digest: whole.digest('hex') });
  } catch (err) {
    reply({ id: req.id, error: (err as Error).message });
  }
});
