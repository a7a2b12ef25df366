// What a fetch asks its sources while it runs: the metadata poll already
// asked each one, so a fetch that ends before the first refresh asks no
// more, and fetchers the poll's answers name are probed at once.
import { expect } from 'chai';
import { startFakeSource, type FakeSource } from './fake-source.js';
import { KiB, MiB, fetchCompletes, peerPool, randomContent } from './helpers.js';

const CHUNK = 64 * KiB;
/** Longer than any test here: a refresh round never comes. */
const NO_ROUND = { requestBytes: 256 * KiB, stallTimeoutMs: 10_000, swarmRefreshMs: 600_000 };

describe('transfer: asking sources again while a fetch runs', function () {
  this.timeout(60_000);
  const { peer, track } = peerPool(CHUNK);
  const fake = async (options: Parameters<typeof startFakeSource>[0]): Promise<FakeSource> =>
    track(await startFakeSource(options));

  it('asks a source for the metadata once when the fetch ends before the first refresh', async () => {
    const content = randomContent(100 * KiB);
    const source = await fake({ content, chunkSize: CHUNK, name: 'small.bin' });
    const fetcher = await peer({}, { transfer: { ...NO_ROUND, swarmRefreshMs: 500 } });
    await fetchCompletes(fetcher, content, 'small.bin', [source.address]);
    expect(source.getFiles).to.equal(1);
  });

  it('probes at once the other fetchers a source names, and fetches from them', async () => {
    const content = randomContent(2 * MiB);
    const other = await fake({ content, chunkSize: CHUNK, name: 'f.bin' });
    // Names `other` as a fetcher of the file, and sends nothing past its first chunk.
    const naming = await fake({
      content,
      chunkSize: CHUNK,
      name: 'f.bin',
      gateAt: CHUNK,
      metadata: (honest) => ({ ...honest, holders: [other.address] }),
    });
    const fetcher = await peer({}, { transfer: NO_ROUND });
    await fetchCompletes(fetcher, content, 'f.bin', [naming.address]);
    expect(other.getFiles, 'the probe, with the full metadata').to.equal(1);
    expect(other.bytesSent).to.be.at.least(content.length - CHUNK);
    expect(naming.getFiles, 'the poll only').to.equal(1);
  });
});
