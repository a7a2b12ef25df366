// Where one copy of a query goes, given this peer's tables and its
// neighbors'. A query with a term few peers hold is targeted: each holder
// within reach is assigned the neighbor on a shortest path to it, and the
// copy sent there names the holders it is heading for, so the next peer
// routes on towards those only (and a peer reached again by another
// holder's path routes the new holders and nothing else). A query whose
// every term is common (MANY), or whose hops reach past the holder lists,
// falls back to the distance filter. Neighbors whose tables are unknown get
// the query untargeted, as flooding would send it: no table, no pruning.
// A holder claim is only a claim (route-trust.ts). One that cannot be true
// is ignored: a holder 0 hops from a neighbor is that neighbor. And at the
// query's origin, while the nearest neighbor's claims are unconfirmed, the
// copy for a holder also takes the second-best path, so a neighbor claiming
// the shortest route and answering nothing cannot take a holder out of
// reach. (Only at the origin: second copies made at every hop would
// multiply; later hops rely on distrust alone.)
import { distanceTo, holdersOf, MANY, type HolderTable } from './holder-table.js';
import { mayMatch } from './route-table.js';

export interface RouteQuery {
  /** Filter positions of each term (route-table termPositions). */
  positions: readonly number[][];
  /** Holder-list key of each term (holder-table keyHash). */
  keys: readonly number[];
  /** Hops left once a neighbor receives the query. */
  hops: number;
  /** Holders the copy is routed towards ([] = any this peer knows). */
  targets: readonly number[];
  /** Send a second copy beside unconfirmed neighbors (this peer is the query's origin). */
  secondPaths?: boolean;
}

/** What this peer already routed for one query id. */
export interface RouteState {
  /** Sent untargeted everywhere it should go: later copies add nothing. */
  all: boolean;
  /** Holders already routed towards (or found unreachable). */
  done: Set<number>;
}

export interface NeighborRoutes {
  id: string;
  /** Undefined when unknown or stale. */
  table?: Uint8Array;
  /** Undefined when the neighbor keeps no holder lists (or its claims are distrusted). */
  holders?: HolderTable;
  /** Its holder claims have not (recently) led to hits: routed with a second path beside it. */
  unconfirmed?: boolean;
  /** Its own holder id: the only holder it can be 0 hops from. */
  holderId?: number;
}

export interface OwnRoutes {
  self: number;
  holders: HolderTable;
  /** Distance up to which holder lists are complete. */
  horizon: number;
}

export function newRouteState(): RouteState {
  return { all: false, done: new Set() };
}

/** The holders a targeted query heads for, or undefined to route by the filter. */
function targetsOf(q: RouteQuery, own: OwnRoutes): { holders: number[]; key: number } | undefined {
  if (q.hops + 1 > own.horizon) return undefined;
  let best: { holders: number[]; key: number } | undefined;
  let set: Set<number> | undefined;
  for (const key of q.keys) {
    const listed = holdersOf(own.holders, key);
    if (listed === MANY) continue;
    set = new Set(set ? listed.filter((h) => set!.has(h)) : listed);
    if (!best || listed.length < best.holders.length) best = { holders: listed, key };
  }
  if (!best || !set) return undefined;
  const wanted = q.targets.length > 0 ? new Set(q.targets) : undefined;
  const holders = [...set].filter((h) => h !== own.self && (!wanted || wanted.has(h)));
  return { holders, key: best.key };
}

/**
 * Neighbor id → targets for the copy sent there ([] = untargeted), for one
 * copy of a query; `state` records what was routed so later copies of the
 * same query only add new holders. `first` is whether this is the first copy.
 */
export function planRoute(
  q: RouteQuery,
  own: OwnRoutes,
  neighbors: readonly NeighborRoutes[],
  state: RouteState,
  first: boolean,
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (state.all) return out;
  const target = targetsOf(q, own);
  for (const n of neighbors) {
    // Unknown tables, and (when targeting) tables without holder lists, get it the old way.
    const untargeted = !n.table || (target !== undefined && !n.holders);
    if (first && untargeted && (!n.table || mayMatch(n.table, q.positions, q.hops))) {
      out.set(n.id, []);
    }
  }
  if (!target) {
    state.all = true;
    for (const n of neighbors) {
      if (n.table && mayMatch(n.table, q.positions, q.hops)) out.set(n.id, []);
    }
    return out;
  }
  for (const h of target.holders) {
    if (state.done.has(h)) continue;
    state.done.add(h);
    let via: NeighborRoutes | undefined;
    let second: NeighborRoutes | undefined;
    let nearest = q.hops + 1;
    let next = q.hops + 1;
    for (const n of neighbors) {
      if (!n.table || !n.holders) continue;
      const d = distanceTo(n.holders, target.key, h);
      if (d === 0 && n.holderId !== undefined && h !== n.holderId) continue;
      if (d < nearest) [second, next, via, nearest] = [via, nearest, n, d];
      else if (d < next) [second, next] = [n, d];
    }
    if (!via) continue;
    for (const n of q.secondPaths && via.unconfirmed && second ? [via, second] : [via]) {
      const list = out.get(n.id) ?? [];
      list.push(h);
      out.set(n.id, list);
    }
  }
  return out;
}
