// Sources that lie or die: the fetch notices, drops them, and completes from
// the honest ones; with only liars it fails cleanly and no file appears.
import { expect } from 'chai';
import { join } from 'node:path';
import type { ServiceError } from '@grpc/grpc-js';
import type { FileInfo__Output } from '../../src/generated/p2p/v1/FileInfo.js';
import { deadline, unaryCall } from '../../src/grpc/clients.js';
import { collect } from '../fixtures/grpc.js';
import { waitFor, type TestPeer } from '../fixtures/peers.js';
import { strangerClient } from '../fixtures/stranger.js';
import { startFakeSource, type FakeSource } from './fake-source.js';
import {
  KiB,
  MiB,
  controlStream,
  fetchCompletes,
  filesUnder,
  peerPool,
  randomContent,
  sha256Of,
  sha256OfFile,
} from './helpers.js';

const CHUNK = 64 * KiB;
const GRPC_NOT_FOUND = 5;

describe('transfer: lying and dying sources', function () {
  this.timeout(120_000);
  const { peer, track } = peerPool(CHUNK, {
    transfer: { requestBytes: 256 * KiB, stallTimeoutMs: 10_000 },
  });
  const fake = async (options: Parameters<typeof startFakeSource>[0]): Promise<FakeSource> =>
    track(await startFakeSource(options));

  async function expectNothingLeft(fetcher: TestPeer) {
    expect(await filesUnder(fetcher.shared)).to.deep.equal([]);
    expect(await filesUnder(join(fetcher.dir, 'data', 'partial'))).to.deep.equal([]);
  }

  it('drops a source that corrupts a chunk and completes from the honest ones', async () => {
    const content = randomContent(4 * MiB);
    const liar = await fake({ content, chunkSize: CHUNK, corruptFirstChunk: true });
    const honest = await Promise.all([peer({ 'f.bin': content }), peer({ 'f.bin': content })]);
    const fetcher = await peer();
    const result = await fetchCompletes(fetcher, content, 'f.bin', [
      liar.address,
      ...honest.map((h) => h.grpcAddress),
    ]);
    const liarView = result.last!.sources.find((s) => s.address === liar.address)!;
    expect(liarView.failed).to.equal(true);
    expect(liar.bytesSent).to.be.greaterThan(0);
  });

  describe('a liar whose wrong chunks are left to the whole-file hash (no spot checks)', () => {
    const transfer = { requestBytes: 256 * KiB, stallTimeoutMs: 10_000, spotCheckOneIn: 1e6 };

    it('finds them when that hash fails, fetches them again from the honest source, and drops the liar', async () => {
      const content = randomContent(4 * MiB);
      // Its first chunks are checked on arrival and right; every one after is wrong.
      const liar = await fake({
        content,
        chunkSize: CHUNK,
        name: 'f.bin',
        corruptAfterBytes: 4 * CHUNK,
      });
      const honest = await peer({ 'f.bin': content });
      const fetcher = await peer({}, { transfer });
      const result = await fetchCompletes(fetcher, content, 'f.bin', [
        liar.address,
        honest.grpcAddress,
      ]);
      // REST says why a source was dropped (gRPC's progress only that it was).
      const view = (await (
        await fetch(`${fetcher.restUrl}/api/v1/transfers/${result.last!.id}`)
      ).json()) as {
        bytesDone: number;
        sources: { address: string; bytes: number; error?: string }[];
      };
      const liarView = view.sources.find((s) => s.address === liar.address)!;
      expect(liarView.error).to.match(
        /\d+ of the chunks it sent did not match their hashes \(found when/,
      );
      const wrong = Number(/(\d+) of the chunks/.exec(liarView.error!)![1]);
      expect(wrong, 'wrong chunks it slipped in').to.be.at.least(1);
      // Only its right chunks count as delivered, and the file's bytes once each.
      expect(liarView.bytes).to.be.at.most(4 * CHUNK);
      expect(view.bytesDone).to.equal(content.length);
    });

    it('a fetch under way checks such a chunk before serving it: a wrong one is refused, a right one served', async () => {
      const content = randomContent(16 * CHUNK);
      const sha256 = sha256Of(content);
      // Chunks 0-3 are checked on arrival; 4-7 are not, and 5 is wrong. The rest waits.
      const liar = await fake({ content, chunkSize: CHUNK, corruptChunks: [5], gateAt: 8 * CHUNK });
      // In order (no swarming), so the gate cuts the file at a known chunk.
      const fetcher = await peer({}, { transfer: { ...transfer, swarmRefreshMs: 0 } });
      const fetching = controlStream(fetcher.grpcAddress, 'Fetch', {
        sha256,
        sources: [liar.address],
      });
      const asker = strangerClient(fetcher.grpcAddress);
      try {
        await waitFor(
          async () => {
            const info = await unaryCall<FileInfo__Output>((cb) =>
              asker.GetFile({ sha256 }, { deadline: deadline(5000) }, cb),
            ).catch(() => undefined);
            return info?.have?.[0] === 0xff;
          },
          { what: 'the fetcher listing chunks 0-7' },
        );
        const range = (chunk: number, chunks = 1) =>
          collect(
            asker.Download(
              { sha256, offset: chunk * CHUNK, length: chunks * CHUNK },
              { deadline: deadline(10_000) },
            ),
          );
        const refused = await range(5).then(
          () => undefined,
          (err: ServiceError) => err,
        );
        expect(refused?.code, 'chunk 5').to.equal(GRPC_NOT_FOUND);
        expect(refused?.details).to.match(/chunk 5 .* does not match its hash/);
        const wider = await range(4, 4).then(
          () => undefined,
          (err: ServiceError) => err,
        );
        expect(wider?.code, 'chunks 4-7').to.equal(GRPC_NOT_FOUND);
        const served = Buffer.concat((await range(6, 2)).map((m) => m.data));
        expect(served.equals(content.subarray(6 * CHUNK, 8 * CHUNK)), 'chunks 6-7').to.equal(true);
      } finally {
        asker.close();
        liar.open();
      }
      // The whole-file hash then fails, chunk 5 is found, and with no other source the fetch ends.
      const result = await fetching;
      expect(result.last?.state).to.equal('failed');
      expect(result.last?.error).to.match(/: 1 of the chunks it sent did not match their hashes/);
      await expectNothingLeft(fetcher);
    });

    it('with only that liar, fails cleanly once it is dropped and leaves no file', async () => {
      const content = randomContent(1 * MiB);
      const liar = await fake({ content, chunkSize: CHUNK, corruptAfterBytes: 4 * CHUNK });
      const fetcher = await peer({}, { transfer });
      const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
        sha256: sha256Of(content),
        sources: [liar.address],
      });
      expect(result.error?.code).to.equal(14);
      expect(result.last?.state).to.equal('failed');
      expect(result.last?.error).to.match(/of the chunks it sent did not match their hashes/);
      // Asked for the file once, then once more for nothing: it was dropped.
      expect(liar.bytesSent).to.equal(content.length);
      await expectNothingLeft(fetcher);
    });
  });

  it('outvotes a source that reports wrong metadata', async () => {
    const content = randomContent(2 * MiB);
    const liar = await fake({
      content,
      chunkSize: CHUNK,
      metadata: (m) => ({
        ...m,
        size: Number(m.size) + CHUNK,
        chunkHashes: [...m.chunkHashes!, 'a'.repeat(64)],
      }),
    });
    const honest = await Promise.all([peer({ 'g.bin': content }), peer({ 'g.bin': content })]);
    const fetcher = await peer();
    const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(content),
      sources: [liar.address, ...honest.map((h) => h.grpcAddress)],
    });
    expect(result.last?.state).to.equal('completed');
    expect(await sha256OfFile(join(fetcher.shared, 'g.bin'))).to.equal(sha256Of(content));
    const liarView = result.last!.sources.find((s) => s.address === liar.address)!;
    expect(liarView.failed).to.equal(true);
    expect(liarView.chunks).to.equal(0);
  });

  it('drops a source whose metadata is inconsistent', async () => {
    const content = randomContent(1 * MiB);
    const liar = await fake({
      content,
      chunkSize: CHUNK,
      metadata: (m) => ({ ...m, chunkHashes: m.chunkHashes!.slice(1) }),
    });
    const honest = await peer({ 'h.bin': content });
    const fetcher = await peer();
    const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(content),
      sources: [liar.address, honest.grpcAddress],
    });
    expect(result.last?.state).to.equal('completed');
    expect(result.last!.sources.find((s) => s.address === liar.address)?.failed).to.equal(true);
  });

  it('with only sources that corrupt data, fails cleanly and leaves no file', async () => {
    const content = randomContent(1 * MiB);
    const liars = await Promise.all([
      fake({ content, chunkSize: CHUNK, corruptAfterBytes: 0 }),
      fake({ content, chunkSize: CHUNK, corruptAfterBytes: 0 }),
    ]);
    const fetcher = await peer();
    const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(content),
      sources: liars.map((l) => l.address),
    });
    expect(result.error?.code).to.equal(14);
    expect(result.last?.state).to.equal('failed');
    expect(result.last?.error).to.match(/does not match its hash/);
    expect(result.last!.sources.every((s) => s.failed)).to.equal(true);
    await expectNothingLeft(fetcher);
  });

  it('with only a source whose metadata and data lie consistently, fails at the whole-file hash', async () => {
    const content = randomContent(512 * KiB);
    const forged = Buffer.from(content);
    forged[1000]! ^= 0x55;
    const liar = await fake({ content: forged, chunkSize: CHUNK, claimSha256: sha256Of(content) });
    const fetcher = await peer();
    const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(content),
      sources: [liar.address],
    });
    expect(result.error?.code).to.equal(14);
    expect(result.last?.state).to.equal('failed');
    expect(result.last?.error).to.match(/hashes to/);
    await expectNothingLeft(fetcher);
  });

  it('beside an honest source, a consistent liar loses and the file completes', async () => {
    const content = randomContent(512 * KiB);
    const forged = Buffer.from(content);
    forged[70_000]! ^= 0x55;
    const liar = await fake({ content: forged, chunkSize: CHUNK, claimSha256: sha256Of(content) });
    const honest = await peer({ 'c.bin': content });
    const fetcher = await peer();
    await fetchCompletes(fetcher, content, 'c.bin', [liar.address, honest.grpcAddress]);
  });

  it('lands the file under the name most sources give, each source counted once', async () => {
    const content = randomContent(256 * KiB);
    // One source repeats its name as often as the metadata carries names.
    const liar = await fake({
      content,
      chunkSize: CHUNK,
      metadata: (m) => ({ ...m, names: Array<string>(16).fill('invoice.pdf.exe') }),
    });
    const honest = await Promise.all([
      peer({ 'data/dataset.bin': content }),
      peer({ 'dataset.bin': content }),
    ]);
    const fetcher = await peer();
    const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(content),
      sources: [liar.address, ...honest.map((h) => h.grpcAddress)],
    });
    expect(result.error, result.error?.message).to.equal(undefined);
    expect(result.last?.state).to.equal('completed');
    expect(result.last?.name).to.equal('dataset.bin');
    expect(await filesUnder(fetcher.shared)).to.deep.equal(['dataset.bin']);
    expect(await sha256OfFile(join(fetcher.shared, 'dataset.bin'))).to.equal(sha256Of(content));
  });

  it('completes from the others when a source dies mid-transfer', async () => {
    const content = randomContent(8 * MiB);
    const dying = await fake({ content, chunkSize: CHUNK, dieAfterBytes: 512 * KiB });
    const honest = await Promise.all([peer({ 'd.bin': content }), peer({ 'd.bin': content })]);
    const fetcher = await peer();
    const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(content),
      sources: [dying.address, ...honest.map((h) => h.grpcAddress)],
    });
    expect(result.error, result.error?.message).to.equal(undefined);
    expect(result.last?.state).to.equal('completed');
    expect(await sha256OfFile(join(fetcher.shared, 'd.bin'))).to.equal(sha256Of(content));
    expect(dying.bytesSent).to.be.at.least(512 * KiB);
  });

  it('completes from the others when a stalled source holds chunks (end-game)', async () => {
    const content = randomContent(2 * MiB);
    const stuck = await fake({ content, chunkSize: CHUNK, gateAt: 0 });
    const honest = await peer({ 's.bin': content });
    const fetcher = await peer();
    const started = Date.now();
    const result = await controlStream(fetcher.grpcAddress, 'Fetch', {
      sha256: sha256Of(content),
      sources: [stuck.address, honest.grpcAddress],
    });
    expect(result.last?.state).to.equal('completed');
    expect(stuck.requests.length).to.be.greaterThan(0);
    // Well before the 10 s stall timeout: the honest source took over the stuck chunks.
    expect(Date.now() - started).to.be.below(8000);
  });
});
