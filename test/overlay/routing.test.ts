// Query routing over real overlays: the same recall as flooding on the same
// overlay and queries with far fewer Search messages for rare files, fresh
// tables after a file is added, and an older peer without GetRoutes still
// searched (by flooding).
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
          overlay: { minPeers: 1, maxPeers: 2 },
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
  });
});
