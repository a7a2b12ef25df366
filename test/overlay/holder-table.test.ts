// Holder lists as a distance-vector protocol, run round by round over small
// graphs without a network: they converge to the true distances, stop
// changing, list the nearest holders of a common key with a MANY mark, and
// fade when holders go away (no MANY mark kept alive around a cycle).
import { expect } from 'chai';
import { deflateSync } from 'node:zlib';
import {
  MANY,
  decodeHolders,
  distanceTo,
  emptyHolders,
  encodeHolders,
  holdersOf,
  mergeHolders,
  ownHolders,
  sameHolders,
  type HolderTable,
} from '../../src/overlay/holder-table.js';

const KEY = 42;

/** Peers 1..n; `edges` as pairs; `holds` = peers holding KEY. */
class Graph {
  tables: HolderTable[];
  constructor(
    readonly n: number,
    readonly edges: [number, number][],
    public holds: Set<number>,
    readonly maxHolders = 3,
    readonly maxDistance = 7,
  ) {
    this.tables = Array.from({ length: n + 1 }, () => emptyHolders());
  }

  neighbors(p: number): number[] {
    return this.edges.flatMap(([a, b]) => (a === p ? [b] : b === p ? [a] : []));
  }

  /** One synchronous round; true when some table changed. */
  round(): boolean {
    const next = this.tables.map((t, p) =>
      p === 0
        ? t
        : mergeHolders(
            ownHolders(this.holds.has(p) ? [KEY] : [], p),
            this.neighbors(p).map((q) => this.tables[q]!),
            { self: p, maxDistance: this.maxDistance, maxHolders: this.maxHolders },
          ),
    );
    const changed = next.some((t, p) => !sameHolders(t, this.tables[p]!));
    this.tables = next;
    return changed;
  }

  /** Rounds until nothing changes; throws when it does not settle. */
  settle(limit = 40): number {
    for (let r = 1; r <= limit; r++) if (!this.round()) return r;
    throw new Error(`no fixed point after ${limit} rounds`);
  }
}

const line = (n: number): [number, number][] =>
  Array.from({ length: n - 1 }, (_, i) => [i + 1, i + 2] as [number, number]);
const ring = (n: number): [number, number][] => [...line(n), [n, 1]];

describe('holder lists', () => {
  it('converge to the hop distance of every holder and then stop changing', () => {
    const g = new Graph(6, line(6), new Set([1, 6]));
    g.settle();
    expect(holdersOf(g.tables[3]!, KEY)).to.deep.equal([1, 6]);
    expect(distanceTo(g.tables[3]!, KEY, 1)).to.equal(2);
    expect(distanceTo(g.tables[3]!, KEY, 6)).to.equal(3);
    expect(distanceTo(g.tables[1]!, KEY, 1)).to.equal(0);
    expect(holdersOf(g.tables[3]!, KEY + 1)).to.deep.equal([]);
  });

  it('drop holders beyond maxDistance', () => {
    const g = new Graph(6, line(6), new Set([1]), 3, 2);
    g.settle();
    expect(holdersOf(g.tables[3]!, KEY)).to.deep.equal([1]);
    expect(holdersOf(g.tables[4]!, KEY)).to.deep.equal([]);
  });

  it('list the nearest holders of a common key and mark it MANY, stably', () => {
    const g = new Graph(8, ring(8), new Set([1, 2, 3, 4, 5, 6, 7, 8]));
    g.settle();
    for (let p = 1; p <= 8; p++) {
      expect(holdersOf(g.tables[p]!, KEY)).to.equal(MANY);
      // MANY first, then the three nearest (itself and its two neighbors).
      expect(g.tables[p]!.keys.length).to.equal(4);
      expect(distanceTo(g.tables[p]!, KEY, p)).to.equal(0);
    }
  });

  it('forget a MANY mark and a holder that went away, even around a cycle', () => {
    const g = new Graph(8, ring(8), new Set([1, 2, 3, 4, 5, 6, 7, 8]));
    g.settle();
    g.holds = new Set([5]);
    // Stale entries count up to maxDistance and vanish; the MANY mark they
    // kept alive then fades the same way.
    const rounds = g.settle();
    expect(rounds).to.be.at.most(2 * g.maxDistance + 1);
    for (let p = 1; p <= 8; p++) expect(holdersOf(g.tables[p]!, KEY)).to.deep.equal([5]);
    expect(distanceTo(g.tables[1]!, KEY, 5)).to.equal(4);
    g.holds = new Set();
    g.settle();
    for (let p = 1; p <= 8; p++) expect(g.tables[p]!.keys.length).to.equal(0);
  });

  it('ignore a neighbor claiming this peer holds a key it does not', () => {
    const lie: HolderTable = {
      keys: Uint32Array.of(KEY),
      holders: Uint32Array.of(7),
      dists: Uint8Array.of(0),
    };
    const t = mergeHolders(ownHolders([], 7), [lie], { self: 7, maxDistance: 7, maxHolders: 3 });
    expect(t.keys.length).to.equal(0);
  });

  it('drop a neighbor’s 0-hop claim for any holder but itself (and keep its MANY mark)', () => {
    const claims: HolderTable = {
      keys: Uint32Array.of(KEY, KEY, KEY),
      holders: Uint32Array.of(MANY, 4, 5),
      dists: Uint8Array.of(0, 0, 0),
    };
    const o = { self: 1, maxDistance: 7, maxHolders: 3 };
    const checked = mergeHolders(ownHolders([], 1), [claims], { ...o, owners: [5] });
    expect([...checked.holders]).to.deep.equal([MANY, 5]);
    expect([...checked.dists]).to.deep.equal([1, 1]);
    const trusted = mergeHolders(ownHolders([], 1), [claims], o);
    expect([...trusted.holders]).to.deep.equal([MANY, 4, 5]);
  });

  it('round-trip the wire form and refuse malformed tables', () => {
    const g = new Graph(8, ring(8), new Set([1, 3, 6]));
    g.settle();
    const t = g.tables[2]!;
    expect(sameHolders(decodeHolders(encodeHolders(t)), t)).to.equal(true);
    expect(decodeHolders(new Uint8Array(0)).keys.length).to.equal(0);
    expect(() => decodeHolders(deflateSync(Buffer.alloc(10)))).to.throw(/not whole entries/);
    const unordered = Buffer.alloc(18);
    unordered.writeUInt32LE(9, 0);
    unordered.writeUInt32LE(3, 4);
    expect(() => decodeHolders(deflateSync(unordered))).to.throw(/out of order/);
    expect(() => decodeHolders(Buffer.from('not zlib'))).to.throw();
  });
});
