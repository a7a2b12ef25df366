// The search black hole of issue 14: a hostile neighbor advertises in
// GetRoutes that the only holder of a rare name is 0 hops behind it, shorter
// than the honest path, then answers no Search. Trusting the shortest claim
// sends it every copy (the yardstick, search.checkRouteClaims off: no hits);
// with claims checked the query also takes the second-best path while the
// claim is unconfirmed, and the neighbor is distrusted once its routes keep
// yielding nothing, so the holder is found every time.
//
//   victim ── honest ── holder        victim ── hostile (claims: holder at 0 hops)
import { expect } from 'chai';
import { deflateSync } from 'node:zlib';
import { HASHES, MAX_PREFIX, POSITIONS, termKey } from '../../src/overlay/bloom.js';
import { encodeHolders, holderId, keyHash, MAX_HOLDERS } from '../../src/overlay/holder-table.js';
import { waitFor, type TestPeer } from '../fixtures/peers.js';
import { startFakePeer, type FakePeer } from './fake-peer.js';
import { neighborIds, startNetPeer, stoppedAfterEach, waitForRoutes } from './network.js';

const RARE = 'zanzibar';
const QUERIES = 6;
const ROUTES_MS = 200;
const TIMEOUT_MS = 1500;
/** A line: no peer dials past its one or two neighbors, and nobody explores. */
const LINE = { minPeers: 1, maxPeers: 2, exploreIntervalMs: 0 };

/** GetRoutes of a liar: every filter position at 0 hops, and `holder` 0 hops away for RARE. */
function blackHoleRoutes(holder: string): (request: { haveVersion?: number }) => unknown {
  const holders = encodeHolders({
    keys: Uint32Array.of(keyHash(termKey(RARE))),
    holders: Uint32Array.of(holderId(holder)),
    dists: Uint8Array.of(0),
  });
  const table = deflateSync(new Uint8Array(POSITIONS));
  // One version, as an honest peer's quiet table: the victim keeps it merged.
  return ({ haveVersion }) => ({
    version: 1,
    unchanged: haveVersion === 1,
    positions: POSITIONS,
    hashes: HASHES,
    maxPrefix: MAX_PREFIX,
    table,
    holders,
    maxHolders: MAX_HOLDERS,
    baseVersion: 0,
  });
}

describe('overlay: search black hole', function () {
  this.timeout(90_000);
  const started = stoppedAfterEach();

  /** victim, honest, holder in a line, and the hostile neighbor of the victim. */
  async function network(checkRouteClaims: boolean): Promise<{ victim: TestPeer; fake: FakePeer }> {
    const search = { routesIntervalMs: ROUTES_MS, checkRouteClaims };
    const honest = await startNetPeer({ id: 'honest', overlay: LINE, search });
    started.peers.push(honest);
    const holder = await startNetPeer({
      id: 'holder',
      bootstrap: [honest.grpcAddress],
      overlay: { ...LINE, maxPeers: 1 },
      search,
      files: { [`${RARE}-field-notes.txt`]: 'the only copy' },
    });
    started.peers.push(holder);
    const victim = await startNetPeer({
      id: 'victim',
      bootstrap: [honest.grpcAddress],
      overlay: LINE,
      search,
    });
    started.peers.push(victim);
    await waitFor(() => neighborIds(honest).length === 2, { what: 'the line to form' });
    const fake = await startFakePeer({
      id: 'hostile',
      hangOnSearch: true,
      routes: blackHoleRoutes('holder'),
    });
    started.fakes.push(fake);
    await victim.daemon.overlay.connect(fake.address);
    expect(neighborIds(victim)).to.deep.equal(['honest', 'hostile']);
    await waitForRoutes([victim, honest, holder], ROUTES_MS, 20_000);
    return { victim, fake };
  }

  /** Hits of QUERIES searches for the rare name from the victim. */
  async function hits(victim: TestPeer): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const r = await victim.daemon.overlay.collect(RARE, { timeoutMs: TIMEOUT_MS });
      out.push(r.hits.filter((h) => h.peer.id === 'holder').length);
    }
    return out;
  }

  it('yardstick: trusting the shortest claim, every query disappears into the hostile neighbor', async () => {
    const { victim, fake } = await network(false);
    const found = await hits(victim);
    const total = found.reduce((a, b) => a + b, 0);
    console.log(
      `      [figures] black hole, claims trusted: ${total}/${QUERIES} queries found the holder ` +
        `(${found.join(' ')}); hostile got ${fake.calls.filter((c) => c === 'Search').length} Search calls`,
    );
    expect(total).to.equal(0);
    expect(fake.calls.filter((c) => c === 'Search')).to.have.length.at.least(QUERIES);
  });

  it('claims checked: the holder is found by every query and the liar is distrusted', async () => {
    const { victim, fake } = await network(true);
    const found = await hits(victim);
    const total = found.reduce((a, b) => a + b, 0);
    const routing = victim.daemon.overlay.stats().routing!;
    console.log(
      `      [figures] black hole, claims checked: ${total}/${QUERIES} queries found the holder ` +
        `(${found.join(' ')}); hostile got ${fake.calls.filter((c) => c === 'Search').length} Search calls; ` +
        `neighbors confirmed ${routing.confirmedNeighbors}, distrusted ${routing.distrustedNeighbors}`,
    );
    expect(found).to.deep.equal(new Array<number>(QUERIES).fill(1));
    expect(routing.distrustedNeighbors).to.equal(1);
    expect(routing.confirmedNeighbors).to.equal(1);
  });
});
