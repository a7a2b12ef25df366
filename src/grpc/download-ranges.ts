// PeerService.DownloadRanges: Download's ranges one after another on one
// stream, each opened, paced, checked and timed as a Download call is, so a
// fetch's runs of chunks cost no new call each. The caller is a stranger: at
// most one request may wait behind the range being sent, a malformed one
// ends the stream, and a stream nobody asks anything of is ended.
import type { ServerDuplexStream, ServerWritableStream } from '@grpc/grpc-js';
import type { Core } from '../core.js';
import { InvalidArgumentError } from '../errors.js';
import type { DataChunk } from '../generated/p2p/v1/DataChunk.js';
import type { DownloadRequest__Output } from '../generated/p2p/v1/DownloadRequest.js';
import { Waker } from '../waker.js';
import { peerGuard } from './caller.js';
import { streamFileRange } from './download-stream.js';
import { callerHost, streamingCall } from './handle.js';
import { checkSafeIntegers } from './safe-integers.js';
import type { StreamCaps } from './stream-caps.js';

/** Requests that may wait behind the range being sent: an honest fetcher sends the next after. */
const MAX_WAITING = 1;

/** Sends one range of a Download or DownloadRanges call, as the file's holder allows. */
export async function serveRange(
  core: Core,
  call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
  req: DownloadRequest__Output,
): Promise<void> {
  const range = await core.transfers.swarm.open(
    req.sha256,
    req.offset,
    req.length,
    callerHost(call.getPeer()),
  );
  if (!range) return; // nothing to send: an empty file
  const { serveStallMs, serveMinBytesPerSec } = core.config.transfer;
  try {
    await streamFileRange(
      call,
      range.handle,
      range.start,
      range.end,
      range.sent,
      serveStallMs,
      // The stall allowance plus the range at serveMinBytesPerSec (below the rate a
      // fetcher's own deadline assumes, so an honest fetcher gives up first).
      serveStallMs + ((range.end - range.start) * 1000) / serveMinBytesPerSec,
      range,
    );
  } finally {
    await range.close();
  }
}

export function downloadRangesHandler(
  core: Core,
  streams: StreamCaps,
): (call: ServerDuplexStream<DownloadRequest__Output, DataChunk>) => void {
  const idleMs = core.config.transfer.serveStallMs;
  return streamingCall<ServerDuplexStream<DownloadRequest__Output, DataChunk>>(
    'PeerService/DownloadRanges',
    core.metrics,
    async (call) => {
      const release = streams.acquire(callerHost(call.getPeer()), 'DownloadRanges');
      const requests = waitingRequests(call);
      try {
        for (;;) {
          const req = await requests.next(idleMs);
          if (!req || call.cancelled) break;
          checkSafeIntegers(req);
          if (!(req.length > 0)) {
            throw new InvalidArgumentError('every range on DownloadRanges needs a length');
          }
          await serveRange(core, call, req);
        }
      } finally {
        requests.stop();
        release();
      }
    },
    peerGuard(core.wire),
  );
}

/**
 * The call's requests in order. `next` resolves with the next one, or
 * undefined once the caller ended its side, cancelled, or asked nothing for
 * `idleMs`; it rejects once more than MAX_WAITING wait.
 */
function waitingRequests(call: ServerDuplexStream<DownloadRequest__Output, DataChunk>): {
  next(idleMs: number): Promise<DownloadRequest__Output | undefined>;
  stop(): void;
} {
  const waiting: DownloadRequest__Output[] = [];
  let ended = false;
  let overrun = false;
  const waker = new Waker();
  const onData = (req: DownloadRequest__Output): void => {
    if (waiting.length >= MAX_WAITING) overrun = true;
    else waiting.push(req);
    waker.wake();
  };
  const onEnd = (): void => {
    ended = true;
    waker.wake();
  };
  call.on('data', onData);
  call.on('end', onEnd);
  call.on('cancelled', onEnd);
  call.on('close', onEnd);
  return {
    async next(idleMs) {
      if (waiting.length === 0 && !ended && !overrun && !(await waker.wait(idleMs))) {
        ended = true;
      }
      if (overrun) {
        throw new InvalidArgumentError(
          `more than ${MAX_WAITING} range asked for ahead of the one being sent`,
        );
      }
      return waiting.shift();
    },
    stop() {
      call.off('data', onData);
      call.off('end', onEnd);
      call.off('cancelled', onEnd);
      call.off('close', onEnd);
    },
  };
}
