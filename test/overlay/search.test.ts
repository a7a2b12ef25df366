// Network search over real overlays: a line (TTL reach), a ring and a random
// overlay (every peer serves a query exactly once, hits deduplicated,
// latency reported), with the figures of the closing note printed.
import { expect } from 'chai';
import type { EventEnvelope } from '../../src/events/types.js';
import { waitFor, type TestPeer } from '../fixtures/peers.js';
import {
  controlSearch,
  isSymmetric,
  neighborIds,
  percentile,
  recordEvents,
  startNetPeer,
  stopAll,
  waitForOverlay,
} from './network.js';

type Served = EventEnvelope<'search.served'>;

/** A search ends as soon as every branch has answered; the timeout only guards a busy machine. */
const PATIENT = 10_000;

/** How many times each peer served `queryId`. */
function servedCounts(events: EventEnvelope[], queryId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events as Served[]) {
    if (e.type === 'search.served' && e.data.queryId === queryId) {
      counts.set(e.peer, (counts.get(e.peer) ?? 0) + 1);
    }
  }
  return counts;
}

function ids(peers: readonly TestPeer[]): string[] {
  return peers.map((p) => p.daemon.config.id).sort();
}

// These cases measure flooding and TTL reach themselves (routing is measured in
// routing.test.ts); routed, a search sent the moment a line forms could beat the
// keyword tables still travelling down it.
const FLOOD = { routing: 'flood' };

