// Query routing over real overlays: the same recall as flooding on the same
// overlay and queries with far fewer Search messages for rare files, fresh
// tables after a file is added, an older peer without GetRoutes still
// searched (by flooding), and a neighbor's new neighbor searched before its
// tables arrive.
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  runQueries,
  startNetwork,
  type Network,
  type QueryFigures,
} from '../../bench/search-sim.js';
import { waitFor } from '../fixtures/peers.js';
import { startFakePeer, type FakePeer } from './fake-peer.js';
import { startNetPeer, stopAll, waitForRoutes } from './network.js';
import type { TestPeer } from '../fixtures/peers.js';

const PATIENT = 10_000;
const INTERVAL = 250;

const sum = (xs: QueryFigures[], f: (q: QueryFigures) => number): number =>
  xs.reduce((a, q) => a + f(q), 0);

describe('overlay query routing', function () {
  this.timeout(120_000);
  let net: Network | undefined;
  let peers: TestPeer[] = [];
  let fake: FakePeer | undefined;

  afterEach(async () => {
    await net?.stop();
    net = undefined;
    await stopAll(peers);
    peers = [];
    await fake?.stop(true);
    fake = undefined;
  });

  it('random overlay of 24: 100% of flooding recall; queries for absent names pruned at the origin', async () => {
    net = await startNetwork({
      peers: 24,
      degree: 3,
      popular: 2,
      popularShare: 0.25,
      rare: 4,
      maxRareHolders: 3,
      misses: 2,
      ttl: 7,
      routesIntervalMs: INTERVAL,
      formTimeoutMs: 60_000,
    });
    const figures = await runQueries(net, 7, PATIENT);
    const flood = figures.filter((f) => f.mode === 'flood');
    const bloom = figures.filter((f) => f.mode === 'bloom');
    for (let i = 0; i < flood.length; i++) {
      const [f, b] = [flood[i]!, bloom[i]!];
      expect(f.recall, `flood recall of ${f.kind} ${f.query}`).to.equal(1);
      expect(b.recall, `routed recall of ${b.kind} ${b.query}`).to.equal(1);
      expect(b.found).to.equal(f.found);
    }
    const of = (xs: QueryFigures[], kind: string): QueryFigures[] =>
      xs.filter((f) => f.kind === kind);
    const floodRare = sum(of(flood, 'rare'), (f) => f.messages);
    const bloomRare = sum(of(bloom, 'rare'), (f) => f.messages);
    const floodMiss = sum(of(flood, 'miss'), (f) => f.messages);
    const bloomMiss = sum(of(bloom, 'miss'), (f) => f.messages);
    console.log(
      `      [figures] Search messages, flooded vs routed: rare ${floodRare} vs ${bloomRare}, ` +
        `absent ${floodMiss} vs ${bloomMiss}`,
    );
    // Never more than flooding; a name nobody has costs (almost) nothing.
    expect(bloomRare).to.be.at.most(floodRare);
    expect(bloomMiss).to.be.below(floodMiss * 0.1);
  });

  it('a file added later is found once the tables refresh; an old peer without GetRoutes is still searched', async () => {
    const search = { routing: 'bloom', routesIntervalMs: INTERVAL };
    for (let i = 0; i < 4; i++) {
      const bootstrap = i === 0 ? [] : [peers[i - 1]!.grpcAddress];
      peers.push(
        await startNetPeer({
          id: `t${i}`,
          bootstrap,
          overlay: { minPeers: 1, maxPeers: 2, exploreIntervalMs: 0 }, // a line that keeps its shape
          search,
        }),
      );
      if (i > 0) {
        await waitFor(() => peers[i]!.daemon.overlay.neighborCount >= 1, { what: `t${i} joined` });
      }
    }
    await waitForRoutes(peers, INTERVAL, 30_000);
    fake = await startFakePeer({ id: 'old' });
    await peers[3]!.daemon.overlay.connect(fake.address);

    // From t3: the old peer's table is unknown, so it is asked; t2's rules the query out.
    const t2 = peers[2]!.daemon.overlay;
    const received = t2.stats().received;
    const before = await peers[3]!.daemon.overlay.collect('latecomer', { timeoutMs: PATIENT });
    expect(before.hits).to.deep.equal([]);
    expect(fake.calls).to.include('Search');
    expect(t2.stats().received).to.equal(received);
    expect(peers[3]!.daemon.overlay.stats().pruned).to.be.at.least(1);

    const last = peers[3]!;
    await writeFile(join(last.shared, 'latecomer-song.ogg'), 'late');
    await last.daemon.index.rescan();
    await waitFor(
      async () =>
        (await peers[0]!.daemon.overlay.collect('latecomer', { timeoutMs: PATIENT })).hits
          .length === 1,
      { timeoutMs: 30_000, intervalMs: INTERVAL, what: 'the new file to be found' },
    );

    // A query that is a whole hash is routed to its holder like a rare name: t0 -> t1 -> t2 -> t3.
    const sha256 = (await last.daemon.index.list({ query: 'latecomer', limit: 1 })).files[0]!
      .sha256;
    const sent = (): number => peers.reduce((n, p) => n + p.daemon.overlay.stats().targeted, 0);
    const targetedBefore = sent();
    const byHash = await peers[0]!.daemon.overlay.collect(sha256, { timeoutMs: PATIENT });
    expect(byHash.hits.map((h) => [h.peer.id, h.file.sha256])).to.deep.equal([['t3', sha256]]);
    expect(sent() - targetedBefore).to.equal(3);
    // It keeps no tables and said so: asked once, not every interval.
    expect(fake.calls.filter((c) => c === 'GetRoutes')).to.have.length(1);
  });

  it('a neighbor whose own new neighbor is not in its tables yet is searched as if its tables were unknown', async () => {
    // Grace for a new neighbor's first tables: 2 x 2000 + 250 ms.
    const search = { routing: 'bloom', routesIntervalMs: INTERVAL, routesTimeoutMs: 2000 };
    const r = await startNetPeer({ id: 'r', search });
    peers.push(r);
    const a = await startNetPeer({
      id: 'a',
      bootstrap: [r.grpcAddress],
      overlay: { minPeers: 1, maxPeers: 1 },
      search,
    });
    peers.push(a);
    await waitForRoutes(peers, INTERVAL, 30_000);
    const before = await a.daemon.overlay.collect('orchid', { timeoutMs: PATIENT });
    expect(before.hits).to.deep.equal([]);
    expect(r.daemon.overlay.stats().received).to.equal(0); // r's table rules it out at a

    // A newcomer at r whose tables do not come (GetRoutes hangs) but which has the file.
    fake = await startFakePeer({
      id: 'newcomer',
      hangOnRoutes: true,
      files: [{ sha256: 'ab'.repeat(32), name: 'orchid-notes.txt', size: 5 }],
    });
    const joined = Date.now();
    await r.daemon.overlay.connect(fake.address);
    expect((await r.daemon.overlay.handleGetRoutes(0)).incomplete).to.equal(true);
    expect(r.daemon.overlay.stats().routing?.pendingNeighbors).to.equal(1);
    const found = await waitFor(
      async () => {
        const s = await a.daemon.overlay.collect('orchid', { timeoutMs: PATIENT });
        return s.hits.find((h) => h.peer.id === 'newcomer');
      },
      { timeoutMs: 4000, intervalMs: INTERVAL, what: 'a to search through r to its newcomer' },
    );
    expect(found.file.names).to.deep.equal(['orchid-notes.txt']);
    const foundAfterMs = Date.now() - joined;

    // A neighbor that never sends its tables stops counting after the grace,
    // or any stranger at r would bring r every query of its neighbors.
    await waitFor(() => r.daemon.overlay.stats().routing?.pendingNeighbors === 0, {
      timeoutMs: 10_000,
      what: 'the grace to pass',
    });
    expect(Date.now() - joined).to.be.at.least(4250);
    await waitFor(
      async () => {
        const asked = fake!.searches.length;
        const s = await a.daemon.overlay.collect('orchid', { timeoutMs: PATIENT });
        return s.hits.length === 0 && fake!.searches.length === asked;
      },
      { timeoutMs: 4000, intervalMs: INTERVAL, what: 'a to rule r out again' },
    );
    console.log(
      `      [figures] a newcomer's file found through its neighbor ${foundAfterMs} ms after it joined; ` +
        `pruned again ${Date.now() - joined} ms after`,
    );
  });
});
