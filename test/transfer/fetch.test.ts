// Fetches between real daemons over real gRPC: bytes compared, hashes
// computed independently, chunks spread over the sources.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { endSpareChunkThreads, spareChunkThreads } from '../../src/transfer/chunk-thread.js';
import { waitFor, type TestPeer } from '../fixtures/peers.js';
import {
  KiB,
  MiB,
  controlStream,
  filesUnder,
  osThreads,
  peerPool,
  randomContent,
  sha256Of,
  sha256OfFile,
} from './helpers.js';

const CHUNK = 256 * KiB;

describe('transfer: fetch', function () {
  this.timeout(120_000);
  const { peer } = peerPool(CHUNK);

  async function expectFetched(fetcher: TestPeer, content: Buffer, name: string) {
    const sha = sha256Of(content);
    const path = join(fetcher.shared, name);
    expect(await sha256OfFile(path)).to.equal(sha);
    expect((await readFile(path)).equals(content)).to.equal(true);
    expect(fetcher.daemon.index.get(sha)?.names).to.deep.equal([name]);
    expect(await filesUnder(join(fetcher.dir, 'data', 'partial'))).to.deep.equal([]);
  }

  it('fetches 64 MiB from one source', async () => {
    const content = randomContent(64 * MiB);
    const source = await peer({ 'big.bin': content });
    const fetcher = await peer();
    const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(content),
      sources: [source.grpcAddress],
    });
    expect(result.error, result.error?.message).to.equal(undefined);
    expect(result.last?.state).to.equal('completed');
    expect(result.last?.bytesDone).to.equal(content.length);
    expect(result.last?.path).to.equal(join(fetcher.shared, 'big.bin'));
    await expectFetched(fetcher, content, 'big.bin');
  });

  it('fetches 64 MiB from three sources, chunks spread over all of them', async () => {
    const content = randomContent(64 * MiB);
    const sources = await Promise.all([1, 2, 3].map(() => peer({ 'movie.mkv': content })));
    const fetcher = await peer({}, { transfer: { requestBytes: 1 * MiB } });
    const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(content),
      sources: sources.map((s) => s.grpcAddress),
    });
    expect(result.error, result.error?.message).to.equal(undefined);
    expect(result.last?.state).to.equal('completed');
    const used = result.last!.sources;
    expect(used.map((s) => s.address).sort()).to.deep.equal(
      sources.map((s) => s.grpcAddress).sort(),
    );
    for (const s of used) expect(s.chunks, `chunks from ${s.address}`).to.be.greaterThan(0);
    expect(used.reduce((n, s) => n + s.chunks, 0)).to.equal((64 * MiB) / CHUNK);
    await expectFetched(fetcher, content, 'movie.mkv');
  });

  for (const [label, size] of [
    ['an empty file', 0],
    ['a file of exactly one chunk', CHUNK],
    ['a file of one chunk and one byte', CHUNK + 1],
    ['a file smaller than a chunk', 1000],
  ] as const) {
    it(`fetches ${label}`, async () => {
      const content = randomContent(size);
      const source = await peer({ 'edge.dat': content });
      const fetcher = await peer();
      const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
        sha256: sha256Of(content),
        sources: [source.grpcAddress],
      });
      expect(result.error, result.error?.message).to.equal(undefined);
      expect(result.last?.state).to.equal('completed');
      await expectFetched(fetcher, content, 'edge.dat');
    });
  }

  it('never overwrites: a different file with the same name gets another name', async () => {
    const content = randomContent(300 * KiB);
    const source = await peer({ 'report.pdf': content });
    const fetcher = await peer({ 'report.pdf': Buffer.from('my own report') });
    const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(content),
      sources: [source.grpcAddress],
    });
    expect(result.last?.state).to.equal('completed');
    expect(await readFile(join(fetcher.shared, 'report.pdf'), 'utf8')).to.equal('my own report');
    await expectFetched(fetcher, content, 'report (1).pdf');
  });

  it('emits download events, progress throttled', async () => {
    const content = randomContent(8 * MiB);
    const source = await peer({ 'a.bin': content });
    const fetcher = await peer();
    const seen: { type: string; time: number }[] = [];
    fetcher.daemon.events.subscribe((e) => {
      if (e.type.startsWith('download.')) seen.push({ type: e.type, time: Date.parse(e.time) });
    });
    const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(content),
      sources: [source.grpcAddress],
    });
    expect(result.last?.state).to.equal('completed');
    expect(result.updates.filter((u) => u.state === 'completed')).to.have.length(1);
    expect(result.updates.some((u) => u.state === 'running' && u.bytesDone < u.size)).to.be.true;
    const types = seen.map((e) => e.type);
    expect(types[0]).to.equal('download.started');
    expect(types[types.length - 1]).to.equal('download.completed');
    const progress = seen.filter((e) => e.type === 'download.progress');
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.time - progress[i - 1]!.time).to.be.at.least(200);
    }
  });

  it('completes at once when this peer already shares the file', async () => {
    const content = randomContent(10 * KiB);
    const fetcher = await peer({ 'mine.txt': content });
    const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(content),
      sources: ['127.0.0.1:1'],
    });
    expect(result.last?.state).to.equal('completed');
    expect(result.last?.path).to.equal(join(fetcher.shared, 'mine.txt'));
  });

  it('without sources, searches the network and fails clearly when nobody has the file', async () => {
    const fetcher = await peer();
    const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(Buffer.from('x')),
    });
    expect(result.error?.code).to.equal(5); // NOT_FOUND: nobody has it, retrying will not help
    expect(result.error?.details).to.match(/no peer on the network has sha256/);
    expect(result.last?.state).to.equal('failed');
  });

  it('refuses a malformed request with INVALID_ARGUMENT', async () => {
    const fetcher = await peer();
    for (const request of [
      { sha256: 'abc', sources: ['127.0.0.1:1'] },
      { sha256: sha256Of(Buffer.from('x')), sources: ['not an address'] },
      {},
    ]) {
      const result = await controlStream(fetcher.grpcAddress, 'Fetch', request);
      expect(result.error?.code, JSON.stringify(request)).to.equal(3);
      expect(result.updates).to.deep.equal([]);
    }
  });

  it('fails cleanly when the source does not have the file', async () => {
    const source = await peer();
    const fetcher = await peer();
    await endSpareChunkThreads();
    const threads = await osThreads();
    const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(Buffer.from('nobody has this')),
      sources: [source.grpcAddress],
    });
    expect(result.error?.code).to.equal(14);
    expect(result.last?.state).to.equal('failed');
    expect(result.last?.error).to.match(/does not have the file/);
    // The chunk thread it made while it asked for the metadata waits for the next fetch,
    // and no other is left.
    await waitFor(() => spareChunkThreads() === 1, { what: 'the thread kept as a spare' });
    expect(await osThreads()).to.be.at.most(threads + 1);
    await endSpareChunkThreads();
    await waitFor(async () => (await osThreads()) <= threads, { what: 'no chunk thread left' });
    await waitFor(
      async () => (await filesUnder(join(fetcher.dir, 'data', 'partial'))).length === 0,
      {
        what: 'partial state removed',
      },
    );
  });
});
