// A hostile neighbor answering GetRoutes with a routing-table bomb (4 M
// holder entries in ~200 KB, a new version on every call) costs the victim
// what search.maxNeighborHolders and search.maxRouteUpdatesPerSec allow and
// no more: its holder lists are refused, its filter kept, its pulls paced,
// and the victim's RSS and Status latency stay low meanwhile.
import { expect } from 'chai';
import { deflateSync } from 'node:zlib';
import { createControlClient, deadline } from '../../src/grpc/clients.js';
import type { ControlServiceClient } from '../../src/generated/p2p/v1/ControlService.js';
import { HASHES, MAX_PREFIX, POSITIONS } from '../../src/overlay/bloom.js';
import { decodeHolders, encodeHolders, MAX_HOLDERS } from '../../src/overlay/holder-table.js';
import { waitFor } from '../fixtures/peers.js';
import { startFakePeer } from './fake-peer.js';
import { percentile, startNetPeer, stoppedAfterEach } from './network.js';

const MiB = 1024 * 1024;
const BOMB_ENTRIES = 4_000_000;
const UPDATES_PER_SEC = 5;
const ATTACK_MS = 4000;

/**
 * `n` entries, MAX_HOLDERS holders per key, all at distance 0: valid and sorted, each key
 * within the per-key cap, and ~190 KB once deflated (the table of issue 14's attack).
 */
function bomb(n: number): Buffer {
  const keys = new Uint32Array(n);
  const holders = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    keys[i] = Math.floor(i / MAX_HOLDERS) + 1;
    holders[i] = (i % MAX_HOLDERS) + 1;
  }
  return encodeHolders({ keys, holders, dists: new Uint8Array(n) });
}

function status(client: ControlServiceClient): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) =>
    client.Status({}, { deadline: deadline(5000) }, (err) =>
      err ? reject(err) : resolve(performance.now() - started),
    ),
  );
}

describe('overlay: hostile GetRoutes answers', function () {
  this.timeout(60_000);
  const started = stoppedAfterEach();

  it('refuses a key listing more holders than a neighbor may name', () => {
    const n = MAX_HOLDERS + 2;
    const wire = encodeHolders({
      keys: new Uint32Array(n).fill(42),
      holders: Uint32Array.from({ length: n }, (_, i) => i + 1),
      dists: new Uint8Array(n),
    });
    expect(() => decodeHolders(wire, { maxEntries: 1000, maxPerKey: MAX_HOLDERS + 1 }))
      .to.throw()
      .with.property('name', 'TooLargeError');
  });

  it('keeps a routing-table bomb to the caps: RSS, Status latency and pull rate bounded', async () => {
    const holders = bomb(BOMB_ENTRIES);
    const table = deflateSync(new Uint8Array(POSITIONS)); // claims every key at distance 0
    let version = 1;
    const fake = await startFakePeer({
      id: 'bomber',
      routes: () => ({
        version: version++,
        unchanged: false,
        positions: POSITIONS,
        hashes: HASHES,
        maxPrefix: MAX_PREFIX,
        table,
        holders,
        maxHolders: MAX_HOLDERS,
        baseVersion: 0,
      }),
    });
    started.fakes.push(fake);
    const victim = await startNetPeer({ search: { maxRouteUpdatesPerSec: UPDATES_PER_SEC } });
    started.peers.push(victim);
    const control = createControlClient(victim.grpcAddress);
    try {
      await status(control); // a warm channel: the figure is the daemon's, not a handshake
      // The same probe for a second before the bomb: what this machine answers in now.
      const quiet: number[] = [];
      for (const quietUntil = Date.now() + 1000; Date.now() < quietUntil;) {
        quiet.push(await status(control));
        await new Promise((r) => setTimeout(r, 20));
      }
      const rssBefore = process.memoryUsage().rss;
      await victim.daemon.overlay.connect(fake.address);
      const routing = () => victim.daemon.overlay.stats().routing!;
      await waitFor(() => routing().refusedTables > 0, { what: 'the bomb to be refused' });
      const pullsBefore = fake.calls.filter((c) => c === 'GetRoutes').length;
      const latencies: number[] = [];
      let peakRss = process.memoryUsage().rss;
      const until = Date.now() + ATTACK_MS;
      while (Date.now() < until) {
        latencies.push(await status(control));
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        await new Promise((r) => setTimeout(r, 20)); // a steady probe, not a wait for state
      }
      const pulls = fake.calls.filter((c) => c === 'GetRoutes').length - pullsBefore;
      const growthMiB = (peakRss - rssBefore) / MiB;
      const p99 = percentile(latencies, 99);
      console.log(
        `      bomb of ${BOMB_ENTRIES} entries (${(holders.length / 1024).toFixed(0)} KiB): ` +
          `${routing().refusedTables} answers refused, ${pulls} pulls in ${ATTACK_MS} ms, ` +
          `RSS +${growthMiB.toFixed(1)} MiB peak, Status p99 ${p99.toFixed(1)} ms over ${latencies.length} calls ` +
          `(${percentile(quiet, 99).toFixed(1)} before the bomb)`,
      );
      expect(victim.daemon.overlay.neighbors().map((n) => n.peer.id)).to.include('bomber');
      expect(pulls).to.be.at.most((UPDATES_PER_SEC * ATTACK_MS) / 1000 + 2);
      // The peak is this whole process's, with each refused table's garbage (+42-44 MiB here):
      // when a collection comes moves it. With the caps lifted: +310 MiB, p99 2.8 s.
      expect(growthMiB).to.be.below(120);
      expect(p99).to.be.below(Math.max(100, 4 * percentile(quiet, 99)));
    } finally {
      control.close();
    }
  });
});