describe('overlay search', function () {
  this.timeout(60_000);
  let peers: TestPeer[] = [];

  afterEach(async () => {
    await stopAll(peers);
    peers = [];
  });

  it('line of 6: a file on the last peer is found from the first, not with a TTL too small', async () => {
    // Not exploring: the line and the ring keep the shape they are built in.
    const line = { minPeers: 1, maxPeers: 2, exploreIntervalMs: 0 };
    for (let i = 0; i < 6; i++) {
      const bootstrap = i === 0 ? [] : [peers[i - 1]!.grpcAddress];
      const files: Record<string, string> = i === 5 ? { 'deep/needle-report.txt': 'found me' } : {};
      peers.push(
        await startNetPeer({ id: `l${i}`, bootstrap, overlay: line, files, search: FLOOD }),
      );
      if (i > 0) {
        await waitFor(() => neighborIds(peers[i]!).includes(`l${i - 1}`), {
          what: `l${i} to join`,
        });
      }
    }
    peers.forEach((p, i) => {
      const expected = [i - 1, i + 1].filter((j) => j >= 0 && j < 6).map((j) => `l${j}`);
      expect(neighborIds(p), `neighbors of l${i}`).to.deep.equal(expected);
    });
    const first = peers[0]!;

    const found = await controlSearch(first.grpcAddress, {
      query: 'needle',
      ttl: 5,
      timeoutMs: PATIENT,
    });
    expect(found.error).to.equal(undefined);
    expect(found.hits).to.have.length(1);
    const [hit] = found.hits;
    expect(hit!.peer!.id).to.equal('l5');
    expect(hit!.peer!.address).to.equal(peers[5]!.grpcAddress);
    expect(hit!.file!.names).to.deep.equal(['deep/needle-report.txt']);
    expect(hit!.file!.size).to.equal(8);
    expect(hit!.file!.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(hit!.file!.chunkHashes).to.deep.equal([]);
    expect(hit!.hops).to.equal(5);
    expect(hit!.latencyMs).to.be.at.least(0);

    const rec = recordEvents(peers, ['search.served', 'search.completed']);
    const short = await first.daemon.overlay.collect('needle', { ttl: 4, timeoutMs: PATIENT });
    rec.stop();
    expect(short.hits).to.deep.equal([]);
    const served = servedCounts(rec.events, short.queryId);
    expect([...served.keys()].sort()).to.deep.equal(['l0', 'l1', 'l2', 'l3', 'l4']);
    const completed = rec.events.find((e) => e.type === 'search.completed')!;
    expect(completed.peer).to.equal('l0');
    expect(completed.data).to.include({ queryId: short.queryId, hits: 0 });
  });

  it('ring of 16: each peer serves a query exactly once; hits deduplicated with latency', async () => {
    const n = 16;
    const ring = { minPeers: 1, maxPeers: 2, exploreIntervalMs: 0 };
    for (let i = 0; i < n; i++) {
      const bootstrap = i === 0 ? [] : [peers[i - 1]!.grpcAddress];
      const files = { [`ring-${i}.txt`]: `ring ${i}`, 'common/ring-shared.txt': 'same everywhere' };
      peers.push(
        await startNetPeer({ id: `r${i}`, bootstrap, overlay: ring, files, search: FLOOD }),
      );
      if (i > 0) {
        await waitFor(() => neighborIds(peers[i]!).includes(`r${i - 1}`), {
          what: `r${i} to join`,
        });
      }
    }
    await peers[n - 1]!.daemon.overlay.connect(peers[0]!.grpcAddress);
    await waitFor(() => peers.every((p) => p.daemon.overlay.neighborCount === 2), {
      what: 'the ring',
    });
    expect(isSymmetric(peers)).to.equal(true);

    const rec = recordEvents(peers, ['search.served']);
    const result = await peers[0]!.daemon.overlay.collect('ring', {
      ttl: n / 2,
      timeoutMs: PATIENT,
    });
    rec.stop();
    const served = servedCounts(rec.events, result.queryId);
    expect([...served.keys()].sort()).to.deep.equal(ids(peers));
    expect([...served.values()].every((c) => c === 1)).to.equal(true);

    // Two files per peer (one of them the same content everywhere): 2 hits per peer, no duplicates.
    expect(result.hits).to.have.length(2 * n);
    const keys = result.hits.map((h) => `${h.peer.id}/${h.file.sha256}`);
    expect(new Set(keys).size).to.equal(keys.length);
    for (const h of result.hits) {
      const i = Number(h.peer.id.slice(1));
      expect(h.hops).to.be.within(Math.min(i, n - i), n / 2);
      expect(h.latencyMs).to.be.at.least(0).and.at.most(result.durationMs);
    }
  });

  it('random overlay of 20: every peer serves each query once; latency and messages measured', async () => {
    const n = 20;
    // No exploring: the message bound below is computed from the graph as it stands.
    const overlay = { minPeers: 3, maxPeers: 6, pingIntervalMs: 500, exploreIntervalMs: 0 };
    for (let i = 0; i < n; i++) {
      const bootstrap =
        i === 0 ? [] : [peers[Math.floor(Math.random() * peers.length)]!.grpcAddress];
      const files = { [`random-${i}-notes.txt`]: `notes of ${i}` };
      peers.push(await startNetPeer({ id: `n${i}`, bootstrap, overlay, files, search: FLOOD }));
    }
    await waitForOverlay(peers, 3, 20_000);
    const degrees = peers.map((p) => p.daemon.overlay.neighborCount);
    const edges = degrees.reduce((a, b) => a + b, 0) / 2;

    const rec = recordEvents(peers, ['search.served']);
    const durations: number[] = [];
    const lastHit: number[] = [];
    const messages: number[] = [];
    const queries = 20;
    for (let q = 0; q < queries; q++) {
      const origin = peers[q % n]!;
      const before = peers.reduce((sum, p) => sum + p.daemon.overlay.stats().received, 0);
      const result = await origin.daemon.overlay.collect('notes', { timeoutMs: PATIENT });
      const after = peers.reduce((sum, p) => sum + p.daemon.overlay.stats().received, 0);
      expect(result.hits, `query ${q}`).to.have.length(n);
      expect(new Set(result.hits.map((h) => h.peer.id)).size).to.equal(n);
      const served = servedCounts(rec.events, result.queryId);
      expect([...served.keys()].sort(), `served by, query ${q}`).to.deep.equal(ids(peers));
      expect(
        [...served.values()].every((c) => c === 1),
        `served once, query ${q}`,
      ).to.equal(true);
      durations.push(result.durationMs);
      lastHit.push(Math.max(...result.hits.map((h) => h.latencyMs)));
      messages.push(after - before);
    }
    rec.stop();
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `      [figures] random overlay: ${n} peers, ${edges} links (degree ${Math.min(...degrees)}-${Math.max(...degrees)}), ${queries} queries, TTL 7\n` +
        `      [figures] search duration p50 ${percentile(durations, 50)} ms, p95 ${percentile(durations, 95)} ms; ` +
        `last hit p50 ${percentile(lastHit, 50)} ms, p95 ${percentile(lastHit, 95)} ms\n` +
        `      [figures] Search calls per query: mean ${mean(messages).toFixed(1)}, min ${Math.min(...messages)}, max ${Math.max(...messages)} ` +
        `(flooding bound 2E-(N-1) = ${2 * edges - (n - 1)})`,
    );
    // Flooding sends each query at most once over each link direction, never back to the sender.
    expect(Math.max(...messages)).to.be.at.most(2 * edges - (n - 1));
  });
});
