// The bandwidth limiter on a real clock: the rate it lets through, how fast a
// change reaches waiters already queued, and per-peer buckets under the
// global one. Plus the rate parser every facade and the config share.
import { expect } from 'chai';
import { InvalidArgumentError } from '../../src/errors.js';
import { parseRate, formatRate } from '../../src/net/rates.js';
import { BandwidthLimiter } from '../../src/transfer/bandwidth/bandwidth-limiter.js';
import { TokenBucket } from '../../src/transfer/bandwidth/token-bucket.js';

const KiB = 1024;
const MiB = 1024 * KiB;

const none = { upload: 0, download: 0, perPeerUpload: 0, perPeerDownload: 0 };

/** Takes `piece`-byte pieces for `peer` until `stop()`; counts what passed, with times. */
function pump(
  limiter: BandwidthLimiter,
  peer: string,
  piece: number,
): { bytes: () => number; at: number[]; stop: () => Promise<void> } {
  let running = true;
  let bytes = 0;
  const at: number[] = [];
  const done = (async () => {
    while (running) {
      const wait = limiter.take('down', peer, piece);
      if (wait) await wait;
      else await new Promise<void>((resolve) => setImmediate(resolve));
      bytes += piece;
      at.push(performance.now());
    }
  })();
  return {
    bytes: () => bytes,
    at,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('bandwidth limits', function () {
  this.timeout(20_000);

  it('holds a global rate within a few percent', async () => {
    const limiter = new BandwidthLimiter({}, { ...none, download: 1 * MiB });
    const flow = pump(limiter, 'a', 64 * KiB);
    await sleep(300); // past the first burst
    const from = flow.bytes();
    const t0 = performance.now();
    await sleep(2000);
    const rate = ((flow.bytes() - from) * 1000) / (performance.now() - t0);
    await flow.stop();
    console.log(
      `      [figures] limiter at 1 MiB/s, 64 KiB pieces: ${(rate / MiB).toFixed(3)} MiB/s`,
    );
    // Never over; a stall of the loop beyond the bucket's burst (~0.1 s here) loses time.
    expect(rate / MiB).to.be.within(0.9, 1.05);
  });

  it('lets messages larger than the burst through, each when all its bytes are due', async () => {
    const limiter = new BandwidthLimiter({}, { ...none, download: 2 * MiB });
    const flow = pump(limiter, 'a', 1 * MiB);
    await sleep(600);
    const from = flow.bytes();
    const t0 = performance.now();
    await sleep(2000);
    const rate = ((flow.bytes() - from) * 1000) / (performance.now() - t0);
    await flow.stop();
    // 1 MiB steps over 2 s: ±1 message of quantization.
    expect(rate / MiB).to.be.within(1.5, 2.5);
  });

  it('applies a change to waiters already queued within a fraction of a second', async () => {
    const limiter = new BandwidthLimiter({}, { ...none, download: 64 * KiB });
    const flow = pump(limiter, 'a', 64 * KiB); // a second per piece at the old rate
    await sleep(1200);
    const changed = performance.now();
    limiter.update({ download: '4MiB/s' });
    await sleep(1000);
    const after = flow.at.filter((t) => t > changed);
    await flow.stop();
    const firstMs = after[0]! - changed;
    const rate =
      after.length > 1 ? ((after.length - 1) * 64 * KiB * 1000) / (after.at(-1)! - after[0]!) : 0;
    console.log(
      `      [figures] limiter 64 KiB/s → 4 MiB/s: first piece ${firstMs.toFixed(0)} ms after the change, then ${(rate / MiB).toFixed(2)} MiB/s`,
    );
    expect(firstMs).to.be.below(100);
    expect(rate / MiB).to.be.within(3.6, 4.4);
  });

  it('caps each peer by its own bucket, and all of them by the global one', async () => {
    const limiter = new BandwidthLimiter({}, { ...none, perPeerDownload: 256 * KiB });
    const started = performance.now();
    const a = pump(limiter, 'a', 16 * KiB);
    const b = pump(limiter, 'b', 16 * KiB);
    await sleep(1500);
    // Rates over the time that passed: a loaded machine wakes a sleep late.
    const first = (performance.now() - started) / 1000;
    const [ra, rb] = [a.bytes() / first, b.bytes() / first];
    // Now a global cap below the two per-peer rates together.
    limiter.update({ download: 384 * KiB });
    const [a0, b0] = [a.bytes(), b.bytes()];
    const changed = performance.now();
    await sleep(1500);
    const total = (a.bytes() - a0 + b.bytes() - b0) / ((performance.now() - changed) / 1000);
    await Promise.all([a.stop(), b.stop()]);
    // The first window includes each bucket's initial burst (16 KiB + 10 % of the rate).
    expect(ra / KiB).to.be.within(240, 300);
    expect(rb / KiB).to.be.within(240, 300);
    expect(total / KiB).to.be.within(350, 420);
  });

  it('costs nothing unlimited, and counts what it held back', async () => {
    const held: number[] = [];
    const limiter = new BandwidthLimiter(
      { onThrottled: (_d, ms) => held.push(ms) },
      { ...none, upload: 64 * KiB },
    );
    expect(limiter.take('down', 'a', 10 * MiB)).to.equal(undefined);
    expect(limiter.take('up', 'a', 16 * KiB), 'within the burst').to.equal(undefined);
    await limiter.take('up', 'a', 32 * KiB);
    expect(held).to.have.length(1);
    expect(held[0]).to.be.above(200);
  });

  it('rejects a queued wait when its signal aborts, and serves the next', async () => {
    const bucket = new TokenBucket(16 * KiB);
    expect(bucket.take(16 * KiB)).to.equal(undefined);
    const controller = new AbortController();
    const first = bucket.take(16 * KiB, controller.signal)!;
    const second = bucket.take(16 * KiB)!;
    controller.abort(new Error('gone'));
    const t0 = performance.now();
    const err = await first.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).to.equal('gone');
    await second;
    expect(performance.now() - t0).to.be.below(1500);
  });

  it('lifts a limit at once for everyone waiting', async () => {
    const bucket = new TokenBucket(16 * KiB);
    bucket.take(16 * KiB);
    const waits = [bucket.take(16 * KiB)!, bucket.take(16 * KiB)!, bucket.take(16 * KiB)!];
    const t0 = performance.now();
    bucket.setRate(0);
    await Promise.all(waits);
    expect(performance.now() - t0).to.be.below(50);
  });

  it('refuses a change with a bad field and applies none of it', () => {
    const limiter = new BandwidthLimiter({}, none);
    expect(() => limiter.update({ upload: '5MiB/s', download: -1 })).to.throw(
      InvalidArgumentError,
      /download: must be 0 \(unlimited\) or a positive rate/,
    );
    expect(limiter.current()).to.deep.equal(none);
    expect(limiter.update({ upload: '5MiB/s', perPeerDownload: 'unlimited' })).to.deep.equal({
      ...none,
      upload: 5 * MiB,
    });
  });
});

describe('rates as people write them', () => {
  it('reads units of bytes and bits, binary and decimal', () => {
    const cases: [unknown, number][] = [
      ['5MiB/s', 5 * MiB],
      ['500 KiB/s', 500 * KiB],
      ['1.5MiB', 1.5 * MiB],
      ['10Mbit/s', 1_250_000],
      ['100mbps', 12_500_000],
      ['2MB/s', 2_000_000],
      ['1GiB/s', 1024 * MiB],
      ['65536', 65536],
      [65536, 65536],
      [0, 0],
      ['0', 0],
      ['unlimited', 0],
    ];
    for (const [input, rate] of cases) {
      expect(parseRate(input), String(input)).to.deep.equal({ ok: true, rate });
    }
  });

  it('refuses negative, non-numbers, absurd and ambiguous rates with a reason', () => {
    const cases: [unknown, RegExp][] = [
      [-1, /positive rate/],
      [Number.NaN, /positive rate/],
      [Number.POSITIVE_INFINITY, /positive rate/],
      ['-5MiB/s', /expected a rate like/],
      ['fast', /expected a rate like "5MiB\/s"/],
      ['5Mb/s', /expected a rate/],
      ['5 MiB/h', /expected a rate/],
      [true, /expected a rate/],
      [null, /expected a rate/],
      [100, /at least 1 KiB\/s/],
      ['1e15', /expected a rate/],
      [1e15, /at most 100 GiB\/s/],
      ['200GiB/s', /at most 100 GiB\/s/],
    ];
    for (const [input, problem] of cases) {
      const parsed = parseRate(input);
      expect(parsed.ok, String(input)).to.equal(false);
      if (!parsed.ok) expect(parsed.problem, String(input)).to.match(problem);
    }
  });

  it('writes rates back for people', () => {
    expect(formatRate(0)).to.equal('unlimited');
    expect(formatRate(5 * MiB)).to.equal('5 MiB/s');
    expect(formatRate(1_250_000)).to.equal('1.19 MiB/s');
    expect(formatRate(512 * KiB)).to.equal('512 KiB/s');
  });
});
