// A fetch's chunk thread, seen from the event loop: chunks are received
// straight into slots of a buffer shared with it (leased, filled, stored),
// to be checked and written there; at the end it gives the whole-file digest. One thread per fetch, stopped when the
// fetch ends. The slots bound the memory a fetch holds for the thread.
import { Worker } from 'node:worker_threads';
import { InternalError } from '../errors.js';
import type {
  ChunkReply,
  ChunkRequest,
  ChunkSlotFreed,
  ChunkThreadReady,
  ChunkWorkerInit,
} from './chunk-protocol.js';
import { DIRECT_BLOCK } from './direct-io.js';

export interface ChunkThreadInit extends Omit<
  ChunkWorkerInit,
  'slots' | 'chunkHashes' | 'parkSlots'
> {
  /** Hex SHA-256 of each chunk. */
  chunkHashes: readonly string[];
  /** Chunks handed over at once, at most. */
  slots: number;
  /**
   * Slots that are always left for chunks being filled (one per request):
   * the thread parks early chunks in the others only.
   */
  fillSlots?: number;
}

/** A write stuck this long (a hung disk) does not hold up the fetch's end. */
const CLOSE_TIMEOUT_MS = 10_000;

interface Pending {
  resolve(reply: ChunkReply): void;
  reject(err: Error): void;
}

/** A slot of the buffer shared with the thread, leased to hold one chunk. */
export interface ChunkSlot {
  slot: number;
  /** The slot's memory: room for one whole chunk. */
  buffer: Buffer;
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
      workerData: {
        ...init,
        chunkHashes,
        slots: shared,
        // At least one slot stays for chunks on their way to the disk, so a fill never waits on the network.
        parkSlots: Math.max(0, init.slots - (init.fillSlots ?? 0) - 1),
      } satisfies ChunkWorkerInit,
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
    this.worker.on('message', (reply: ChunkReply | ChunkThreadReady | ChunkSlotFreed) => {
      if ('slotsOffset' in reply) return ready(reply.slotsOffset);
      if ('freed' in reply) return this.freeSlot(reply.freed);
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
   * A slot to fill with one chunk (`buffer` holds a whole chunk); waits while
   * every slot is taken, which is how a fetch's network waits for its disk.
   * The slot goes back with `storeSlot` or `release`.
   */
  async lease(): Promise<ChunkSlot> {
    let slot = this.free.pop();
    while (slot === undefined) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      slot = this.free.pop();
    }
    try {
      const at = (await this.slotsOffset) + slot * this.chunkSize;
      return { slot, buffer: this.slots.subarray(at, at + this.chunkSize) };
    } catch (err) {
      this.release({ slot, buffer: Buffer.alloc(0) });
      throw err;
    }
  }

  /** Gives back a slot that will not be stored. */
  release(leased: ChunkSlot): void {
    this.freeSlot(leased.slot);
  }

  private freeSlot(slot: number): void {
    this.free.push(slot);
    this.waiting.shift()?.();
  }

  /**
   * Checks the chunk in the first `length` bytes of a leased slot against its
   * hash and writes it if it matches (false if not); gives the slot back.
   * Rejects when it cannot be written.
   */
  async storeSlot(index: number, leased: ChunkSlot, length: number): Promise<boolean> {
    let parked = false;
    try {
      const reply = await this.call({
        op: 'store',
        id: this.nextId++,
        index,
        slot: leased.slot,
        length,
      });
      if (!('ok' in reply)) throw new InternalError('the chunk thread answered out of turn');
      parked = reply.parked === true;
      return reply.ok;
    } finally {
      // A parked chunk's slot comes back with the thread's `freed`.
      if (!parked) this.release(leased);
    }
  }

  /** `storeSlot` for a chunk held elsewhere: it is copied into a slot first. */
  async store(index: number, data: Buffer): Promise<boolean> {
    const leased = await this.lease();
    data.copy(leased.buffer);
    return this.storeSlot(index, leased, data.length);
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

  private call(req: ChunkRequest): Promise<ChunkReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<ChunkReply>((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject });
      this.worker.postMessage(req);
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
