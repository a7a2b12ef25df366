// Bandwidth limits across real hosts: a source and a fetcher in network
// namespaces on a 50 Mbit/s tbf link (~6 MiB/s), the fetcher limited to
// 2 MiB/s in its config. Its fetch must keep to the limit within ±10 % over
// 30 s (measured from the transfer's progress, the first second left out),
// and a change to 4 MiB/s through REST must show within a second. The wire
// itself (the fetcher's eth0 byte counter) must slow too: the limit holds
// the source back, it does not just buffer what the link brought. Needs root.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { waitFor } from '../fixtures/peers.js';
import { createLab, type Lab } from '../fixtures/netns.js';
import { startLabPeer, type LabPeer } from '../fixtures/lab-daemons.js';

const MiB = 1024 * 1024;
const FILE_BYTES = 96 * MiB;
/** Chunks of 256 KiB, so progress moves in steps small enough to time one second. */
const CHUNK = 256 * 1024;
const WINDOW_MS = 30_000;

interface TransferView {
  state: string;
  bytesDone: number;
  path: string;
  error: string;
}

interface Sample {
  at: number;
  bytes: number;
  wire: number;
}

describe('bandwidth limits across hosts (network namespaces)', function () {
  this.timeout(120_000);
  let lab: Lab | undefined;
  const peers: LabPeer[] = [];
  const figures: string[] = [];
  const content = randomBytes(FILE_BYTES);
  const sha256 = createHash('sha256').update(content).digest('hex');

  before(async () => {
    lab = await createLab({ hosts: 2, rateMbit: 50 });
    const [sourceHost, fetcherHost] = lab.hosts;
    peers.push(
      await startLabPeer(lab, sourceHost!, {
        bootstrap: [],
        files: { 'big.bin': content },
        config: { index: { chunkSize: CHUNK } },
      }),
      await startLabPeer(lab, fetcherHost!, {
        bootstrap: [`${sourceHost!.ip}:50051`],
        files: {},
        config: { limits: { download: '2MiB/s' } },
      }),
    );
    await Promise.all(peers.map((p) => p.start()));
  });

  after(async () => {
    await Promise.allSettled(peers.map((p) => p.stop()));
    await lab?.destroy();
    for (const f of figures) console.log(`      [figures] ${f}`);
  });

  it('holds 2 MiB/s within ±10 % over 30 s, and a change to 4 MiB/s shows within a second', async () => {
    const [source, fetcher] = peers;
    const wireBytes = async (): Promise<number> =>
      Number(
        (await lab!.exec(fetcher!.host, ['cat', '/sys/class/net/eth0/statistics/rx_bytes'])).stdout,
      );
    const { id } = await fetcher!.api<{ id: string }>('/api/v1/transfers', {
      method: 'POST',
      body: { sha256, sources: [`${source!.host.ip}:50051`] },
    });
    const samples: Sample[] = [];
    let stop = false;
    let failure: Error | undefined;
    const sampling = (async () => {
      while (!stop) {
        const [t, wire] = await Promise.all([
          fetcher!.api<TransferView>(`/api/v1/transfers/${id}`),
          wireBytes(),
        ]);
        if (t.state === 'failed' || t.state === 'cancelled') {
          failure = new Error(`fetch ${t.state}: ${t.error}`);
          return;
        }
        samples.push({ at: performance.now(), bytes: t.bytesDone, wire });
        if (t.state === 'completed') return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    /** The first sample at or after `at`. */
    const sampleAt = async (at: number): Promise<Sample> =>
      waitFor(
        () => {
          if (failure) throw failure;
          return samples.find((s) => s.at >= at);
        },
        { timeoutMs: WINDOW_MS + 20_000, intervalMs: 20, what: 'a progress sample' },
      );
    const rate = (a: Sample, b: Sample, of: 'bytes' | 'wire' = 'bytes'): number =>
      ((b[of] - a[of]) * 1000) / (b.at - a.at);

    try {
      // The fetch is under way once bytes arrive; the first second is left out.
      const first = await waitFor(
        () => {
          if (failure) throw failure;
          return samples.find((s) => s.bytes > 0);
        },
        { timeoutMs: 20_000, intervalMs: 20, what: 'the first verified bytes' },
      );
      const from = await sampleAt(first.at + 1000);
      const to = await sampleAt(from.at + WINDOW_MS);
      const limited = rate(from, to);
      const wire = rate(from, to, 'wire');

      const changedAt = performance.now();
      const after = await fetcher!.api<{ download: number }>('/api/v1/limits', {
        method: 'PATCH',
        body: { download: '4MiB/s' },
      });
      expect(after.download).to.equal(4 * MiB);
      const start = samples.filter((s) => s.at <= changedAt).at(-1)!;
      const oneSecond = await sampleAt(changedAt + 1000);
      const firstSecond = oneSecond.bytes - start.bytes;
      const later = await sampleAt(oneSecond.at + 5000);
      const raised = rate(oneSecond, later);

      // Then no limit, to finish quickly.
      await fetcher!.api('/api/v1/limits', { method: 'PATCH', body: { download: 0 } });
      await sampling;
      if (failure) throw failure;
      const done = await fetcher!.api<TransferView>(`/api/v1/transfers/${id}`);
      expect(done.state).to.equal('completed');
      const bytes = await readFile(done.path);
      expect(createHash('sha256').update(bytes).digest('hex')).to.equal(sha256);

      figures.push(
        `limit 2 MiB/s on a 50 Mbit/s link, ${WINDOW_MS / 1000} s window: ` +
          `${(limited / MiB).toFixed(3)} MiB/s progress (${(((limited - 2 * MiB) / (2 * MiB)) * 100).toFixed(1)} %), ` +
          `${(wire / MiB).toFixed(3)} MiB/s on the wire (eth0 rx, headers included)`,
      );
      figures.push(
        `changed to 4 MiB/s at run time: ${(firstSecond / MiB).toFixed(2)} MiB in the first second after the change, ` +
          `then ${(raised / MiB).toFixed(3)} MiB/s over 5 s (${(((raised - 4 * MiB) / (4 * MiB)) * 100).toFixed(1)} %)`,
      );
      expect(limited / MiB, 'rate under the 2 MiB/s limit').to.be.within(1.8, 2.2);
      // The source was slowed, not buffered: the wire carried the limit plus headers.
      expect(wire / MiB, 'wire rate under the limit').to.be.within(1.8, 2.4);
      // More than the old limit could bring in a second: the change took effect within it.
      expect(firstSecond / MiB, 'bytes in the second after the change').to.be.above(3.2);
      expect(raised / MiB, 'rate under the 4 MiB/s limit').to.be.within(3.6, 4.4);
    } finally {
      stop = true;
      await sampling;
    }
  });
});
