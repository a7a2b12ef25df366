// A fetch's chunk thread, seen from the event loop: chunks are received
// straight into slot buffers the thread made (leased, filled, then moved to
// it to be checked and written), and at the end it gives the whole-file
// digest. One thread per fetch at a time. The slots bound the memory a fetch
// holds for the thread. A thread takes 75-240 ms to boot here (a V8 isolate
// and Node's bootstrap), so a fetch makes it while it still asks its sources
// for the metadata, and starts it once the file is known; and a thread whose
// fetch ended is kept a while as a spare for the next fetch, which then
// starts at once (fetching small files one after another, each took ~120 ms).
import { Worker } from 'node:worker_threads';
import { InternalError } from '../errors.js';
import type {
  ChunkReply,
  ChunkRequest,
  ChunkSlotFreed,
  ChunkThreadReady,
  ChunkWorkerInit,
  ChunkWorkerStart,
} from './chunk-protocol.js';

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
/** Threads kept for the next fetches, at most: one per fetch that may start soon. */
const MAX_SPARES = 2;
/** A spare nobody took for this long ends, so an idle daemon carries none, ms. */
export const SPARE_IDLE_MS = 10_000;

interface Spare {
  worker: Worker;
  idle: NodeJS.Timeout;
  /** Listeners while it waits (a Worker's unheard 'error' would throw). */
  gone: () => void;
}
const spares: Spare[] = [];

