// One Download request of a fetch: streams a run of chunks from one source,
// checks the stream is the range asked for, copies it straight into leased
// chunk slots and hands each on as soon as it is whole, without waiting for
// the previous one's verdict. A request that brings nothing for too long is
// abandoned. Under a download limit each chunk waits for its bytes before it
// is handed on; the stream is not read meanwhile, so flow control slows the
// source.
import { TimeoutError, UnavailableError } from '../errors.js';
import type { ChunkSlot } from './chunk-thread.js';
import type { FileMeta } from './metadata.js';
import type { PeerTransport } from './transport.js';

/** A source broke the protocol or lied: never ask it again in this fetch. */
export class SourceFault extends Error {}

/**
 * A request ran out of time while bytes were still coming: the source is
 * slower than the deadline assumed (its own upload limit, a thin link), not
 * broken. What it delivered is kept; it should be asked for less at once.
 */
export class SlowSource extends Error {}

/** Slowest rate a request may run at before its deadline passes, bytes/s. */
const MIN_RATE = 128 * 1024;

export interface RangeRequest {
  address: string;
  first: number;
  /** One past the last chunk asked for. */
  end: number;
  /** Stops the stream; its reason is what the receive rejects with. */
  controller: AbortController;
}

export interface RangeReceiverIo {
  transport: PeerTransport;
  stallTimeoutMs: number;
  /**
   * A slot for the next chunk; waits while every slot is in use (the network
   * waits for the hasher and the disk).
   */
  lease(): Promise<ChunkSlot>;
  /** Gives back a slot that will not be delivered. */
  release(slot: ChunkSlot): void;
  /**
   * Verifies and keeps the chunk in the first `length` bytes of a filled
   * slot, and gives the slot back; rejects (e.g. with a SourceFault) to stop
   * the request.
   */
  deliver(index: number, slot: ChunkSlot, length: number): Promise<void>;
  /** Resolves when `bytes` from this source may be taken in (download limits); undefined: now. */
  pace?(bytes: number, signal: AbortSignal): Promise<void> | undefined;
  /**
   * Under a download limit, the slowest rate this request may be held to,
   * bytes/s: its deadline allows for it. 0 or absent: no limit.
   */
  floorRate?(): number;
}

/** Resolves once every chunk of the range was delivered; rejects with why it stopped. */
export async function receiveRange(
  meta: FileMeta,
  req: RangeRequest,
  io: RangeReceiverIo,
): Promise<void> {
  const { chunkSize, size, sha256 } = meta;
  const chunkLength = (index: number): number => Math.min(chunkSize, size - index * chunkSize);
  const offset = req.first * chunkSize;
  const endByte = Math.min(size, req.end * chunkSize);
  const length = endByte - offset;
  // One timer per request, not one per batch: it looks at when bytes last came.
  let lastBytes = Date.now();
  let waitingForUs = false;
  const floor = Math.min(MIN_RATE, io.floorRate?.() || MIN_RATE);
  let stall: NodeJS.Timeout | undefined;
  const watch = (ms: number): void => {
    stall = setTimeout(
      () => {
        const quiet = Date.now() - lastBytes;
        if (waitingForUs || quiet < io.stallTimeoutMs) return watch(io.stallTimeoutMs - quiet);
        req.controller.abort(new TimeoutError(`sent nothing for ${io.stallTimeoutMs} ms`));
      },
      Math.max(1, ms),
    );
  };
  watch(io.stallTimeoutMs);
  let pos = offset;
  let chunk = req.first;
  let slot: ChunkSlot | undefined;
  let filled = 0;
  // Chunks of this request being verified: the stream goes on meanwhile.
  const checks = new Set<Promise<void>>();
  let fault: unknown;
  const check = (index: number, filledSlot: ChunkSlot, length: number): void => {
    // Never rejects: a bad chunk stops the stream through the abort signal.
    const p: Promise<void> = io
      .deliver(index, filledSlot, length)
      .catch((err: unknown) => {
        fault ??= err;
        req.controller.abort(err);
      })
      .finally(() => checks.delete(p));
    checks.add(p);
  };
  /** Waits for the download limits before a chunk is handed on; undefined when it may go now. */
  const pace = (bytes: number): Promise<void> | undefined => {
    const wait = io.pace?.(bytes, req.controller.signal);
    if (!wait) return undefined;
    // Held back by our own limit: not the source's stall.
    waitingForUs = true;
    return wait.then(() => {
      waitingForUs = false;
      lastBytes = Date.now();
    });
  };
  try {
    const batches = io.transport.download(
      req.address,
      { sha256, offset, length },
      {
        signal: req.controller.signal,
        timeoutMs: io.stallTimeoutMs + Math.ceil((length * 1000) / floor),
      },
    );
    for await (const batch of batches) {
      lastBytes = Date.now();
      for (const piece of batch) {
        if (piece.offset !== pos) {
          throw new SourceFault(`sent bytes at offset ${piece.offset} where ${pos} was due`);
        }
        if (piece.data.length > endByte - pos) {
          throw new SourceFault('sent more bytes than were asked for');
        }
        let data = piece.data;
        pos += data.length;
        while (data.length > 0) {
          if (!slot) {
            // Waiting for our own hashing and disk is not the source's stall.
            waitingForUs = true;
            slot = await io.lease();
            waitingForUs = false;
            lastBytes = Date.now();
            if (req.controller.signal.aborted) throw req.controller.signal.reason;
          }
          const len = chunkLength(chunk);
          const n = Math.min(len - filled, data.length);
          data.copy(slot.buffer, filled, 0, n);
          filled += n;
          data = data.subarray(n);
          if (filled === len) {
            const wait = pace(len);
            if (wait) await wait;
            check(chunk++, slot, len);
            slot = undefined;
            filled = 0;
          }
        }
      }
    }
    if (pos < endByte) {
      throw new UnavailableError(`stream ended after ${pos - offset} of ${length} bytes`);
    }
    await Promise.all(checks);
    if (fault !== undefined) throw fault;
  } catch (err) {
    // An abort on purpose shows up as whatever the transport threw; report the reason.
    if (req.controller.signal.aborted) throw req.controller.signal.reason;
    if (err instanceof TimeoutError && pos > offset) {
      throw new SlowSource(`sent ${pos - offset} of ${length} bytes before the deadline`);
    }
    throw err;
  } finally {
    clearTimeout(stall);
    if (slot) io.release(slot);
    // Nothing of this request may still be stored once it is settled.
    await Promise.allSettled(checks);
  }
}
