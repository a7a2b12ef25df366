// A Download stream's network buffers on their way to its reader
// (range-stream.ts, download-client.ts). A TLS read comes up as one buffer
// per record and HTTP/2 frame, about 8 KiB each, and a reader woken for each
// ran its whole async chain once per buffer: 130 000 times per GiB. Buffers
// that come in the same turn of the event loop are read together instead,
// but only a few: each holds a network read's memory until V8 collects it,
// and one still queued when the young generation is swept may be promoted
// and kept until a full collection (a reader that took a whole turn's
// buffers once left a 3-source fetch at 224 MiB RSS).
import { Waker } from '../waker.js';

/** Buffers queued before the reader is woken at once rather than at the turn's end. */
const WAKE_AT = 4;

export class Arrivals {
  /** The reader waits on it; the stream's end and errors wake it too. */
  readonly waker = new Waker();
  private queue: Buffer[] = [];

  constructor(
    private readonly stream: { pause(): void },
    /** Buffers queued before the stream is paused (flow control then holds the source). */
    private readonly maxQueued: number,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  /** Queues a buffer the stream emitted and wakes the reader. */
  add(buffer: Buffer): void {
    this.queue.push(buffer);
    if (this.queue.length >= this.maxQueued) this.stream.pause();
    if (this.queue.length >= WAKE_AT) this.waker.wake();
    else this.waker.wakeSoon();
  }

  /** Everything queued, in order. */
  take(): Buffer[] {
    const taken = this.queue;
    this.queue = [];
    return taken;
  }
}
