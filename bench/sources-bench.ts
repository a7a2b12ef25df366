// `npm run bench -- sources`: one fetch from 1 and from 3 sources when each
// source's uplink, not this machine's CPU, is the limit. Network namespaces
// (test/fixtures/netns.ts) with a tbf limit on every host's egress: the
// fetchers' downlinks are free, so three sources may bring up to three links'
// worth. The yardstick is the link rate itself. The transfer bench measures
// the other case, everything on loopback and CPU-bound. Needs root; says so
// and skips without it. BENCH_SOURCES_MIB (256), BENCH_SOURCES_MBIT (200);
// BENCH_SOURCES_TRANSFER: JSON of transfer settings for the fetchers, to compare.
import { startLabPeer, type LabPeer } from '../test/fixtures/lab-daemons.js';
import { createLab, type Lab } from '../test/fixtures/netns.js';
import {
  canBuildLab,
  checkCopy,
  fetchCompleted,
  randomFile,
  startFetch,
  transferSettings,
} from './lab.js';
import { MiB, envInt, type Bench, type BenchRow } from './table.js';

/** The most sources a case uses. */
const SOURCES = 3;

export const sourcesBench: Bench = {
  name: 'sources',
  describe: 'one fetch from 1 and from 3 sources on rate-limited links (netns hosts, tbf)',
  onlyByName: true,
  async run(): Promise<BenchRow[]> {
    if (!canBuildLab('sources')) return [];
    const size = envInt('BENCH_SOURCES_MIB', 256) * MiB;
    const mbit = envInt('BENCH_SOURCES_MBIT', 200);
    console.log(`${size / MiB} MiB, ${mbit} Mbit/s egress per host`);
    const transfer = transferSettings('BENCH_SOURCES_TRANSFER');
    const { content, sha256 } = randomFile(size);
    let lab: Lab | undefined;
    const peers: LabPeer[] = [];
    try {
      // The sources, then one fresh fetcher per case (a fetcher keeps what it fetched).
      lab = await createLab({ hosts: SOURCES + 2, rateMbit: mbit });
      const sourceHosts = lab.hosts.slice(0, SOURCES);
      const fetcherHosts = lab.hosts.slice(SOURCES);
      const addresses = sourceHosts.map((h) => `${h.ip}:50051`);
      for (const host of sourceHosts) {
        peers.push(await startLabPeer(lab, host, { bootstrap: [], files: { 'f.bin': content } }));
      }
      const fetchers: LabPeer[] = [];
      for (const host of fetcherHosts) {
        fetchers.push(
          await startLabPeer(lab, host, { bootstrap: [], files: {}, config: { transfer } }),
        );
      }
      peers.push(...fetchers);
      await Promise.all(peers.map((p) => p.start()));
      const rows: BenchRow[] = [];
      let oneSource = 0;
      for (const [i, count] of [1, SOURCES].entries()) {
        const seconds = await fetchFrom(fetchers[i]!, sha256, addresses.slice(0, count), size);
        const mibPerSecond = size / MiB / seconds;
        if (count === 1) oneSource = mibPerSecond;
        const links = (count * mbit * 1e6) / 8 / MiB;
        rows.push({
          case: `${count} source${count > 1 ? 's' : ''}, ${mbit} Mbit/s each`,
          'MiB/s': mibPerSecond,
          s: seconds,
          'x links': mibPerSecond / links,
          'x 1 source': mibPerSecond / oneSource,
        });
      }
      return rows;
    } finally {
      await Promise.allSettled(peers.map((p) => p.stop()));
      await lab?.destroy();
    }
  },
};

/** Fetches the file on `fetcher` from `sources`; the seconds it took, once the copy is checked. */
async function fetchFrom(
  fetcher: LabPeer,
  sha256: string,
  sources: string[],
  size: number,
): Promise<number> {
  const done = await fetchCompleted(fetcher, await startFetch(fetcher, sha256, sources));
  await checkCopy(fetcher, done, sha256, size);
  // The daemon's own clock, start to end of the fetch.
  return ((done.finishedAt ?? Date.now()) - done.startedAt) / 1000;
}
