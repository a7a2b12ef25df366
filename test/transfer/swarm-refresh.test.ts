// What a fetch asks its sources while it runs: the metadata poll already
// asked each one, so a fetch that ends before the first refresh asks no
// more, and fetchers the poll's answers name are probed at once.
import { expect } from 'chai';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  /**
   * Two sources of a 2 MiB file: `other`, and `naming`, which names `holders(other's address)`
   * as fetchers of the file and sends nothing past its first chunk.
   */
  async function namingOther(holders: (address: string) => string[]) {
    const content = randomContent(2 * MiB);
    const other = await fake({ content, chunkSize: CHUNK, name: 'f.bin' });
    const naming = await fake({
      content,
      chunkSize: CHUNK,
      name: 'f.bin',
      gateAt: CHUNK,
      metadata: (honest) => ({ ...honest, holders: holders(other.address) }),
    });
    return { content, other, naming };
  }

  it('asks a source for the metadata once when the fetch ends before the first refresh', async () => {
    const content = randomContent(100 * KiB);
    const source = await fake({ content, chunkSize: CHUNK, name: 'small.bin' });
    const fetcher = await peer({}, { transfer: { ...NO_ROUND, swarmRefreshMs: 500 } });
    await fetchCompletes(fetcher, content, 'small.bin', [source.address]);
    expect(source.getFiles).to.equal(1);
  });

  it('probes at once the other fetchers a source names, and fetches from them', async () => {
    const { content, other, naming } = await namingOther((address) => [address]);
    const fetcher = await peer({}, { transfer: NO_ROUND });
    await fetchCompletes(fetcher, content, 'f.bin', [naming.address]);
    expect(other.getFiles, 'the probe, with the full metadata').to.equal(1);
    expect(other.bytesSent).to.be.at.least(content.length - CHUNK);
    expect(naming.getFiles, 'the poll only').to.equal(1);
  });

  it('never dials what a source names that is not a host:port (a unix socket, a wildcard host)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'p2pd-named-'));
    const socket = join(dir, 'local.sock');
    let dialed = 0;
    const local = createServer((c) => {
      dialed++;
      c.destroy();
    });
    await new Promise<void>((resolve) => local.listen(socket, resolve));
    try {
      const { content, other, naming } = await namingOther((address) => [
        `unix:${socket}`,
        '0.0.0.0:1',
        'dns:///localhost:1',
        address,
      ]);
      const fetcher = await peer({}, { transfer: NO_ROUND });
      // Completes only through `other`, probed beside the rest.
      await fetchCompletes(fetcher, content, 'f.bin', [naming.address]);
      expect(other.getFiles).to.equal(1);
      expect(dialed, 'connections to the named unix socket').to.equal(0);
    } finally {
      local.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
