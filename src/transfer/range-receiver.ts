// One Download request of a fetch: streams a run of chunks from one source,
// checks the stream is the range asked for, cuts it into chunks and hands
// each on as soon as it is whole, without waiting for the previous one's
// verdict. A request that brings nothing for too long is abandoned. Under a
// download limit each piece waits for its bytes before it is handed on; the
// stream is not read meanwhile, so gRPC's flow control slows the source.
import { TimeoutError, UnavailableError } from '../errors.js';
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
   * Verifies and keeps one chunk; rejects (e.g. with a SourceFault) to stop
   * the request. `owned`: no other bytes still needed share `data`'s memory.
   */
  deliver(index: number, data: Buffer, owned: boolean): Promise<void>;
  /** Resolves when more received bytes may be handed on. */
  room(): Promise<void>;
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
  const floor = Math.min(MIN_RATE, io.floorRate?.() || MIN_RATE);
  let stall: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(stall);
    stall = setTimeout(
      () => req.controller.abort(new TimeoutError(`sent nothing for ${io.stallTimeoutMs} ms`)),
      io.stallTimeoutMs,
    );
  };
  arm();
  let pos = offset;
  let chunk = req.first;
  let buffer: Buffer | undefined;
  let filled = 0;
  // Chunks of this request being verified: the stream goes on meanwhile.
  const checks = new Set<Promise<void>>();
  let fault: unknown;
  const check = (index: number, data: Buffer, owned: boolean): void => {
    // Never rejects: a bad chunk stops the stream through the abort signal.
    const p: Promise<void> = io
      .deliver(index, data, owned)
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
    clearTimeout(stall);
    return wait.then(arm);
  };
  try {
    const pieces = io.transport.download(
      req.address,
      { sha256, offset, length },
      {
        signal: req.controller.signal,
        timeoutMs: io.stallTimeoutMs + Math.ceil((length * 1000) / floor),
      },
    );
    for await (const piece of pieces) {
      if (piece.offset !== pos) {
        throw new SourceFault(`sent bytes at offset ${piece.offset} where ${pos} was due`);
      }
      if (piece.data.length > endByte - pos) {
        throw new SourceFault('sent more bytes than were asked for');
      }
      let data = piece.data;
      pos += data.length;
      while (data.length > 0) {
        const len = chunkLength(chunk);
        if (filled === 0 && data.length >= len) {
          // A whole chunk in one message: handed on where it lies, no copy.
          const whole = data.subarray(0, len);
          data = data.subarray(len);
          const wait = pace(len);
          if (wait) await wait;
          check(chunk++, whole, data.length === 0);
          continue;
        }
        buffer ??= Buffer.allocUnsafe(len);
        const n = Math.min(len - filled, data.length);
        data.copy(buffer, filled, 0, n);
        filled += n;
        data = data.subarray(n);
        if (filled === len) {
          const wait = pace(len);
          if (wait) await wait;
          check(chunk++, buffer, true);
          buffer = undefined;
          filled = 0;
        }
      }
      // Waiting for our own hashing and disk is not the source's stall.
      clearTimeout(stall);
      await io.room();
      arm();
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
    // Nothing of this request may still be stored once it is settled.
    await Promise.allSettled(checks);
  }
}
