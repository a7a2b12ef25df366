// The body of PeerService.Download: a byte range of an open file as
// DataChunk messages, read into a small ring of reused buffers. A buffer is
// refilled only once grpc-js has taken the message built in it (its write
// callback), so a stream holds at most RING x MESSAGE_BYTES of memory however
// slow the reader, and sends without allocating or encoding copies. A reader
// that takes nothing for `stallMs` loses the stream (reset), so never-read
// streams cannot hold serve slots and buffers for ever; nor can one that
// reads just often enough to dodge that, once the call passes `maxMs`.
// Under a bandwidth limit each message waits for its bytes first, and
// messages shrink to a tenth of a second at the limit, so the limit holds
// smoothly; the time spent waiting is ours, not the reader's, and does not
// count against `maxMs`.
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { FileHandle } from 'node:fs/promises';
import { NotFoundError, TimeoutError } from '../errors.js';
import { HEADER_ROOM, encodeInPlace } from './data-chunk-wire.js';
import { resetStream } from './reset-stream.js';

/** Bytes of file data per message: whole chunks at the default chunk size. */
export const MESSAGE_BYTES = 1024 * 1024;
/** One buffer being filled, two queued or being sent. */
const RING = 3;

/** How this stream is held to a bandwidth limit (see BandwidthLimiter). */
export interface StreamPace {
  /** Resolves when `bytes` may be sent; undefined when they may go at once. */
  take(bytes: number, signal: AbortSignal): Promise<void> | undefined;
  /** Bytes per message now (MESSAGE_BYTES at most, whatever this says). */
  messageBytes(): number;
}

interface Slot {
  buffer: Buffer;
  busy: boolean;
}

/** Sends bytes [start, end) of the file; returns early when the caller cancels. */
export async function streamFileRange(
  call: ServerWritableStream<unknown, unknown>,
  handle: FileHandle,
  start: number,
  end: number,
  /** Bytes grpc-js has taken, as it takes them (traffic counting). */
  onSent: (bytes: number) => void = () => undefined,
  /** A write grpc-js does not take for this long (a reader that stopped) ends the stream, ms. */
  stallMs = Infinity,
  /** The whole call may take this long (a reader trickling along); then it is reset too, ms. */
  maxMs = Infinity,
  /** A bandwidth limit to keep to; none: as fast as the reader takes. */
  pace?: StreamPace,
): Promise<void> {
  let endBy = Date.now() + maxMs;
  const cancelled = new AbortController();
  const slots: Slot[] = Array.from({ length: RING }, () => ({
    buffer: Buffer.allocUnsafeSlow(HEADER_ROOM + MESSAGE_BYTES),
    busy: false,
  }));
  let wake: (() => void) | undefined;
  const nudge = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  /** True when nudged, false when `ms` passed first. */
  const wakeWithin = (ms: number): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => resolve(false), ms) : undefined;
      wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  const stop = (): void => {
    cancelled.abort(new Error('the call ended'));
    nudge();
  };
  call.on('cancelled', stop);
  call.on('close', stop);
  try {
    for (let position = start, next = 0; position < end && !call.cancelled; next++) {
      const slot = slots[next % RING]!;
      while (slot.busy && !call.cancelled) {
        const left = Math.max(0, endBy - Date.now());
        if (!(await wakeWithin(Math.min(stallMs, left)))) {
          resetStream(call);
          throw new TimeoutError(
            left < stallMs
              ? `the reader took more than ${Math.round(maxMs)} ms for the range`
              : `the reader took nothing for ${stallMs} ms`,
          );
        }
      }
      if (call.cancelled) return;
      // Whole bytes (a read of a fractional length aborts the process), at least one.
      const length = Math.max(
        1,
        Math.floor(Math.min(MESSAGE_BYTES, pace?.messageBytes() ?? MESSAGE_BYTES, end - position)),
      );
      const wait = pace?.take(length, cancelled.signal);
      if (wait) {
        const since = Date.now();
        try {
          await wait;
        } catch {
          return; // the call ended while waiting
        }
        endBy += Date.now() - since;
      }
      await readFully(handle, slot.buffer, length, position);
      slot.busy = true;
      call.write(encodeInPlace(slot.buffer, position, length), () => {
        slot.busy = false;
        onSent(length);
        nudge();
      });
      position += length;
    }
  } finally {
    call.off('cancelled', stop);
    call.off('close', stop);
  }
}

async function readFully(
  handle: FileHandle,
  buffer: Buffer,
  length: number,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(
      buffer,
      HEADER_ROOM + done,
      length - done,
      position + done,
    );
    if (bytesRead === 0) {
      // Shorter than indexed: it changed after the check, and its hash no longer holds.
      throw new NotFoundError('the file changed while it was being sent');
    }
    done += bytesRead;
  }
}
