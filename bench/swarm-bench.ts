// `npm run bench -- swarm`: a flash crowd on rate-limited hosts. Network
// namespaces (test/fixtures/netns.ts) with a tbf limit on every host link:
// one seed with a random file, first one fetcher alone (the yardstick), then
// N other fetchers all at once. Prints each fetch's time, the crowd's total
// against the solo time, and the bytes each host uploaded; every copy is
// hashed against the seed's. Needs root; says so and skips without it.
// BENCH_SWARM_FETCHERS (7), BENCH_SWARM_MIB (256), BENCH_SWARM_MBIT (100);
// BENCH_SWARM_TRANSFER: JSON of transfer settings for every daemon, to compare.
import { startLabPeer, type LabPeer } from '../test/fixtures/lab-daemons.js';
import { createLab, type Lab } from '../test/fixtures/netns.js';
import { waitFor } from '../test/fixtures/peers.js';
import {
  canBuildLab,
  checkCopy,
  fetchCompleted,
  randomFile,
  startFetch,
  transferSettings,
} from './lab.js';
import { MiB, envInt, type Bench, type BenchRow } from './table.js';

interface TrafficView {
  upBytes: number;
  downBytes: number;
}

export const swarmBench: Bench = {
  name: 'swarm',
  describe: 'one seed, one fetch alone, then a crowd fetching at once (netns hosts, tbf)',
  onlyByName: true,
  async run(): Promise<BenchRow[]> {
    if (!canBuildLab('swarm')) return [];
    const fetchers = envInt('BENCH_SWARM_FETCHERS', 7);
    const size = envInt('BENCH_SWARM_MIB', 256) * MiB;
    const mbit = envInt('BENCH_SWARM_MBIT', 100);
    console.log(`${fetchers} fetchers, ${size / MiB} MiB, ${mbit} Mbit/s per host`);
    const transfer = transferSettings('BENCH_SWARM_TRANSFER');
    const config = { transfer };
    const { content, sha256 } = randomFile(size);
    let lab: Lab | undefined;
    const peers: LabPeer[] = [];
    try {
      lab = await createLab({ hosts: 2 + fetchers, rateMbit: mbit });
      const [seedHost, soloHost, ...crowdHosts] = lab.hosts;
      const source = `${seedHost!.ip}:50051`;
      const seed = await startLabPeer(lab, seedHost!, {
        bootstrap: [],
        files: { 'crowd.bin': content },
        config,
      });
      peers.push(seed);
      const solo = await startLabPeer(lab, soloHost!, { bootstrap: [source], files: {}, config });
      peers.push(solo);
      const crowd: LabPeer[] = [];
      for (const host of crowdHosts) {
        crowd.push(await startLabPeer(lab, host, { bootstrap: [source], files: {}, config }));
      }
      peers.push(...crowd);
      await Promise.all(peers.map((p) => p.start()));
      await waitFor(
        async () => {
          const all = await Promise.all(peers.map((p) => p.status()));
          return all.every((s, i) => s.grpcAddress === `${peers[i]!.host.ip}:50051`);
        },
        { timeoutMs: 60_000, intervalMs: 200, what: 'every host to know its address' },
      );

      const rows: BenchRow[] = [];
      const soloRun = await fetchAll([solo], sha256, source, size);
      const soloMs = soloRun[0]!.ms;
      // The yardstick leaves: the crowd must not find it as a complete source.
      await solo.stop();
      peers.splice(peers.indexOf(solo), 1);
      rows.push({ host: solo.host.name, role: 'alone', s: soloMs / 1000, 'x solo': 1 });

      const seedBefore = (await seed.api<TrafficView>('/api/v1/traffic')).upBytes;
      const crowdRun = await fetchAll(crowd, sha256, source, size);
      // From the first fetch's start to the last one's end (the daemons' own clocks, one host).
      const allMs =
        Math.max(...crowdRun.map((r) => r.finishedAt)) -
        Math.min(...crowdRun.map((r) => r.startedAt));
      const seedUp = (await seed.api<TrafficView>('/api/v1/traffic')).upBytes - seedBefore;
      for (const [i, r] of crowdRun.entries()) {
        const t = await crowd[i]!.api<TrafficView>('/api/v1/traffic');
        rows.push({
          host: crowd[i]!.host.name,
          role: 'crowd',
          s: r.ms / 1000,
          'x solo': r.ms / soloMs,
          'up MiB': t.upBytes / MiB,
          'down MiB': t.downBytes / MiB,
        });
      }
      rows.push({
        host: seed.host.name,
        role: 'seed (crowd)',
        'up MiB': seedUp / MiB,
        'up / file': seedUp / size,
      });
      rows.push({ host: 'all', role: 'crowd done', s: allMs / 1000, 'x solo': allMs / soloMs });
      return rows;
    } finally {
      await Promise.allSettled(peers.map((p) => p.stop()));
      await lab?.destroy();
    }
  },
};

/** Starts a fetch on every peer at once; resolves with each one's time once all completed and checked. */
async function fetchAll(
  peers: LabPeer[],
  sha256: string,
  source: string,
  size: number,
): Promise<{ ms: number; startedAt: number; finishedAt: number }[]> {
  const ids = await Promise.all(peers.map((p) => startFetch(p, sha256, [source])));
  const done = await Promise.all(peers.map((p, i) => fetchCompleted(p, ids[i]!)));
  // Checked once all are done, so that hashing a copy slows no fetch still running.
  for (const [i, t] of done.entries()) await checkCopy(peers[i]!, t, sha256, size);
  return done.map((t) => {
    const finishedAt = t.finishedAt ?? Date.now();
    return { ms: finishedAt - t.startedAt, startedAt: t.startedAt, finishedAt };
  });
}
