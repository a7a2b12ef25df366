// The chunk scheduler against an in-memory transport whose sources have
// different speeds and failures: who gets which chunks, and what happens
// when sources misbehave.
import { expect } from 'chai';
import { pino } from 'pino';
import {
  CancelledError,
  InternalError,
  TooManyRequestsError,
  UnavailableError,
} from '../../src/errors.js';
import { ChunkDownloader } from '../../src/transfer/chunk-downloader.js';
import { ChunkMap } from '../../src/transfer/chunk-map.js';
import type { FileMeta } from '../../src/transfer/metadata.js';
import { SourceState } from '../../src/transfer/sources.js';
import { CHECKED_FIRST, checkOnArrival } from '../../src/transfer/spot-checks.js';
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
  /** A partial holder: the chunks it says it has (its have-map). */
  has?: number[];
  /** Sends flipped bytes (a liar). */
  corrupt?: boolean;
}

function memoryTransport(
  content: Buffer,
  behaviors: Record<string, Behavior>,
  leadOf: (address: string) => number,
) {
  const calls: Record<string, number> = {};
  /** Each request as it started: chunks its source's running requests had left to send, and its lead then. */
  const starts: { address: string; left: number[]; lead: number }[] = [];
  const live: Record<string, Set<{ length: number; sent: number }>> = {};
  /** Byte ranges asked of each source, as [offset, length]. */
  const asked: Record<string, [number, number][]> = {};
  /** Most requests each source had running at once. */
  const peak: Record<string, number> = {};
  const running: Record<string, number> = {};
  const transport: PeerTransport = {
    getFile: () => Promise.reject(new Error('not used')),
    upload: () => Promise.reject(new Error('not used')),
    close: () => undefined,
    async *download(address, { offset, length }, { signal }): AsyncGenerator<DataPiece[]> {
      const b = behaviors[address] ?? {};
      const n = (calls[address] = (calls[address] ?? 0) + 1);
      (asked[address] ??= []).push([offset, length]);
      running[address] = (running[address] ?? 0) + 1;
      peak[address] = Math.max(peak[address] ?? 0, running[address]);
      const mine = (live[address] ??= new Set());
      starts.push({
        address,
        left: [...mine].map((r) => Math.ceil((r.length - r.sent) / CHUNK)),
        lead: leadOf(address),
      });
      const me = { length, sent: 0 };
      mine.add(me);
      try {
        for await (const pieces of serve(b, n, offset, length, signal)) {
          for (const p of pieces) me.sent += p.data.length;
          yield pieces;
        }
      } finally {
        running[address]!--;
        mine.delete(me);
      }
    },
  };
  async function* serve(
    b: Behavior,
    n: number,
    offset: number,
    length: number,
    signal: AbortSignal,
  ): AsyncGenerator<DataPiece[]> {
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
      if (b.corrupt) for (let i = 0; i < data.length; i++) data[i] = data[i]! ^ 0xff;
      sent += data.length;
      yield [{ offset: at, data }];
    }
  }
  return { transport, calls, asked, peak, starts };
}

