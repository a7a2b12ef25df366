// streamFileRange against a reader that trickles: it takes every message,
// just slower than transfer.serveMinBytesPerSec, so the stall reset never
// fires; the call is ended once it outlasts its allowance. (A real gRPC
// client buffers what it is sent whether or not it is read, so the trickle
// is played by the call object here: its write callback is the reader.)
import type { ServerWritableStream } from '@grpc/grpc-js';
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MESSAGE_BYTES, streamFileRange } from '../../src/grpc/download-stream.js';
import { BandwidthLimiter } from '../../src/transfer/bandwidth/bandwidth-limiter.js';

const NONE = { upload: 0, download: 0, perPeerUpload: 0, perPeerDownload: 0 };

const MESSAGES = 20;
/** One message taken per this long: never a stall, far below the file's allowance. */
const TAKE_MS = 50;
const STALL_MS = 1000;
const MAX_MS = 400;

/** A call whose reader takes one message per TAKE_MS. */
function tricklingCall(): { call: ServerWritableStream<unknown, unknown>; taken: () => number } {
  let taken = 0;
  let queue = Promise.resolve();
  const call = Object.assign(new EventEmitter(), {
    cancelled: false,
    write(_message: unknown, done: () => void): boolean {
      queue = queue.then(
        () =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              taken++;
              done();
              resolve();
            }, TAKE_MS),
          ),
      );
      return false;
    },
  });
  return { call: call as unknown as ServerWritableStream<unknown, unknown>, taken: () => taken };
}

describe('grpc: a served Download against a trickling reader', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-trickle-'));
    await writeFile(join(dir, 'big.bin'), Buffer.alloc(MESSAGES * MESSAGE_BYTES, 7));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('ends the call once it outlasts maxMs, though the reader never stalls', async () => {
    const handle = await open(join(dir, 'big.bin'));
    const { call, taken } = tricklingCall();
    const started = Date.now();
    try {
      const err = await streamFileRange(
        call,
        handle,
        0,
        MESSAGES * MESSAGE_BYTES,
        () => undefined,
        STALL_MS,
        MAX_MS,
      ).then(
        () => undefined,
        (e: Error) => e,
      );
      const elapsed = Date.now() - started;
      console.log(
        `      [figures] trickling reader: ended after ${elapsed} ms (allowed ${MAX_MS} ms), ` +
          `${taken()} of ${MESSAGES} messages taken`,
      );
      expect(err?.name).to.equal('TimeoutError');
      expect(err?.message).to.match(/took more than 400 ms/);
      expect(taken()).to.be.below(MESSAGES);
      expect(elapsed)
        .to.be.at.least(MAX_MS - 5)
        .and.below(MAX_MS + STALL_MS);
    } finally {
      await handle.close();
    }
  });

  it('lets the same reader finish when the allowance covers the range', async () => {
    const handle = await open(join(dir, 'big.bin'));
    const { call } = tricklingCall();
    try {
      await streamFileRange(call, handle, 0, 4 * MESSAGE_BYTES, () => undefined, STALL_MS, 5000);
    } finally {
      await handle.close();
    }
  });
});

describe('grpc: a served Download under an upload limit', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2pd-paced-'));
    await writeFile(join(dir, 'big.bin'), Buffer.alloc(2 * MESSAGE_BYTES, 7));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('sends small messages at the limit, and its own waits do not count against maxMs', async () => {
    const handle = await open(join(dir, 'big.bin'));
    const sizes: number[] = [];
    const call = Object.assign(new EventEmitter(), {
      cancelled: false,
      write(message: { wire: Buffer }, done: () => void): boolean {
        sizes.push(message.wire.length);
        setImmediate(done); // a reader that takes everything at once
        return true;
      },
    }) as unknown as ServerWritableStream<unknown, unknown>;
    const limiter = new BandwidthLimiter({}, { ...NONE, upload: 4 * MESSAGE_BYTES });
    const started = Date.now();
    try {
      // 2 MiB at 4 MiB/s is ~500 ms, more than maxMs: only the limit's waits make up the time.
      await streamFileRange(call, handle, 0, 2 * MESSAGE_BYTES, () => undefined, STALL_MS, 300, {
        take: (bytes, signal) => limiter.take('up', 'reader', bytes, signal),
        messageBytes: () => (4 * MESSAGE_BYTES) / 10,
      });
    } finally {
      await handle.close();
    }
    const elapsed = Date.now() - started;
    expect(Math.max(...sizes)).to.be.below(MESSAGE_BYTES / 2);
    // ~400 ms: unpaced it takes a few ms; the upper bound leaves a loaded machine room.
    expect(elapsed).to.be.within(350, 1200);
  });

  it('stops waiting when the call is cancelled', async () => {
    const handle = await open(join(dir, 'big.bin'));
    const call = Object.assign(new EventEmitter(), {
      cancelled: false,
      write(_message: unknown, done: () => void): boolean {
        setImmediate(done);
        return true;
      },
    });
    const limiter = new BandwidthLimiter({}, { ...NONE, upload: 64 * 1024 });
    setTimeout(() => {
      call.cancelled = true;
      call.emit('cancelled');
    }, 100);
    const started = Date.now();
    try {
      await streamFileRange(
        call as unknown as ServerWritableStream<unknown, unknown>,
        handle,
        0,
        2 * MESSAGE_BYTES,
        () => undefined,
        STALL_MS,
        Infinity,
        {
          take: (bytes, signal) => limiter.take('up', 'reader', bytes, signal),
          messageBytes: () => 16 * 1024,
        },
      );
    } finally {
      await handle.close();
    }
    expect(Date.now() - started).to.be.below(500);
  });
});
