// The chunk scheduler against an in-memory transport whose sources have
// different speeds and failures: who gets which chunks, and what happens
// when sources misbehave.
import { expect } from 'chai';
import { pino } from 'pino';
import { CancelledError, TooManyRequestsError, UnavailableError } from '../../src/errors.js';
import { ChunkDownloader } from '../../src/transfer/chunk-downloader.js';
import { ChunkMap } from '../../src/transfer/chunk-map.js';
import type { FileMeta } from '../../src/transfer/metadata.js';
import { SourceState } from '../../src/transfer/sources.js';
import type { DataPiece, PeerTransport } from '../../src/transfer/transport.js';
import { KiB, chunkHashesOf, randomContent, sha256Of } from './helpers.js';

const CHUNK = 16 * KiB;
const PIECE = 8 * KiB;

interface Behavior {
  /** Pause per piece, ms: a slower link. */
  delayMs?: number;
  /** Hang forever once this many bytes were sent in one request. */
  hangAfter?: number;
  /** Fail the first n requests with this error. */
  failFirst?: { n: number; error: () => Error };
  /** The first request sends nothing, ever. */
  hangFirst?: boolean;
  /** Fail every request. */
  failAlways?: () => Error;
}

function memoryTransport(content: Buffer, behaviors: Record<string, Behavior>) {
  const calls: Record<string, number> = {};
  const transport: PeerTransport = {
    getFile: () => Promise.reject(new Error('not used')),
    upload: () => Promise.reject(new Error('not used')),
    close: () => undefined,
    async *download(address, { offset, length }, { signal }): AsyncGenerator<DataPiece> {
      const b = behaviors[address] ?? {};
      const n = (calls[address] = (calls[address] ?? 0) + 1);
      if (b.failAlways) throw b.failAlways();
      if (b.failFirst && n <= b.failFirst.n) throw b.failFirst.error();
      let sent = 0;
      for (let at = offset; at < offset + length; at += PIECE) {
        if ((b.hangAfter !== undefined && sent >= b.hangAfter) || (b.hangFirst && n === 1)) {
          await new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(new CancelledError('aborted')), {
              once: true,
            }),
          );
        }
        if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
        if (signal.aborted) throw new CancelledError('aborted');
        const data = Buffer.from(content.subarray(at, Math.min(offset + length, at + PIECE)));
        sent += data.length;
        yield { offset: at, data };
      }
    },
  };
  return { transport, calls };
}

async function download(
  content: Buffer,
  behaviors: Record<string, Behavior>,
  options: { maxRequests?: number; requestChunks?: number; stallTimeoutMs?: number } = {},
) {
  const meta: FileMeta = {
    sha256: sha256Of(content),
    size: content.length,
    chunkSize: CHUNK,
    chunkHashes: chunkHashesOf(content, CHUNK),
  };
  const done = new ChunkMap(meta.chunkHashes.length);
  const sources = Object.keys(behaviors).map((a) => new SourceState(a, '', 2));
  const assembled = Buffer.alloc(content.length);
  const { transport, calls } = memoryTransport(content, behaviors);
  const downloader = new ChunkDownloader(
    meta,
    done,
    sources,
    {
      maxRequests: options.maxRequests ?? 8,
      requestChunks: options.requestChunks ?? 4,
      stallTimeoutMs: options.stallTimeoutMs ?? 10_000,
    },
    {
      transport,
      store: async (index, data) => {
        if (sha256Of(data) !== meta.chunkHashes[index]) return false;
        data.copy(assembled, index * CHUNK);
        return true;
      },
      onChunk: () => undefined,
    },
    pino({ level: 'silent' }),
  );
  let error: Error | undefined;
  await downloader.run(new AbortController().signal).catch((err: Error) => (error = err));
  return { sources, assembled, done, error, calls };
}

describe('transfer: chunk downloader', function () {
  this.timeout(30_000);

  it('gives a faster source more chunks', async () => {
    const content = randomContent(128 * CHUNK);
    const { sources, assembled, error } = await download(content, {
      fast: {},
      slow: { delayMs: 15 },
    });
    expect(error).to.equal(undefined);
    expect(assembled.equals(content)).to.equal(true);
    const [fast, slow] = sources;
    expect(fast!.chunks + slow!.chunks).to.be.at.least(128);
    expect(fast!.chunks).to.be.greaterThan(slow!.chunks * 2);
  });

  it('takes over the chunks a hung source holds (end-game) instead of waiting', async () => {
    const content = randomContent(32 * CHUNK);
    const started = Date.now();
    const { assembled, error, sources } = await download(content, {
      hung: { hangAfter: PIECE },
      good: {},
    });
    expect(error).to.equal(undefined);
    expect(assembled.equals(content)).to.equal(true);
    expect(sources[0]!.chunks).to.equal(0);
    expect(Date.now() - started).to.be.below(5000);
  });

  it('abandons a request that stalls and asks for its chunks again', async () => {
    const content = randomContent(8 * CHUNK);
    const { assembled, error, calls, sources } = await download(
      content,
      { stalls: { hangFirst: true } },
      { stallTimeoutMs: 200, requestChunks: 2 },
    );
    expect(error).to.equal(undefined);
    expect(assembled.equals(content)).to.equal(true);
    expect(calls.stalls).to.be.greaterThan(4);
    expect(sources[0]!.dropped).to.equal(false);
  });

  it('retries a source that fails now and then', async () => {
    const content = randomContent(16 * CHUNK);
    const { assembled, error, sources, calls } = await download(content, {
      flaky: { failFirst: { n: 2, error: () => new UnavailableError('connection reset') } },
    });
    expect(error).to.equal(undefined);
    expect(assembled.equals(content)).to.equal(true);
    expect(sources[0]!.dropped).to.equal(false);
    expect(calls.flaky).to.be.greaterThan(2);
  });

  it('asks less of a source that says it is busy', async () => {
    const content = randomContent(16 * CHUNK);
    const { error, sources } = await download(content, {
      busy: { failFirst: { n: 1, error: () => new TooManyRequestsError('busy') } },
    });
    expect(error).to.equal(undefined);
    expect(sources[0]!.limit).to.equal(1);
  });

  it('fails naming every source when none can deliver', async () => {
    const content = randomContent(4 * CHUNK);
    const { error, sources, done } = await download(content, {
      a: { failAlways: () => new UnavailableError('a is down') },
      b: { failAlways: () => new UnavailableError('b is down') },
    });
    expect(error).to.be.instanceOf(UnavailableError);
    expect(error!.message).to.match(/a: failed 3 times.*a is down.*b: failed 3 times.*b is down/);
    expect(sources.every((s) => s.dropped)).to.equal(true);
    expect(done.size).to.equal(0);
  });
});
