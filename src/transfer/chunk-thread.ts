// A fetch's chunk thread, seen from the event loop: chunks are copied into
// slots of a buffer shared with it, to be checked and written there; at the
// end it gives the whole-file digest. One thread per fetch, stopped when the
// fetch ends. The slots bound the memory a fetch holds for the thread.
import { Worker } from 'node:worker_threads';
import { InternalError } from '../errors.js';
import type {
  ChunkReply,
  ChunkRequest,
  ChunkThreadReady,
  ChunkWorkerInit,
} from './chunk-protocol.js';
import { DIRECT_BLOCK } from './direct-io.js';

export interface ChunkThreadInit extends Omit<ChunkWorkerInit, 'slots' | 'chunkHashes'> {
  /** Hex SHA-256 of each chunk. */
  chunkHashes: readonly string[];
  /** Chunks handed over at once, at most. */
  slots: number;
}

/**
 * Bytes of a buffer beyond the chunk's for it to be moved to the thread: a
 * gRPC message's framing and header. Node's pool of small buffers (8 KiB, for
 * buffers under 4 KiB) never qualifies.
 */
const MOVE_SLACK = 64;

/** A write stuck this long (a hung disk) does not hold up the fetch's end. */
const CLOSE_TIMEOUT_MS = 10_000;

interface Pending {
  resolve(reply: ChunkReply): void;
  reject(err: Error): void;
}

export class ChunkThread {
  private readonly worker: Worker;
  private readonly slots: Buffer;
  private readonly free: number[];
  private readonly waiting: (() => void)[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly chunkSize: number;
  /** Where the slots start in the shared buffer, once the thread has said (or its failure). */
  private readonly slotsOffset: Promise<number>;
  private readonly notReady: (err: Error) => void;
  private nextId = 0;
  private failure: Error | undefined;

  constructor(init: ChunkThreadInit) {
    this.chunkSize = init.chunkSize;
    const shared = new SharedArrayBuffer(init.slots * init.chunkSize + DIRECT_BLOCK);
    this.slots = Buffer.from(shared);
    this.free = Array.from({ length: init.slots }, (_, i) => i);
    const chunkHashes = Buffer.alloc(init.chunkHashes.length * 32);
    init.chunkHashes.forEach((hex, i) => chunkHashes.write(hex, i * 32, 32, 'hex'));
    this.worker = new Worker(new URL('./chunk-worker.js', import.meta.url), {
      workerData: { ...init, chunkHashes, slots: shared } satisfies ChunkWorkerInit,
      // It allocates little per chunk; a small young generation keeps the daemon's memory down.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    let ready!: (offset: number) => void;
    let notReady!: (err: Error) => void;
    this.slotsOffset = new Promise((resolve, reject) => {
      ready = resolve;
      notReady = reject;
    });
    // Rejected only when the thread fails, and then every caller hears of it.
    this.slotsOffset.catch(() => undefined);
    this.notReady = notReady;
    this.worker.on('message', (reply: ChunkReply | ChunkThreadReady) => {
      if ('slotsOffset' in reply) return ready(reply.slotsOffset);
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!p) return;
      if ('error' in reply) p.reject(new InternalError(reply.error));
      else p.resolve(reply);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the chunk thread exited (${code})`)));
  }

  /**
   * Checks a chunk against its hash and writes it if it matches (false if
   * not). Rejects when it cannot be written. If `owned` (no other bytes still
   * needed share its memory) and `data` is all of its buffer, the buffer is
   * moved to the thread instead of copied (`data` is then empty here).
   */
  async store(index: number, data: Buffer, owned = false): Promise<boolean> {
    let slot = this.free.pop();
    while (slot === undefined) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      slot = this.free.pop();
    }
    try {
      const request: ChunkRequest = {
        op: 'store',
        id: this.nextId++,
        index,
        slot,
        length: data.length,
      };
      const memory = data.buffer;
      // Moving saves the event loop a copy; a pooled or shared buffer must stay.
      const move =
        owned && memory instanceof ArrayBuffer && memory.byteLength - data.length <= MOVE_SLACK;
      if (move) {
        request.moved = memory;
        request.movedOffset = data.byteOffset;
      } else {
        data.copy(this.slots, (await this.slotsOffset) + slot * this.chunkSize);
      }
      const reply = await this.call(request, move ? [memory] : []);
      if (!('ok' in reply)) throw new InternalError('the chunk thread answered out of turn');
      return reply.ok;
    } finally {
      this.free.push(slot);
      this.waiting.shift()?.();
    }
  }

  /** The whole-file digest; every chunk must be stored. */
  async digest(): Promise<string> {
    const reply = await this.call({ op: 'digest', id: this.nextId++ });
    if (!('digest' in reply)) throw new InternalError('the chunk thread answered out of turn');
    return reply.digest;
  }

  /** Closes the file (after writes in flight) and stops the thread. */
  async close(): Promise<void> {
    const closing = this.call({ op: 'close', id: this.nextId++ }).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closing, new Promise((r) => (timer = setTimeout(r, CLOSE_TIMEOUT_MS)))]);
    clearTimeout(timer);
    this.fail(new Error('the chunk thread was stopped'));
    await this.worker.terminate();
  }

  private call(req: ChunkRequest, transfer: ArrayBuffer[] = []): Promise<ChunkReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<ChunkReply>((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject });
      this.worker.postMessage(req, transfer);
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.notReady(this.failure);
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    for (const wake of this.waiting.splice(0)) wake();
  }
}
