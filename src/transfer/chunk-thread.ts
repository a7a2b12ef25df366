// A fetch's chunk thread, seen from the event loop: chunks are copied into
// slots of a buffer shared with it, to be checked and written there; at the
// end it gives the whole-file digest. One thread per fetch, stopped when the
// fetch ends. The slots bound the memory a fetch holds for the thread.
import { Worker } from 'node:worker_threads';
import { InternalError } from '../errors.js';
import type { ChunkReply, ChunkRequest, ChunkWorkerInit } from './chunk-protocol.js';

export interface ChunkThreadInit extends Omit<ChunkWorkerInit, 'slots' | 'chunkHashes'> {
  /** Hex SHA-256 of each chunk. */
  chunkHashes: readonly string[];
  /** Chunks handed over at once, at most. */
  slots: number;
}

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
  private nextId = 0;
  private failure: Error | undefined;

  constructor(init: ChunkThreadInit) {
    this.chunkSize = init.chunkSize;
    const shared = new SharedArrayBuffer(Math.max(1, init.slots * init.chunkSize));
    this.slots = Buffer.from(shared);
    this.free = Array.from({ length: init.slots }, (_, i) => i);
    const chunkHashes = Buffer.alloc(init.chunkHashes.length * 32);
    init.chunkHashes.forEach((hex, i) => chunkHashes.write(hex, i * 32, 32, 'hex'));
    this.worker = new Worker(new URL('./chunk-worker.js', import.meta.url), {
      workerData: { ...init, chunkHashes, slots: shared } satisfies ChunkWorkerInit,
      // It allocates little per chunk; a small young generation keeps the daemon's memory down.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    this.worker.on('message', (reply: ChunkReply) => {
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
   * not). Rejects when it cannot be written. `data` is not kept.
   */
  async store(index: number, data: Buffer): Promise<boolean> {
    let slot = this.free.pop();
    while (slot === undefined) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      slot = this.free.pop();
    }
    try {
      data.copy(this.slots, slot * this.chunkSize);
      const reply = await this.call({
        op: 'store',
        id: this.nextId++,
        index,
        slot,
        length: data.length,
      });
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

  async close(): Promise<void> {
    this.fail(new Error('the chunk thread was stopped'));
    await this.worker.terminate();
  }

  private call(req: ChunkRequest): Promise<ChunkReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<ChunkReply>((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject });
      this.worker.postMessage(req);
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    for (const wake of this.waiting.splice(0)) wake();
  }
}
