// Holder lists: for each keyword key held by few peers, which peers hold it
// and how many hops away. The distance filter (route-table.ts) can only say
// "something matching lies behind this neighbor within r hops", which around
// cycles is true of almost every neighbor; naming the holders lets a query
// for a rare name follow one shortest path to each holder instead
// (distance-vector routing towards each holder, as in Gnutella's QRP
// "last hop" tables taken to every hop). A key lists its `maxHolders`
// nearest holders; when more exist it also carries a MANY entry and is
// routed by the filter alone. The lists are kept even then, so "more than
// maxHolders" is decided from stable facts: collapsing them would make the
// count vanish and the MANY mark flap.
//
// A table is three parallel arrays sorted by key, then holder. Keys and
// holder ids are 32-bit FNV-1a hashes: a collision only merges two lists
// (a wasted message, never a missed hit).
import { deflateSync, inflateSync } from 'node:zlib';
import { TooLargeError } from '../errors.js';
import { fnv1a } from './bloom.js';

/**
 * Holders listed per key: a rare name and a fairly popular one stay listed
 * (64 rather than 8 cut a 13-holder query at 64 peers from 97 % of flooding's
 * messages to 9 %, for about the same routing state).
 */
export const MAX_HOLDERS = 64;
/** The holder id of "more than maxHolders peers". */
export const MANY = 0;
/** Bytes per entry on the wire: key, holder, distance. */
const ENTRY_BYTES = 9;
/** Largest table accepted from a neighbor when the caller names no smaller cap (entries). */
const MAX_ENTRIES = 4_000_000;

/** What one neighbor's holder table may hold; more is refused with TooLargeError. */
export interface HolderLimits {
  maxEntries: number;
  /** Entries under one key: a neighbor lists at most maxHolders and one MANY. */
  maxPerKey: number;
}

export interface HolderTable {
  keys: Uint32Array;
  holders: Uint32Array;
  dists: Uint8Array;
}

export interface HolderMerge {
  /** This peer's holder id: a neighbor's entry naming it is ignored (only we know). */
  self: number;
  /** Entries farther than this are dropped. */
  maxDistance: number;
  /** Holders listed per key before the key becomes MANY. */
  maxHolders: number;
  /**
   * The holder ids of the peers whose tables `neighbors` are, in order: a
   * holder 0 hops from a neighbor is that neighbor, so another is a lie.
   */
  owners?: readonly number[];
}

export function emptyHolders(): HolderTable {
  return { keys: new Uint32Array(0), holders: new Uint32Array(0), dists: new Uint8Array(0) };
}

/** A peer's holder id (never MANY). */
export function holderId(peerId: string): number {
  return fnv1a(peerId, 0x9e3779b9) || 1;
}

/** The 32-bit hash a keyword key is listed under. */
export function keyHash(key: string): number {
  return fnv1a(key, 0x2545f491);
}

/** The table of this peer's own keys: itself at distance 0. */
export function ownHolders(keys: Iterable<number>, self: number): HolderTable {
  const sorted = Uint32Array.from(new Set(keys)).sort();
  return {
    keys: sorted,
    holders: new Uint32Array(sorted.length).fill(self),
    dists: new Uint8Array(sorted.length),
  };
}

/**
 * own ∪ (each neighbor's table + 1 hop): the nearest distance per (key,
 * holder), the maxHolders nearest kept, and MANY when more were seen here
 * (distance 0) or a neighbor has MANY (its distance + 1). MANY carries a
 * distance so one learnt around a cycle fades out after maxDistance rounds
 * like any other entry. A k-way merge of sorted inputs: linear in the entries.
 */
export function mergeHolders(
  own: HolderTable,
  neighbors: readonly HolderTable[],
  o: HolderMerge,
): HolderTable {
  const inputs = [own, ...neighbors];
  const at = new Array<number>(inputs.length).fill(0);
  const keys: number[] = [];
  const holders: number[] = [];
  const dists: number[] = [];
  const found = new Map<number, number>();
  for (;;) {
    let key = Infinity;
    for (let i = 0; i < inputs.length; i++) {
      const t = inputs[i]!;
      if (at[i]! < t.keys.length && t.keys[at[i]!]! < key) key = t.keys[at[i]!]!;
    }
    if (key === Infinity) break;
    found.clear();
    let many = Infinity;
    for (let i = 0; i < inputs.length; i++) {
      const t = inputs[i]!;
      const hop = i === 0 ? 0 : 1;
      let j = at[i]!;
      for (; j < t.keys.length && t.keys[j] === key; j++) {
        const d = t.dists[j]! + hop;
        const h = t.holders[j]!;
        if (d > o.maxDistance || (hop === 1 && h === o.self)) continue;
        const owner = i === 0 ? undefined : o.owners?.[i - 1];
        if (hop === 1 && d === 1 && h !== MANY && owner !== undefined && h !== owner) continue;
        if (h === MANY) many = Math.min(many, d);
        else {
          const seen = found.get(h);
          if (seen === undefined || d < seen) found.set(h, d);
        }
      }
      at[i] = j;
    }
    let kept = [...found.keys()];
    if (kept.length > o.maxHolders) {
      many = 0;
      kept = kept.sort((a, b) => found.get(a)! - found.get(b)! || a - b).slice(0, o.maxHolders);
    }
    if (many !== Infinity) {
      keys.push(key);
      holders.push(MANY);
      dists.push(many);
    }
    for (const h of kept.sort((a, b) => a - b)) {
      keys.push(key);
      holders.push(h);
      dists.push(found.get(h)!);
    }
  }
  return {
    keys: Uint32Array.from(keys),
    holders: Uint32Array.from(holders),
    dists: Uint8Array.from(dists),
  };
}

