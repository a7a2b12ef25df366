// Bandwidth limits in every place bytes move, on loopback (the link is never
// the bottleneck): a source's upload limit slows what it serves, a sender's
// upload limit its push, a receiver's download limit the push it takes in,
// and a per-peer limit one peer while the global one covers them all.
import { expect } from 'chai';
import {
  controlStream,
  MiB,
  peerPool,
  randomContent,
  sha256Of,
  type StreamResult,
} from './helpers.js';
import type { TestPeer } from '../fixtures/peers.js';

const CHUNK = 256 * 1024;
const SIZE = 8 * MiB;
const LIMIT = 2 * MiB;

/**
 * Bytes/s of a finished push, over the whole call. A sender's progress counts
 * bytes as they go into the receiver's flow-control window (16 MiB, more than
 * these files), so only the call's end says when the receiver had them.
 */
function pushRate(result: StreamResult): number {
  const last = result.last!;
  return (last.size * 1000) / (last.finishedAtMs - last.startedAtMs);
}

/**
 * Bytes/s of a finished fetch while bytes moved: from the first progress
 * report with bytes done to its end. Setting up (metadata, TLS handshakes) is
 * not what a limit paces, and takes longer on a loaded machine.
 */
function fetchRate(result: StreamResult): number {
  const first = result.updates.findIndex((u) => u.bytesDone > 0);
  const last = result.last!;
  const bytes = last.size - result.updates[first]!.bytesDone;
  const ms = last.finishedAtMs - result.arrivals[first]!;
  expect(bytes, 'bytes moved after the first report').to.be.at.least(last.size / 2);
  return (bytes * 1000) / ms;
}

describe('bandwidth limits on loopback', function () {
  this.timeout(60_000);
  const { peer } = peerPool(CHUNK);
  const figures: string[] = [];
  after(() => {
    for (const f of figures) console.log(`      [figures] ${f}`);
  });

  it("a source's upload limit holds what it serves to a fetcher", async () => {
    const content = randomContent(SIZE);
    const source = await peer({ 'served.bin': content }, { limits: { upload: '2MiB/s' } });
    const fetcher = await peer();
    const done = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(content),
      sources: [source.grpcAddress],
    });
    expect(done.error).to.equal(undefined);
    expect(done.last!.state).to.equal('completed');
    const rate = fetchRate(done);
    figures.push(`served under an upload limit of 2 MiB/s: ${(rate / MiB).toFixed(3)} MiB/s`);
    expect(rate / LIMIT).to.be.within(0.9, 1.1);
  });

  /** Pushes SIZE bytes from a sender to a receiver, each with its own limits; the push's rate. */
  async function limitedPush(
    senderLimits: object,
    receiverLimits: object,
  ): Promise<{ rate: number; receiver: TestPeer; content: Buffer }> {
    const content = randomContent(SIZE);
    const sender = await peer(
      { 'pushed.bin': content, 'warm-up.bin': randomContent(4096) },
      { limits: senderLimits },
    );
    const receiver = await peer({}, { limits: receiverLimits });
    // The rate is the call's: a small push first sets the connection up (on a loaded CI
    // machine a fetch's handshakes and metadata took ~0.4 s of 4 s, failing the bound).
    const warmUp = await controlStream(sender.grpcAddress, 'Push', {
      name: 'warm-up.bin',
      peer: receiver.grpcAddress,
    });
    expect(warmUp.error).to.equal(undefined);
    const done = await controlStream(sender.grpcAddress, 'Push', {
      name: 'pushed.bin',
      peer: receiver.grpcAddress,
    });
    expect(done.error).to.equal(undefined);
    return { rate: pushRate(done), receiver, content };
  }

  it("a sender's upload limit holds its push", async () => {
    const { rate } = await limitedPush({ upload: LIMIT }, {});
    figures.push(
      `push under the sender's upload limit of 2 MiB/s: ${(rate / MiB).toFixed(3)} MiB/s`,
    );
    expect(rate / LIMIT).to.be.within(0.9, 1.1);
  });

  it("a receiver's download limit holds a push it takes in", async () => {
    const { rate, receiver, content } = await limitedPush({}, { download: '2MiB/s' });
    figures.push(
      `push under the receiver's download limit of 2 MiB/s: ${(rate / MiB).toFixed(3)} MiB/s`,
    );
    expect(rate / LIMIT).to.be.within(0.9, 1.1);
    const stored = receiver.daemon.index.get(sha256Of(content));
    expect(stored?.size).to.equal(SIZE);
  });

  it('a per-peer limit holds a fetch from two sources on one host together', async () => {
    const content = randomContent(SIZE);
    const a = await peer({ 'two.bin': content });
    const b = await peer({ 'two.bin': content });
    // Both sources are 127.0.0.1: one peer by host, so the per-peer limit covers them together.
    const fetcher = await peer({}, { limits: { perPeerDownload: '2MiB/s' } });
    const done = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(content),
      sources: [a.grpcAddress, b.grpcAddress],
    });
    expect(done.error).to.equal(undefined);
    const rate = fetchRate(done);
    figures.push(
      `fetch from two sources on one host, 2 MiB/s per peer: ${(rate / MiB).toFixed(3)} MiB/s`,
    );
    expect(rate / LIMIT).to.be.within(0.9, 1.1);
  });
});

describe('bandwidth limits below what fetch deadlines assume', function () {
  this.timeout(60_000);
  const { peer } = peerPool(64 * 1024);

  it('a fetch from a source with a thin upload limit is slow, not failed', async () => {
    const content = randomContent(2 * MiB);
    // 256 KiB/s over four requests at once is 64 KiB/s each: half of what a request's deadline
    // allows for (128 KiB/s), so each request runs out of time with bytes still coming.
    const source = await peer({ 'thin.bin': content }, { limits: { upload: '256KiB/s' } });
    const fetcher = await peer(
      {},
      { transfer: { stallTimeoutMs: 1000, requestBytes: 256 * 1024, maxRequestsPerSource: 4 } },
    );
    const done = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(content),
      sources: [source.grpcAddress],
    });
    expect(done.error?.details).to.equal(undefined);
    expect(done.last!.state).to.equal('completed');
    expect(done.last!.sources[0]!.failed).to.equal(false);
    const rate = fetchRate(done);
    console.log(
      `      [figures] fetch from a source limited to 256 KiB/s (request deadlines assume 128 KiB/s each, 4 at once): ${(rate / 1024).toFixed(0)} KiB/s, completed`,
    );
    expect(rate / (256 * 1024)).to.be.within(0.85, 1.1);
  });
});