/** A spare thread, or a new one. */
function takeThread(): Worker {
  const spare = spares.pop();
  if (!spare) {
    return new Worker(new URL('./chunk-worker.js', import.meta.url), {
      // It allocates little per chunk; a small young generation keeps the daemon's memory down.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
  }
  clearTimeout(spare.idle);
  spare.worker.off('error', spare.gone).off('exit', spare.gone);
  spare.worker.ref();
  return spare.worker;
}

/** Keeps a thread whose file is closed (or that never had one) for the next fetch. */
function keepSpare(worker: Worker): void {
  if (spares.length >= MAX_SPARES) {
    void worker.terminate();
    return;
  }
  const spare: Spare = {
    worker,
    idle: setTimeout(() => {
      drop();
      void worker.terminate();
    }, SPARE_IDLE_MS),
    gone: () => drop(),
  };
  const drop = (): void => {
    clearTimeout(spare.idle);
    const i = spares.indexOf(spare);
    if (i >= 0) spares.splice(i, 1);
  };
  spare.idle.unref();
  worker.unref();
  worker.on('error', spare.gone).on('exit', spare.gone);
  spares.push(spare);
}

/** Spare threads waiting now (tests). */
export function spareChunkThreads(): number {
  return spares.length;
}

/** Ends the spare threads (a daemon stopping). */
export async function endSpareChunkThreads(): Promise<void> {
  const ending = spares.splice(0);
  for (const s of ending) clearTimeout(s.idle);
  await Promise.all(ending.map((s) => s.worker.terminate()));
}

interface Pending {
  resolve(reply: ChunkReply): void;
  reject(err: Error): void;
}

/** A slot leased to hold one chunk. */
export interface ChunkSlot {
  slot: number;
  /** The slot's memory: room for one whole chunk. */
  buffer: Buffer;
}

export class ChunkThread {
  private readonly worker: Worker;
  /** Each slot's buffer while it is here (not moved to the thread), and its chunk's offset in it. */
  private readonly buffers: (ArrayBuffer | undefined)[] = [];
  private readonly offsets: number[] = [];
  private readonly free: number[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly pending = new Map<number, Pending>();
  private slotBytes = 0;
  private started = false;
  /** Settles once the thread has handed over the slot buffers (or failed). */
  private readonly ready: Promise<void>;
  private readonly notReady: (err: Error) => void;
  private nextId = 0;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;
  /** The close went to the thread: no other request may follow it. */
  private closeSent = false;
  private readonly onMessage: (reply: ChunkReply | ChunkThreadReady | ChunkSlotFreed) => void;
  private readonly onError: (err: Error) => void;
  private readonly onExit: (code: number) => void;

  /** Boots the thread; without `init` it waits for `start`. */
  constructor(init?: ChunkThreadInit) {
    this.worker = takeThread();
    let ready!: () => void;
    let notReady!: (err: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      ready = resolve;
      notReady = reject;
    });
    // Rejected only when the thread fails, and then every caller hears of it.
    this.ready.catch(() => undefined);
    this.notReady = notReady;
    this.onMessage = (reply: ChunkReply | ChunkThreadReady | ChunkSlotFreed) => {
      if ('slots' in reply) {
        reply.slots.forEach((s, i) => {
          this.buffers[i] = s.buffer;
          this.offsets[i] = s.offset;
          this.free.push(i);
        });
        return ready();
      }
      if ('freed' in reply) return this.giveBack(reply.freed, reply.buffer);
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!p) return;
      // Errors too: a failed store still hands its slot's buffer back.
      p.resolve(reply);
    };
    this.onError = (err) => this.fail(err);
    this.onExit = (code) => this.fail(new Error(`the chunk thread exited (${code})`));
    this.worker.on('message', this.onMessage).on('error', this.onError).on('exit', this.onExit);
    if (init) this.start(init);
  }

  /** Whether it has been told its file. */
  get isStarted(): boolean {
    return this.started;
  }

  /** Tells the thread which file it works on (once). */
  start(init: ChunkThreadInit): void {
    if (this.started) throw new InternalError('the chunk thread was started twice');
    if (this.closeSent) throw new InternalError('the chunk thread is closed');
    this.started = true;
    // The largest chunk: a file shorter than a chunk has slots only that large (see chunk-worker).
    this.slotBytes = Math.min(init.chunkSize, init.size);
    const chunkHashes = Buffer.alloc(init.chunkHashes.length * 32);
    init.chunkHashes.forEach((hex, i) => chunkHashes.write(hex, i * 32, 32, 'hex'));
    const { fillSlots, ...rest } = init;
    const start: ChunkWorkerStart = {
      init: {
        ...rest,
        chunkHashes,
        // At least one slot stays for chunks on their way to the disk, so a fill never waits on the network.
        parkSlots: Math.max(0, init.slots - (fillSlots ?? 0) - 1),
      },
    };
    this.worker.postMessage(start, [chunkHashes.buffer]);
  }

  /**
   * A slot to fill with one chunk (`buffer` holds a whole chunk); waits while
   * every slot is taken, which is how a fetch's network waits for its disk.
   * The slot goes back with `storeSlot` or `release`.
   */
  async lease(): Promise<ChunkSlot> {
    await this.ready;
    let slot = this.free.pop();
    while (slot === undefined) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      slot = this.free.pop();
    }
    return { slot, buffer: Buffer.from(this.buffers[slot]!, this.offsets[slot], this.slotBytes) };
  }

  /** Gives back a slot that will not be stored. */
  release(leased: ChunkSlot): void {
    this.markFree(leased.slot);
  }

  /** A slot's buffer is back from the thread: the slot is free again. */
  private giveBack(slot: number, buffer: ArrayBuffer): void {
    this.buffers[slot] = buffer;
    this.markFree(slot);
  }

  private markFree(slot: number): void {
    this.free.push(slot);
    this.waiting.shift()?.();
  }

  /**
   * Writes the chunk in the first `length` bytes of a leased slot; with
   * `check`, only if it matches its hash (false if not). Gives the slot back.
   * The slot's buffer moves to the thread meanwhile (the leased view is
   * emptied). Rejects when it cannot be written.
   */
  async storeSlot(
    index: number,
    leased: ChunkSlot,
    length: number,
    check = true,
  ): Promise<boolean> {
    const buffer = this.buffers[leased.slot]!;
    this.buffers[leased.slot] = undefined;
    // If the thread fails, its buffers go with it, and the slots are not needed any more.
    const reply = await this.call(
      { op: 'store', id: this.nextId++, index, slot: leased.slot, length, buffer, check },
      [buffer],
    );
    // A parked chunk's buffer comes back with the thread's `freed`; one lost to an error, never.
    if ('buffer' in reply && reply.buffer) this.giveBack(leased.slot, reply.buffer);
    if ('error' in reply) throw new InternalError(reply.error);
    if (!('ok' in reply)) throw new InternalError('the chunk thread answered out of turn');
    return reply.ok;
  }

  /** `storeSlot` for a chunk held elsewhere: it is copied into a slot first. */
  async store(index: number, data: Buffer, check = true): Promise<boolean> {
    const leased = await this.lease();
    data.copy(leased.buffer);
    return this.storeSlot(index, leased, data.length, check);
  }

  /** Reads stored chunks back and checks each against its hash: those that do not match. */
  async check(indexes: number[]): Promise<number[]> {
    const reply = await this.call({ op: 'check', id: this.nextId++, indexes });
    if ('error' in reply) throw new InternalError(reply.error);
    if (!('bad' in reply)) throw new InternalError('the chunk thread answered out of turn');
    return reply.bad;
  }

  /** The whole-file digest; every chunk must be stored. */
  async digest(): Promise<string> {
    const reply = await this.call({ op: 'digest', id: this.nextId++ });
    if ('error' in reply) throw new InternalError(reply.error);
    if (!('digest' in reply)) throw new InternalError('the chunk thread answered out of turn');
    return reply.digest;
  }

  /**
   * Closes the file (after writes in flight) and gives the thread up: kept as
   * a spare when its file closed cleanly (or it never had one), else ended.
   */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    const healthy = this.failure === undefined;
    // One never started has no file to close (and would take `close` for its start).
    const closing = this.started ? this.call({ op: 'close', id: this.nextId++ }) : undefined;
    this.closeSent = true;
    const closed = closing
      ? closing.then(
          (reply) => 'ok' in reply && reply.ok,
          () => false,
        )
      : Promise.resolve(true);
    let timer: NodeJS.Timeout | undefined;
    const clean = await Promise.race([
      closed,
      new Promise<false>((r) => (timer = setTimeout(() => r(false), CLOSE_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    this.fail(new Error('the chunk thread was stopped'));
    this.worker.off('message', this.onMessage).off('error', this.onError).off('exit', this.onExit);
    if (healthy && clean) keepSpare(this.worker);
    else await this.worker.terminate();
  }

  private call(req: ChunkRequest, moved: ArrayBuffer[] = []): Promise<ChunkReply> {
    if (this.failure) return Promise.reject(this.failure);
    // After `close` nothing more may reach the thread: it may be the next fetch's by then.
    if (this.closeSent) return Promise.reject(new InternalError('the chunk thread is closing'));
    return new Promise<ChunkReply>((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject });
      this.worker.postMessage(req, moved);
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