/** The first entry of `key`, or the entry count when absent. */
function lowerBound(t: HolderTable, key: number): number {
  let lo = 0;
  let hi = t.keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t.keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The holders of `key` (MANY when it has too many to list; [] when none is known). */
export function holdersOf(t: HolderTable, key: number): number[] | typeof MANY {
  const out: number[] = [];
  for (let i = lowerBound(t, key); i < t.keys.length && t.keys[i] === key; i++) {
    if (t.holders[i] === MANY) return MANY;
    out.push(t.holders[i]!);
  }
  return out;
}

/** Hops from the table's peer to `holder` for `key`; Infinity when not listed. */
export function distanceTo(t: HolderTable, key: number, holder: number): number {
  for (let i = lowerBound(t, key); i < t.keys.length && t.keys[i] === key; i++) {
    if (t.holders[i] === holder) return t.dists[i]!;
  }
  return Infinity;
}

export function sameHolders(a: HolderTable, b: HolderTable): boolean {
  const eq = (x: ArrayBufferView, y: ArrayBufferView): boolean =>
    Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(
      Buffer.from(y.buffer, y.byteOffset, y.byteLength),
    );
  return eq(a.keys, b.keys) && eq(a.holders, b.holders) && eq(a.dists, b.dists);
}

/** The wire form (GetRoutesResponse.holders): keys, holders, distances, deflated. */
export function encodeHolders(t: HolderTable): Buffer {
  const n = t.keys.length;
  const raw = Buffer.alloc(n * ENTRY_BYTES);
  for (let i = 0; i < n; i++) {
    raw.writeUInt32LE(t.keys[i]!, 4 * i);
    raw.writeUInt32LE(t.holders[i]!, 4 * (n + i));
  }
  raw.set(t.dists, 8 * n);
  return deflateSync(raw);
}

/**
 * Parses a neighbor's table; throws on anything malformed or out of order,
 * and TooLargeError past `limits` (inflating stops at the entry cap, so a
 * small bomb never costs more than the cap).
 */
export function decodeHolders(
  wire: Uint8Array,
  limits: HolderLimits = { maxEntries: MAX_ENTRIES, maxPerKey: Infinity },
): HolderTable {
  if (wire.length === 0) return emptyHolders();
  let raw: Buffer;
  try {
    raw = inflateSync(wire, { maxOutputLength: limits.maxEntries * ENTRY_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TooLargeError(`a holder table of more than ${limits.maxEntries} entries`);
    }
    throw err;
  }
  if (raw.length % ENTRY_BYTES !== 0) {
    throw new Error(`a holder table of ${raw.length} bytes (not whole entries)`);
  }
  const n = raw.length / ENTRY_BYTES;
  const t: HolderTable = {
    keys: new Uint32Array(n),
    holders: new Uint32Array(n),
    dists: Uint8Array.from(raw.subarray(8 * n)),
  };
  let run = 0;
  for (let i = 0; i < n; i++) {
    t.keys[i] = raw.readUInt32LE(4 * i);
    t.holders[i] = raw.readUInt32LE(4 * (n + i));
    const sameKey = i > 0 && t.keys[i - 1] === t.keys[i];
    const sorted =
      i === 0 || t.keys[i - 1]! < t.keys[i]! || (sameKey && t.holders[i - 1]! < t.holders[i]!);
    if (!sorted) throw new Error(`holder table entry ${i} out of order`);
    run = sameKey ? run + 1 : 1;
    if (run > limits.maxPerKey) {
      throw new TooLargeError(
        `a holder table listing more than ${limits.maxPerKey} holders for a key`,
      );
    }
  }
  return t;
}

/** Throws TooLargeError when `t` holds more than `limits` allow (a table built from deltas). */
export function checkHolderLimits(t: HolderTable, limits: HolderLimits): void {
  if (t.keys.length > limits.maxEntries) {
    throw new TooLargeError(`a holder table of more than ${limits.maxEntries} entries`);
  }
  let run = 0;
  for (let i = 0; i < t.keys.length; i++) {
    run = i > 0 && t.keys[i - 1] === t.keys[i] ? run + 1 : 1;
    if (run > limits.maxPerKey) {
      throw new TooLargeError(
        `a holder table listing more than ${limits.maxPerKey} holders for a key`,
      );
    }
  }
}
