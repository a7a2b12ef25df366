// Where a copy of a query goes, from tables built by hand: targeted copies
// follow the nearest neighbor per holder, later copies only add new
// holders, common or deep queries fall back to the filter, and neighbors
// with unknown tables still get the query.
import { expect } from 'chai';
import { compileQuery } from '../../src/index/keywords.js';
import { termKey } from '../../src/overlay/bloom.js';
import {
  MANY,
  keyHash,
  mergeHolders,
  ownHolders,
  type HolderTable,
} from '../../src/overlay/holder-table.js';
import {
  newRouteState,
  planRoute,
  type NeighborRoutes,
  type RouteQuery,
} from '../../src/overlay/route-plan.js';
import { ownTable, termPositions } from '../../src/overlay/route-table.js';

const SELF = 1;
const RARE = keyHash(termKey('rare'));
const COMMON = keyHash(termKey('common'));

/** A holder table listing `entries` as [key, holder, distance]. */
function holders(entries: [number, number, number][]): HolderTable {
  const sorted = [...entries].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return {
    keys: Uint32Array.from(sorted.map((e) => e[0])),
    holders: Uint32Array.from(sorted.map((e) => e[1])),
    dists: Uint8Array.from(sorted.map((e) => e[2])),
  };
}

function query(text: string, hops: number, targets: number[] = []): RouteQuery {
  const { terms } = compileQuery(text);
  return {
    positions: termPositions(terms),
    keys: terms.map((t) => keyHash(termKey(t))),
    hops,
    targets,
  };
}

// Holder 10 is 1 hop behind a (3 behind b); holder 20 is 2 hops behind b;
// "common" has MANY holders everywhere. Filters say a match lies behind a and b.
const filter = ownTable(['rare common.txt']);
const a: NeighborRoutes = {
  id: 'a',
  table: filter,
  holders: holders([
    [RARE, 10, 1],
    [COMMON, MANY, 0],
  ]),
};
const b: NeighborRoutes = {
  id: 'b',
  table: filter,
  holders: holders([
    [RARE, 10, 3],
    [RARE, 20, 2],
    [COMMON, MANY, 0],
  ]),
};
const unknown: NeighborRoutes = { id: 'u' };
const own = {
  self: SELF,
  holders: mergeHolders(ownHolders([], SELF), [a.holders!, b.holders!], {
    self: SELF,
    maxDistance: 7,
    maxHolders: 8,
  }),
  horizon: 7,
};

describe('route plans', () => {
  it('send one targeted copy per holder, by the nearest neighbor', () => {
    const plan = planRoute(query('rare', 6), own, [a, b], newRouteState(), true);
    expect(Object.fromEntries(plan)).to.deep.equal({ a: [10], b: [20] });
  });

  it('skip a holder farther than the hops left', () => {
    const plan = planRoute(query('rare', 1), own, [a, b], newRouteState(), true);
    expect(Object.fromEntries(plan)).to.deep.equal({ a: [10] });
  });

  it('route a later copy only towards holders not routed yet', () => {
    const state = newRouteState();
    planRoute(query('rare', 6, [10]), own, [a, b], state, true);
    expect(planRoute(query('rare', 6, [10]), own, [a, b], state, false).size).to.equal(0);
    const more = planRoute(query('rare', 6, [10, 20]), own, [a, b], state, false);
    expect(Object.fromEntries(more)).to.deep.equal({ b: [20] });
  });

  it('send nothing for a name no table lists, except to a neighbor whose table is unknown', () => {
    const plan = planRoute(query('absent', 6), own, [a, b, unknown], newRouteState(), true);
    expect(Object.fromEntries(plan)).to.deep.equal({ u: [] });
    const state = newRouteState();
    planRoute(query('rare', 6), own, [a, unknown], state, true);
    // A later copy adds holders only; the unknown neighbor already had the query.
    expect(planRoute(query('rare', 6, [20]), own, [a, unknown], state, false).has('u')).to.equal(
      false,
    );
  });

  it('fall back to the filter for common terms and for hops past the holder lists', () => {
    const common = newRouteState();
    const plan = planRoute(query('common', 6), own, [a, b], common, true);
    expect(Object.fromEntries(plan)).to.deep.equal({ a: [], b: [] });
    expect(common.all).to.equal(true);
    expect(planRoute(query('common', 6), own, [a, b], common, false).size).to.equal(0);
    const deep = planRoute(query('rare', 9), own, [a, b], newRouteState(), true);
    expect(Object.fromEntries(deep)).to.deep.equal({ a: [], b: [] });
  });

  it('target the holders of every rare term at once, and let common terms match anything', () => {
    const both = planRoute(query('rare common', 6), own, [a, b], newRouteState(), true);
    expect(Object.fromEntries(both)).to.deep.equal({ a: [10], b: [20] });
  });

  it('give a neighbor without holder lists the query untargeted', () => {
    const old: NeighborRoutes = { id: 'old', table: filter };
    const plan = planRoute(query('rare', 6), own, [a, b, old], newRouteState(), true);
    expect(Object.fromEntries(plan)).to.deep.equal({ a: [10], b: [20], old: [] });
  });

  it('at the origin, send a copy along the second-best path too while the nearest is unconfirmed', () => {
    const shaky = { ...a, unconfirmed: true };
    const origin = { ...query('rare', 6), secondPaths: true };
    const plan = planRoute(origin, own, [shaky, b], newRouteState(), true);
    expect(Object.fromEntries(plan)).to.deep.equal({ a: [10], b: [10, 20] });
    // Past the origin no second copies (they would multiply hop by hop).
    const relayed = planRoute(query('rare', 6), own, [shaky, b], newRouteState(), true);
    expect(Object.fromEntries(relayed)).to.deep.equal({ a: [10], b: [20] });
    // No second path within the hops left: the unconfirmed one alone.
    const near = planRoute(
      { ...query('rare', 2), secondPaths: true },
      own,
      [shaky, b],
      newRouteState(),
      true,
    );
    expect(Object.fromEntries(near)).to.deep.equal({ a: [10], b: [20] });
  });

  it('ignore a claim that another peer is 0 hops from a neighbor', () => {
    const liar: NeighborRoutes = {
      id: 'liar',
      table: filter,
      holders: holders([[RARE, 10, 0]]),
      holderId: 99,
    };
    const plan = planRoute(query('rare', 6), own, [liar, a, b], newRouteState(), true);
    expect(Object.fromEntries(plan)).to.deep.equal({ a: [10], b: [20] });
    const itself: NeighborRoutes = { ...liar, holderId: 10 };
    const direct = planRoute(query('rare', 6), own, [itself, a, b], newRouteState(), true);
    expect(Object.fromEntries(direct)).to.deep.equal({ liar: [10], b: [20] });
  });
});