async function download(
  content: Buffer,
  behaviors: Record<string, Behavior>,
  options: {
    maxRequests?: number;
    requestChunks?: number;
    stallTimeoutMs?: number;
    spotCheckOneIn?: number;
    /** Leases after which each one fails, as a broken chunk thread's would. */
    leasesBeforeFailing?: number;
  } = {},
) {
  const meta: FileMeta = {
    sha256: sha256Of(content),
    size: content.length,
    chunkSize: CHUNK,
    chunkHashes: chunkHashesOf(content, CHUNK),
  };
  const done = new ChunkMap(meta.chunkHashes.length);
  const sources = Object.keys(behaviors).map((a) => new SourceState(a, '', 2));
  for (const s of sources) {
    const has = behaviors[s.address]!.has;
    if (!has) continue;
    s.have = new ChunkMap(meta.chunkHashes.length);
    for (const c of has) s.have.set(c);
  }
  const assembled = Buffer.alloc(content.length);
  /** Chunks in the order they were stored. */
  const stored: number[] = [];
  /** Per source, whether each chunk it delivered was checked on arrival, in order. */
  const checks = new Map<string, boolean[]>();
  // The downloader's rule for when a source's next request may start (see nearlyDone).
  const leadOf = (address: string): number => {
    const s = sources.find((x) => x.address === address)!;
    return Math.max(2, Math.ceil((s.rate * s.firstChunkMs) / 1000 / CHUNK));
  };
  const { transport, calls, asked, peak, starts } = memoryTransport(content, behaviors, leadOf);
  let leases = 0;
  const downloader = new ChunkDownloader(
    meta,
    done,
    sources,
    {
      maxRequests: options.maxRequests ?? 8,
      requestChunks: options.requestChunks ?? 4,
      stallTimeoutMs: options.stallTimeoutMs ?? 10_000,
      spotCheckOneIn: options.spotCheckOneIn ?? 1,
    },
    {
      transport,
      lease: () =>
        ++leases > (options.leasesBeforeFailing ?? Infinity)
          ? Promise.reject(new Error('the slot is gone'))
          : Promise.resolve({ slot: 0, buffer: Buffer.alloc(CHUNK) }),
      release: () => undefined,
      store: async (index, slot, length, check) => {
        const data = slot.buffer.subarray(0, length);
        if (check && sha256Of(data) !== meta.chunkHashes[index]) return false;
        data.copy(assembled, index * CHUNK);
        stored.push(index);
        return true;
      },
      onChunk: (_index, _length, source, checked) => {
        checks.set(source.address, [...(checks.get(source.address) ?? []), checked]);
      },
    },
    pino({ level: 'silent' }),
  );
  let error: Error | undefined;
  await downloader.run(new AbortController().signal).catch((err: Error) => (error = err));
  return { sources, assembled, done, error, calls, asked, peak, stored, checks, starts, leases };
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

  it('asks a source for its next run only as the one before ends: chunks come in file order', async () => {
    const content = randomContent(128 * CHUNK);
    const { assembled, error, asked, stored, starts } = await download(
      content,
      { a: { delayMs: 2 } },
      { requestChunks: 16 },
    );
    expect(error).to.equal(undefined);
    expect(assembled.equals(content)).to.equal(true);
    expect(asked.a!.length).to.be.at.least(8);
    // A chunk stored past the first one missing waits in memory for the whole-file hash.
    const have = new Set<number>();
    let frontier = 0;
    let early = 0;
    for (const index of stored) {
      if (index !== frontier) early++;
      have.add(index);
      while (have.has(frontier)) frontier++;
    }
    // A run starts only when the one before has at most its lead left (a round trip's worth of
    // chunks, from the source's measured rate and first-chunk time: 2 here, more on a loaded
    // machine), so runs overlap only in their last chunks: 9 stored early in all here, 21-29
    // under CI's load, 60 with runs asked for two at a time (no lead).
    const overlaps = starts.filter((st) => st.left.length > 0);
    expect(overlaps.length).to.be.at.least(6);
    for (const st of overlaps) expect(Math.max(...st.left)).to.be.at.most(st.lead);
    expect(early).to.be.at.most(overlaps.reduce((n, st) => n + st.lead, 0));
  });

  it('asks a sole source for whole runs, two at a time, and shares both out among several', async () => {
    const content = randomContent(96 * CHUNK);
    const runsOf = (asked: Record<string, [number, number][]>): number[] =>
      Object.values(asked).flatMap((ranges) => ranges.map(([, length]) => length / CHUNK));
    const alone = await download(content, { a: { delayMs: 1 } }, { requestChunks: 8 });
    expect(alone.error).to.equal(undefined);
    expect(alone.assembled.equals(content)).to.equal(true);
    // Whole runs until the tail, where runs shrink so it spreads over the request slots.
    expect(runsOf(alone.asked).slice(0, 8)).to.deep.equal([8, 8, 8, 8, 8, 8, 8, 8]);
    // Its second request hides the gap before the next one starts.
    expect(alone.peak.a).to.equal(2);
    const sources = { a: { delayMs: 1 }, b: { delayMs: 1 }, c: { delayMs: 1 }, d: { delayMs: 1 } };
    const shared = await download(content, sources, { requestChunks: 8 });
    expect(shared.error).to.equal(undefined);
    expect(shared.assembled.equals(content)).to.equal(true);
    // Among several, one request each: the others fill the gap.
    expect(Object.values(shared.peak)).to.deep.equal([1, 1, 1, 1]);
    // End-game copies of a last run may add to the 96 chunks; none is longer than a share.
    const runs = runsOf(shared.asked);
    expect(Math.max(...runs)).to.equal(2);
    expect(runs.reduce((a, b) => a + b, 0)).to.be.at.least(96);
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

  it('asks less of a source that says it is busy, and its full share again once it serves', async () => {
    const content = randomContent(16 * CHUNK);
    const { error, sources } = await download(content, {
      busy: { failFirst: { n: 1, error: () => new TooManyRequestsError('busy') } },
    });
    expect(error).to.equal(undefined);
    expect(sources[0]!.busy).to.equal(0);
    expect(sources[0]!.limit).to.equal(sources[0]!.maxLimit);
  });

  it('never drops a source for being busy (choked): busy is not a fault', async () => {
    const content = randomContent(8 * CHUNK);
    const { error, sources, done } = await download(content, {
      choking: { failFirst: { n: 6, error: () => new TooManyRequestsError('choked') } },
    });
    expect(error).to.equal(undefined);
    expect(sources[0]!.dropped).to.equal(false);
    expect(done.complete).to.equal(true);
  });

  it('asks a partial holder only for chunks its have-map lists', async () => {
    const content = randomContent(32 * CHUNK);
    const evens = Array.from({ length: 16 }, (_, i) => 2 * i);
    const { error, assembled, asked, sources } = await download(content, {
      seed: { delayMs: 5 },
      partial: { has: evens },
    });
    expect(error).to.equal(undefined);
    expect(assembled.equals(content)).to.equal(true);
    expect(sources[1]!.chunks, 'chunks the partial holder served').to.be.above(0);
    for (const [offset, length] of asked.partial ?? []) {
      for (let c = offset / CHUNK; c < (offset + length) / CHUNK; c++) {
        expect(c % 2, `chunk ${c} asked of the partial holder`).to.equal(0);
      }
    }
  });

  it('spreads the first chunks at random and then takes the rarest', async () => {
    const content = randomContent(64 * CHUNK);
    // Chunks 0-31 are held by two partial holders; 32-63 only by the seed: the rarest.
    const low = Array.from({ length: 32 }, (_, i) => i);
    const { error, assembled, asked } = await download(
      content,
      { seed: { delayMs: 2 }, p1: { has: low, delayMs: 2 }, p2: { has: low, delayMs: 2 } },
      { maxRequests: 1, requestChunks: 1 },
    );
    expect(error).to.equal(undefined);
    expect(assembled.equals(content)).to.equal(true);
    const fromSeed = (asked.seed ?? []).map(([offset]) => offset / CHUNK);
    // Past the random first few, the seed is asked for the chunks only it has before any other.
    const lastRare = fromSeed.findLastIndex((c) => c >= 32);
    expect(lastRare).to.be.at.least(31);
    expect(fromSeed.slice(4, lastRare + 1).filter((c) => c < 32)).to.deep.equal([]);
    // And the first few were not simply the lowest.
    expect(fromSeed.slice(0, 4)).to.not.deep.equal([0, 1, 2, 3]);
  });

  it('drops a partial holder that sends wrong bytes and completes from the others', async () => {
    const content = randomContent(16 * CHUNK);
    const all = Array.from({ length: 16 }, (_, i) => i);
    const { error, assembled, sources } = await download(content, {
      liar: { has: all, corrupt: true },
      seed: { delayMs: 2 },
    });
    expect(error).to.equal(undefined);
    expect(assembled.equals(content)).to.equal(true);
    expect(sources[0]!.dropped).to.equal(true);
    expect(sources[0]!.error).to.match(/does not match its hash/);
  });

  it("checks each source's first chunks on arrival and leaves the rest to the whole-file hash", async () => {
    const content = randomContent(64 * CHUNK);
    const { assembled, error, checks } = await download(
      content,
      { a: {}, b: { delayMs: 2 } },
      { spotCheckOneIn: 1e9 },
    );
    expect(error).to.equal(undefined);
    expect(assembled.equals(content)).to.equal(true);
    for (const [address, flags] of checks) {
      expect(flags.length, address).to.be.greaterThan(CHECKED_FIRST);
      expect(flags.slice(0, CHECKED_FIRST), address).to.deep.equal(Array(CHECKED_FIRST).fill(true));
      expect(flags.slice(CHECKED_FIRST).includes(true), address).to.equal(false);
    }
  });

  it('spot-checks about one chunk in N after the first ones, at random', () => {
    let n = 0;
    const sequence = [0.5, 0.01, 0.99, 0.06, 0.07];
    const random = (): number => sequence[n++ % sequence.length]!;
    const checked = Array.from({ length: 9 }, (_, i) => checkOnArrival(i, 16, random));
    // The first four always, without drawing; then 0.5 no, 0.01 yes, 0.99 no, 0.06 yes (< 1/16), 0.07 no.
    expect(checked).to.deep.equal([true, true, true, true, false, true, false, true, false]);
    expect(n).to.equal(5);
    let all = 0;
    for (let i = 0; i < 1000; i++) if (checkOnArrival(CHECKED_FIRST + i, 1)) all++;
    expect(all, 'one in 1: every chunk').to.equal(1000);
  });

  it('fails at once when a chunk cannot be held (our fault), blaming no source', async () => {
    const content = randomContent(64 * CHUNK);
    const { error, sources, calls, leases } = await download(
      content,
      { a: {}, b: {} },
      { leasesBeforeFailing: 5 },
    );
    expect(error).to.be.instanceOf(InternalError);
    expect(error!.message).to.match(/cannot hold a chunk in memory: the slot is gone/);
    expect(sources.some((s) => s.dropped)).to.equal(false);
    // Retrying would ask the sources again (3 failures each before a drop) and lease more.
    expect((calls.a ?? 0) + (calls.b ?? 0)).to.be.at.most(8);
    expect(leases).to.be.at.most(5 + 8);
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
