// Incremental GetRoutes answers. A peer keeps its last few tables; a
// neighbor holding one of them is sent only what changed since: the filter
// positions whose distance changed, and the holder entries added, changed
// or removed. While an overlay forms, tables change every round, and whole
// tables would cost each link tens of KiB (and a deflate) per round.
import {
  checkHolderLimits,
  decodeHolders,
  emptyHolders,
  encodeHolders,
  type HolderLimits,
  type HolderTable,
} from './holder-table.js';

export interface RoutesVersion {
  version: number;
  table: Uint8Array;
  holders: HolderTable;
}

/** The wire parts of one delta (GetRoutesResponse fields). */
export interface RoutesDelta {
  baseVersion: number;
  /** Changed filter positions: (uint16le position, uint8 distance) triples. */
  table: Buffer;
  /** Entries added or whose distance changed, holder-table wire form. */
  holders: Buffer;
  /** Entries gone (distance ignored), holder-table wire form. */
  removedHolders: Buffer;
}

/** The positions where `to` differs from `from`, with their new distances. */
function changedPositions(from: Uint8Array, to: Uint8Array): Buffer {
  if (from.length !== to.length || to.length > 1 << 16) {
    throw new Error(`tables of ${from.length} and ${to.length} bytes`);
  }
  const out: number[] = [];
  for (let i = 0; i < to.length; i++) if (from[i] !== to[i]) out.push(i);
  const buf = Buffer.alloc(3 * out.length);
  out.forEach((p, k) => {
    buf.writeUInt16LE(p, 3 * k);
    buf[3 * k + 2] = to[p]!;
  });
  return buf;
}

/** `table` with the changes of changedPositions put in (a copy). */
export function applyPositions(table: Uint8Array, changes: Uint8Array): Uint8Array {
  if (changes.length % 3 !== 0) throw new Error(`a filter delta of ${changes.length} bytes`);
  const out = Uint8Array.from(table);
  const view = Buffer.from(changes.buffer, changes.byteOffset, changes.length);
  for (let k = 0; k < changes.length; k += 3) {
    const p = view.readUInt16LE(k);
    if (p >= out.length) throw new Error(`a filter delta naming position ${p}`);
    out[p] = view[k + 2]!;
  }
  return out;
}

/** Orders entries i of a and j of b by (key, holder). */
function compare(a: HolderTable, i: number, b: HolderTable, j: number): number {
  return a.keys[i]! - b.keys[j]! || a.holders[i]! - b.holders[j]!;
}

class Builder {
  readonly keys: number[] = [];
  readonly holders: number[] = [];
  readonly dists: number[] = [];
  push(t: HolderTable, i: number): void {
    this.keys.push(t.keys[i]!);
    this.holders.push(t.holders[i]!);
    this.dists.push(t.dists[i]!);
  }
  table(): HolderTable {
    return {
      keys: Uint32Array.from(this.keys),
      holders: Uint32Array.from(this.holders),
      dists: Uint8Array.from(this.dists),
    };
  }
}

/** What turns `from` into `to`: entries to upsert and entries to remove. */
export function diffHolders(
  from: HolderTable,
  to: HolderTable,
): { upserts: HolderTable; removed: HolderTable } {
  const upserts = new Builder();
  const removed = new Builder();
  let i = 0;
  let j = 0;
  while (i < from.keys.length || j < to.keys.length) {
    const c = i === from.keys.length ? 1 : j === to.keys.length ? -1 : compare(from, i, to, j);
    if (c < 0) removed.push(from, i++);
    else if (c > 0) upserts.push(to, j++);
    else {
      if (from.dists[i] !== to.dists[j]) upserts.push(to, j);
      i++;
      j++;
    }
  }
  return { upserts: upserts.table(), removed: removed.table() };
}

/** `base` with `removed` dropped and `upserts` put in (diffHolders inverted). */
export function applyHolders(
  base: HolderTable,
  upserts: HolderTable,
  removed: HolderTable,
): HolderTable {
  const out = new Builder();
  let i = 0;
  let j = 0;
  let r = 0;
  while (i < base.keys.length || j < upserts.keys.length) {
    const c =
      i === base.keys.length ? 1 : j === upserts.keys.length ? -1 : compare(base, i, upserts, j);
    if (c > 0) {
      out.push(upserts, j++);
      continue;
    }
    if (c === 0) {
      out.push(upserts, j++);
      i++;
      continue;
    }
    while (r < removed.keys.length && compare(removed, r, base, i) < 0) r++;
    if (!(r < removed.keys.length && compare(removed, r, base, i) === 0)) out.push(base, i);
    i++;
  }
  return out.table();
}

export function makeDelta(from: RoutesVersion, to: RoutesVersion): RoutesDelta {
  const { upserts, removed } = diffHolders(from.holders, to.holders);
  return {
    baseVersion: from.version,
    table: changedPositions(from.table, to.table),
    holders: encodeHolders(upserts),
    removedHolders: encodeHolders(removed),
  };
}

/**
 * A neighbor's new tables from the ones held and a delta; throws on a
 * malformed delta, and TooLargeError when the result would pass `limits`.
 */
export function applyDelta(
  held: { table: Uint8Array; holders: HolderTable | undefined },
  delta: { table: Uint8Array; holders: Uint8Array; removedHolders: Uint8Array },
  limits?: HolderLimits,
): { table: Uint8Array; holders: HolderTable } {
  const holders = applyHolders(
    held.holders ?? emptyHolders(),
    decodeHolders(delta.holders, limits),
    decodeHolders(delta.removedHolders, limits),
  );
  if (limits) checkHolderLimits(holders, limits);
  return { table: applyPositions(held.table, delta.table), holders };
}
