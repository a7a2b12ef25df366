// A fetch's chunk thread, seen from the event loop: chunks are handed to it
// (transferred, not copied) to be checked and written; at the end it gives
// the whole-file digest. One thread per fetch, stopped when the fetch ends.
import { Worker } from 'node:worker_threads';
import { InternalError } from '../errors.js';
import type { ChunkReply, ChunkRequest, ChunkWorkerInit } from './chunk-protocol.js';

/** A view this close to its whole ArrayBuffer owns it: it is sent as is, not copied. */
const SLACK = 64;

interface Pending {
  resolve(reply: ChunkReply): void;
  reject(err: Error): void;
}

export class ChunkThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(init: ChunkWorkerInit) {
    this.worker = new Worker(new URL('./chunk-worker.js', import.meta.url), { workerData: init });
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
   * not). Rejects when it cannot be written. `data` is empty afterwards.
   */
  async store(index: number, data: Buffer): Promise<boolean> {
    const { length } = data;
    let buffer = data.buffer as ArrayBuffer;
    let offset = data.byteOffset;
    if (buffer instanceof SharedArrayBuffer || buffer.byteLength - length > SLACK) {
      buffer = new ArrayBuffer(length);
      new Uint8Array(buffer).set(data);
      offset = 0;
    }
    const reply = await this.call(
      { op: 'store', id: this.nextId++, index, buffer, offset, length },
      [buffer],
    );
    if (!('ok' in reply)) throw new InternalError('the chunk thread answered out of turn');
    return reply.ok;
  }

  /** The whole-file digest; every chunk must be stored. */
  async digest(): Promise<string> {
    const reply = await this.call({ op: 'digest', id: this.nextId++ }, []);
    if (!('digest' in reply)) throw new InternalError('the chunk thread answered out of turn');
    return reply.digest;
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the chunk thread was stopped');
    await this.worker.terminate();
  }

  private call(req: ChunkRequest, transfer: ArrayBuffer[]): Promise<ChunkReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<ChunkReply>((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject });
      this.worker.postMessage(req, transfer);
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
