// The body of PeerService.Download: a byte range of an open file as
// DataChunk messages, read into a small ring of reused buffers and written,
// framed in place, to the call's HTTP/2 stream (grpc-js would copy each
// megabyte into a fresh buffer to prepend its 5-byte prefix). A buffer is
// refilled only once the stream has taken the message built in it (its write
// callback), so a stream holds at most RING x MESSAGE_BYTES of memory however
// slow the reader, and sends without allocating or copying. A reader
// that takes nothing for `stallMs` loses the stream (reset), so never-read
// streams cannot hold serve slots and buffers for ever; nor can one that
// reads just often enough to dodge that, once the call passes `maxMs`.
// Under a bandwidth limit each message waits for its bytes first, and
// messages shrink to a tenth of a second at the limit, so the limit holds
// smoothly; the time spent waiting is ours, not the reader's, and does not
// count against `maxMs`.
import { Metadata, type ServerDuplexStream, type ServerWritableStream } from '@grpc/grpc-js';
import { NotFoundError, TimeoutError } from '../errors.js';
import { Waker } from '../waker.js';
import type { ReadableFile } from '../index/open-files.js';
import { EncodedDataChunk, HEADER_ROOM, encodeInPlace } from './data-chunk-wire.js';
import { http2StreamOf, resetStream } from './server-call-stream.js';

/**
 * Bytes of file data per message: whole chunks at the default chunk size.
 * Tried, not kept: 2 MiB (half the source's per-message JavaScript). Over 4
 * alternating 3-run benches of 1 GiB the sources used 0.06-0.1 CPU-s less,
 * the fetcher 0.05-0.13 more, and both fetches were as fast or slower (1
 * source 400-409 MiB/s against 412-420, 3 sources 362-363 against 371-373).
 */
export const MESSAGE_BYTES = 1024 * 1024;
/**
 * One buffer being filled while the other is sent: a third bought nothing
 * (1 GiB over TLS: 269-309 MiB/s with three, 302-333 with two, and less
 * CPU and memory on the source), since the kernel's socket buffer, not the
 * ring, holds what is in flight.
 */
const RING = 2;

/** How this stream is held to a bandwidth limit (see BandwidthLimiter). */
export interface StreamPace {
  /** Resolves when `bytes` may be sent; undefined when they may go at once. */
  take(bytes: number, signal: AbortSignal): Promise<void> | undefined;
  /** Bytes per message now (MESSAGE_BYTES at most, whatever this says). */
  messageBytes(): number;
}

/** Calls whose response headers went out. */
const headersSent = new WeakSet<object>();

interface Slot {
  buffer: Buffer;
  busy: boolean;
}

/**
 * Ring buffers of streams that ended, for the next ones. A fresh ring per
 * call (each fetch request is a call) left glibc's heap holding some 35 MiB
 * on a source serving a 1 GiB fetch, the buffers freed only as V8 collected
 * them. Dropped after a quiet spell, so an idle daemon keeps none.
 */
const spare: Buffer[] = [];
const MAX_SPARE = 2 * RING;
const SPARE_IDLE_MS = 30_000;
let dropSpare: NodeJS.Timeout | undefined;

function takeBuffer(): Buffer {
  return spare.pop() ?? Buffer.allocUnsafeSlow(HEADER_ROOM + MESSAGE_BYTES);
}

/** Only for a buffer no write still holds (its write completed, or it was never written). */
function giveBack(buffer: Buffer): void {
  if (spare.length < MAX_SPARE) spare.push(buffer);
  clearTimeout(dropSpare);
  dropSpare = setTimeout(() => (spare.length = 0), SPARE_IDLE_MS).unref();
}

/** Sends bytes [start, end) of the file; returns early when the caller cancels. */
export async function streamFileRange(
  call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
  handle: Pick<ReadableFile, 'read'>,
  start: number,
  end: number,
  /** Bytes the stream has taken, as it takes them (traffic counting). */
  onSent: (bytes: number) => void = () => undefined,
  /** A write the stream does not take for this long (a reader that stopped) ends the stream, ms. */
  stallMs = Infinity,
  /** The whole call may take this long (a reader trickling along); then it is reset too, ms. */
  maxMs = Infinity,
  /** A bandwidth limit to keep to; none: as fast as the reader takes. */
  pace?: StreamPace,
): Promise<void> {
  let endBy = Date.now() + maxMs;
  const cancelled = new AbortController();
  const slots: Slot[] = Array.from({ length: RING }, () => ({ buffer: takeBuffer(), busy: false }));
  /** Set when the range is done: a slot whose write completes then goes back to the spares. */
  let finished = false;
  const waker = new Waker();
  const ended = (): boolean => call.cancelled || cancelled.signal.aborted;
  const stop = (): void => {
    cancelled.abort(new Error('the call ended'));
    waker.wake();
  };
  call.on('cancelled', stop);
  call.on('close', stop);
  const direct = http2StreamOf(call);
  // The response headers go first (once per call: DownloadRanges sends many ranges on one),
  // through grpc-js, which then sends the trailers after our data.
  if (direct && !headersSent.has(call)) {
    headersSent.add(call);
    call.sendMetadata(new Metadata());
  }
  const send = (chunk: EncodedDataChunk, sent: () => void): void => {
    if (!direct) {
      call.write(chunk, sent);
      return;
    }
    direct.write(chunk.framed, (error) => {
      if (error)
        stop(); // the stream broke (grpc-js ends the call); nothing was sent
      else sent();
    });
  };
  try {
    for (let position = start, next = 0; position < end && !ended(); next++) {
      const slot = slots[next % RING]!;
      while (slot.busy && !ended()) {
        const left = Math.max(0, endBy - Date.now());
        if (!(await waker.wait(Math.min(stallMs, left)))) {
          resetStream(call);
          throw new TimeoutError(
            left < stallMs
              ? `the reader took more than ${Math.round(maxMs)} ms for the range`
              : `the reader took nothing for ${stallMs} ms`,
          );
        }
      }
      if (ended()) return;
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
      send(encodeInPlace(slot.buffer, position, length), () => {
        slot.busy = false;
        onSent(length);
        if (finished) giveBack(slot.buffer);
        else waker.wake();
      });
      position += length;
    }
  } finally {
    call.off('cancelled', stop);
    call.off('close', stop);
    finished = true;
    // A slot whose write failed or never completes stays busy and is left to the collector.
    for (const slot of slots) if (!slot.busy) giveBack(slot.buffer);
  }
}

async function readFully(
  handle: Pick<ReadableFile, 'read'>,
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
