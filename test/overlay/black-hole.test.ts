// The search black hole of issue 14: a hostile neighbor advertises in
// GetRoutes that the only holder of a rare name is nearer behind it than
// the honest path says, then answers no Search. Trusting the shortest claim
// sends it every copy (the yardstick, search.checkRouteClaims off: no hits).
// With claims checked, a claim of 0 hops is dropped at once (only the holder
// itself is 0 hops from itself), and a plausible shorter claim (1 hop, where
// the honest path is 2) costs nothing while it is tested: the origin also
// sends the copy along the second-best path, and the neighbor is distrusted
// once its routes keep yielding nothing. The holder is found every time.
//
//   victim ── honest ── mid ── holder        victim ── hostile (claims: holder at 0 or 1 hop)
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

/** GetRoutes of a liar: every filter position at 0 hops, and `holder` `hops` away for RARE. */
function blackHoleRoutes(
  holder: string,
  hops: number,
): (request: { haveVersion?: number }) => unknown {
  const holders = encodeHolders({
    keys: Uint32Array.of(keyHash(termKey(RARE))),
    holders: Uint32Array.of(holderId(holder)),
    dists: Uint8Array.of(hops),
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

  /** victim, honest, mid, holder in a line, and the hostile neighbor of the victim. */
  async function network(
    checkRouteClaims: boolean,
    claimedHops: number,
  ): Promise<{ victim: TestPeer; fake: FakePeer }> {
    const search = { routesIntervalMs: ROUTES_MS, checkRouteClaims };
    const honest = await startNetPeer({ id: 'honest', overlay: LINE, search });
    started.peers.push(honest);
    const mid = await startNetPeer({
      id: 'mid',
      bootstrap: [honest.grpcAddress],
      overlay: LINE,
      search,
    });
    started.peers.push(mid);
    await waitFor(() => neighborIds(honest).includes('mid'), { what: 'mid to join' });
    const holder = await startNetPeer({
      id: 'holder',
      bootstrap: [mid.grpcAddress],
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
    await waitFor(() => neighborIds(honest).length === 2 && neighborIds(mid).length === 2, {
      what: 'the line to form',
    });
    const fake = await startFakePeer({
      id: 'hostile',
      hangOnSearch: true,
      routes: blackHoleRoutes('holder', claimedHops),
    });
    started.fakes.push(fake);
    await victim.daemon.overlay.connect(fake.address);
    expect(neighborIds(victim)).to.deep.equal(['honest', 'hostile']);
    await waitForRoutes([victim, honest, mid, holder], ROUTES_MS, 20_000);
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

  const searchCalls = (fake: FakePeer): number => fake.calls.filter((c) => c === 'Search').length;
  /** Search copies the hostile neighbor got that named the holder (targeted at it). */
  const targetedCalls = (fake: FakePeer): number =>
    fake.searches.filter((r) => (r.targets as number[]).includes(holderId('holder'))).length;

  it('yardstick: trusting the shortest claim (0 hops), every query disappears into the hostile neighbor', async () => {
    const { victim, fake } = await network(false, 0);
    const found = await hits(victim);
    const total = found.reduce((a, b) => a + b, 0);
    console.log(
      `      [figures] black hole, claims trusted: ${total}/${QUERIES} queries found the holder ` +
        `(${found.join(' ')}); hostile got ${searchCalls(fake)} Search calls, ${targetedCalls(fake)} targeted`,
    );
    expect(total).to.equal(0);
    expect(targetedCalls(fake)).to.equal(QUERIES);
  });

  it('claims checked: a 0-hop claim for another peer is dropped and the holder found by every query', async () => {
    const { victim, fake } = await network(true, 0);
    const found = await hits(victim);
    const total = found.reduce((a, b) => a + b, 0);
    console.log(
      `      [figures] black hole (0-hop claim), claims checked: ${total}/${QUERIES} queries found the holder ` +
        `(${found.join(' ')}); hostile got ${searchCalls(fake)} Search calls, ${targetedCalls(fake)} targeted`,
    );
    expect(found).to.deep.equal(new Array<number>(QUERIES).fill(1));
    expect(targetedCalls(fake)).to.equal(0);
  });

  it('claims checked: a plausible 1-hop lie is tested beside the honest path, then distrusted', async () => {
    const { victim, fake } = await network(true, 1);
    const found = await hits(victim);
    const total = found.reduce((a, b) => a + b, 0);
    const routing = victim.daemon.overlay.stats().routing!;
    console.log(
      `      [figures] black hole (1-hop claim), claims checked: ${total}/${QUERIES} queries found the holder ` +
        `(${found.join(' ')}); hostile got ${searchCalls(fake)} Search calls, ${targetedCalls(fake)} targeted; ` +
        `neighbors confirmed ${routing.confirmedNeighbors}, distrusted ${routing.distrustedNeighbors}`,
    );
    expect(found).to.deep.equal(new Array<number>(QUERIES).fill(1));
    expect(routing.distrustedNeighbors).to.equal(1);
    expect(routing.confirmedNeighbors).to.equal(1);
    // Tested until distrusted (4 misses, the next query may leave before the 4th is judged),
    // then no longer sent towards the holder.
    expect(targetedCalls(fake)).to.be.below(QUERIES);
    const before = targetedCalls(fake);
    const again = await victim.daemon.overlay.collect(RARE, { timeoutMs: TIMEOUT_MS });
    expect(again.hits.map((h) => h.peer.id)).to.deep.equal(['holder']);
    expect(targetedCalls(fake)).to.equal(before);
  });
});
