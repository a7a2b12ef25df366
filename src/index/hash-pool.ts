// Hashing off the event loop, on every core. Indexing computes two SHA-256
// streams per byte (the file's and its chunks'), so one thread hashes at
// half the speed of a bare read; a few threads hashing different files in
// parallel make up for it. Threads start with the first big file and end
// after IDLE_MS without work, so an idle peer carries none; small files are
// hashed inline, where a thread's start-up would cost more than it saves.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { hashFile, type FileHashes } from './hasher.js';
import type { HashJob, HashReply } from './hash-worker.js';

/** Files smaller than this are hashed on the calling thread. */
export const INLINE_BYTES = 8 * 1024 * 1024;
export const IDLE_MS = 5000;

interface Pending {
  resolve(h: FileHashes): void;
  reject(err: Error): void;
  onBytes: ((n: number) => void) | undefined;
}

interface Thread {
  worker: Worker;
  /** Ids of the jobs it holds. */
  jobs: Set<number>;
  idle?: NodeJS.Timeout;
}

export class HashPool {
  /** Files hashed at once: one per core. */
  readonly size = Math.max(1, availableParallelism());
  private readonly threads: Thread[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  hash(
    path: string,
    size: number,
    chunkSize: number,
    onBytes?: (n: number) => void,
    /** Stops an inline hash; a thread's hash stops when close() ends the thread. */
    signal?: AbortSignal,
  ): Promise<FileHashes> {
    if (size < INLINE_BYTES || this.size === 1) {
      return hashFile(path, chunkSize, onBytes, signal);
    }
    const thread = this.pick();
    const id = this.nextId++;
    thread.jobs.add(id);
    clearTimeout(thread.idle);
    return new Promise<FileHashes>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onBytes });
      thread.worker.postMessage({ id, path, chunkSize } satisfies HashJob);
    }).finally(() => {
      thread.jobs.delete(id);
      if (thread.jobs.size === 0 && this.threads.includes(thread)) {
        thread.idle = setTimeout(() => this.retire(thread), IDLE_MS);
        thread.idle.unref();
      }
    });
  }

  /** Ends every thread; the hashes they held reject. */
  async close(): Promise<void> {
    await Promise.all([...this.threads].map((t) => this.retire(t)));
  }

  /** The least busy thread, a new one while there are fewer than `size`. */
  private pick(): Thread {
    const free = this.threads.find((t) => t.jobs.size === 0);
    if (free) return free;
    if (this.threads.length < this.size) return this.spawn();
    return this.threads.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
  }

  private spawn(): Thread {
    const worker = new Worker(new URL('./hash-worker.js', import.meta.url));
    worker.unref();
    const thread: Thread = { worker, jobs: new Set() };
    worker.on('message', (reply: HashReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      if ('bytes' in reply) return p.onBytes?.(reply.bytes);
      this.pending.delete(reply.id);
      if ('done' in reply) return p.resolve(reply.done);
      p.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    });
    // A thread that dies fails what it held; the next file starts a new one.
    worker.on('error', (err) => this.fail(thread, err));
    worker.on('exit', () => this.fail(thread, new Error('hashing thread exited')));
    this.threads.push(thread);
    return thread;
  }

  private fail(thread: Thread, err: Error): void {
    const i = this.threads.indexOf(thread);
    if (i >= 0) this.threads.splice(i, 1);
    for (const id of thread.jobs) {
      this.pending.get(id)?.reject(err);
      this.pending.delete(id);
    }
  }

  private async retire(thread: Thread): Promise<void> {
    clearTimeout(thread.idle);
    const i = this.threads.indexOf(thread);
    if (i >= 0) this.threads.splice(i, 1);
    await thread.worker.terminate();
  }
}
