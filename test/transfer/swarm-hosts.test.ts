// Swarming across real hosts: one seed and four fetchers, each in its own
// network namespace with a 50 Mbit/s tbf limit, fetch one 32 MiB file at the
// same moment. The fetchers must find each other through the seed and serve
// each other a real share of the bytes, so the seed sends far less than one
// copy per fetcher; every copy must be the seed's bytes. Timing is the
// bench's business (`npm run bench -- swarm`), not this test's. Needs root.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { waitFor } from '../fixtures/peers.js';
import { createLab, type Lab } from '../fixtures/netns.js';
import { startLabPeer, type LabPeer } from '../fixtures/lab-daemons.js';

const MiB = 1024 * 1024;
const FILE_BYTES = 32 * MiB;
const FETCHERS = 4;

interface TransferView {
  id: string;
  state: string;
  path: string;
  error: string;
  sources: { address: string; bytes: number; partial: boolean; uploadedBytes: number }[];
}

interface TrafficView {
  upBytes: number;
  downBytes: number;
  peers: { address: string; upBytes: number; downBytes: number }[];
}

describe('swarming across hosts (network namespaces)', function () {
  this.timeout(240_000);
  let lab: Lab | undefined;
  const peers: LabPeer[] = [];
  const figures: string[] = [];
  const content = randomBytes(FILE_BYTES);
  const sha256 = createHash('sha256').update(content).digest('hex');

  before(async () => {
    lab = await createLab({ hosts: 1 + FETCHERS, rateMbit: 50 });
    const [seedHost, ...rest] = lab.hosts;
    const bootstrap = [`${seedHost!.ip}:50051`];
    peers.push(
      await startLabPeer(lab, seedHost!, { bootstrap: [], files: { 'big.bin': content } }),
    );
    for (const host of rest) peers.push(await startLabPeer(lab, host, { bootstrap, files: {} }));
    await Promise.all(peers.map((p) => p.start()));
    // Fetchers tell sources their advertised address: wait until each knows a dialable one.
    await waitFor(
      async () => {
        const all = await Promise.all(peers.map((p) => p.status()));
        return all.every((s, i) => s.grpcAddress === `${peers[i]!.host.ip}:50051`);
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'every host to know its address' },
    );
  });

  after(async () => {
    await Promise.allSettled(peers.map((p) => p.stop()));
    await lab?.destroy();
    for (const f of figures) console.log(`      [figures] ${f}`);
  });

  it('4 simultaneous fetchers serve each other, and every copy is the seed’s bytes', async () => {
    const [seed, ...fetchers] = peers;
    const source = `${seed!.host.ip}:50051`;
    const started = Date.now();
    const ids = await Promise.all(
      fetchers.map(
        async (f) =>
          (
            await f.api<{ id: string }>('/api/v1/transfers', {
              method: 'POST',
              body: { sha256, sources: [source] },
            })
          ).id,
      ),
    );
    const done = await Promise.all(
      fetchers.map((f, i) =>
        waitFor(
          async () => {
            const t = await f.api<TransferView>(`/api/v1/transfers/${ids[i]}`);
            if (t.state === 'failed' || t.state === 'cancelled') {
              throw new Error(`${f.host.name}: fetch ${t.state}: ${t.error}`);
            }
            return t.state === 'completed' ? t : undefined;
          },
          { timeoutMs: 180_000, intervalMs: 200, what: `${f.host.name}'s fetch` },
        ),
      ),
    );
    const crowdMs = Date.now() - started;

    for (const [i, t] of done.entries()) {
      const bytes = await readFile(t.path);
      expect(bytes.length, fetchers[i]!.host.name).to.equal(FILE_BYTES);
      expect(createHash('sha256').update(bytes).digest('hex'), fetchers[i]!.host.name).to.equal(
        sha256,
      );
      // It used other fetchers as sources, not only the seed.
      const others = t.sources.filter((s) => s.address !== source && s.bytes > 0);
      expect(others.length, `${fetchers[i]!.host.name} took bytes from other fetchers`).to.be.above(
        0,
      );
    }

    const seedUp = (await seed!.api<TrafficView>('/api/v1/traffic')).upBytes;
    const ups = await Promise.all(
      fetchers.map(async (f) => (await f.api<TrafficView>('/api/v1/traffic')).upBytes),
    );
    figures.push(
      `1 seed + ${FETCHERS} fetchers, ${FILE_BYTES / MiB} MiB at 50 Mbit/s: all done in ${crowdMs} ms; ` +
        `seed uploaded ${(seedUp / MiB).toFixed(1)} MiB (${(seedUp / FILE_BYTES).toFixed(2)}× the file), ` +
        `fetchers ${ups.map((u) => `${(u / MiB).toFixed(1)}`).join(' / ')} MiB`,
    );
    expect(seedUp / FILE_BYTES, 'seed upload, in files').to.be.below(2.5);
    for (const [i, up] of ups.entries()) {
      expect(up, `${fetchers[i]!.host.name} uploaded`).to.be.above(0);
    }
    // Everything the fetchers received that the seed did not send, they sent each other.
    const fromPeers = ups.reduce((a, b) => a + b, 0);
    expect(fromPeers, 'bytes fetchers served each other').to.be.at.least(
      FETCHERS * FILE_BYTES - seedUp,
    );
    // Served bytes are attributed: the seed's per-peer rows name each fetcher's address.
    const rows = (await seed!.api<TrafficView>('/api/v1/traffic')).peers;
    for (const f of fetchers) {
      const row = rows.find((r) => r.address === `${f.host.ip}:50051`);
      expect(row?.upBytes ?? 0, `seed → ${f.host.name}`).to.be.above(0);
    }
  });
});
