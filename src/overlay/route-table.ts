// An attenuated Bloom filter kept as one byte per position: the fewest hops
// to a peer whose file names set that position (0 = this peer's own files,
// NONE = nothing within reach). "Level d" of Rhea and Kubiatowicz's filter is
// the set of positions at distance <= d, so one table holds every level up
// to the search horizon in POSITIONS bytes, and a query term "can be found
// within r hops" when all its positions are at distance <= r. Distances are
// merged like a distance-vector route (min over neighbors, plus one) and
// capped at maxDistance, so a file that went away fades out in at most
// maxDistance exchange rounds even around cycles.
import { HASHES, POSITIONS, nameKeys, positions, termKey } from './bloom.js';

export const NONE = 255;

export function emptyTable(size = POSITIONS): Uint8Array {
  return new Uint8Array(size).fill(NONE);
}

/** The table of one peer's own files (distance 0 for each of their keys). */
export function ownTable(names: Iterable<string>): Uint8Array {
  const keys = new Set<string>();
  for (const name of names) nameKeys(name, keys);
  return keysTable(keys);
}

/** The table of a set of keys (nameKeys of one peer's names), each at distance 0. */
export function keysTable(keys: Iterable<string>): Uint8Array {
  const table = emptyTable();
  for (const key of keys) for (const p of positions(key)) table[p] = 0;
  return table;
}

/** own ∪ (each neighbor's table + 1 hop), distances beyond maxDistance dropped. */
export function mergeTables(
  own: Uint8Array,
  neighbors: Iterable<Uint8Array>,
  maxDistance: number,
): Uint8Array {
  const out = Uint8Array.from(own);
  for (const table of neighbors) {
    for (let i = 0; i < out.length; i++) {
      const d = table[i]! + 1;
      if (d <= maxDistance && d < out[i]!) out[i] = d;
    }
  }
  return out;
}

/** The positions of each query term (terms as compileQuery gives them). */
export function termPositions(terms: readonly string[]): number[][] {
  return terms.map((t) => positions(termKey(t), POSITIONS, HASHES));
}

/** True when a peer with `table` may reach, within `hops`, a name matching every term. */
export function mayMatch(table: Uint8Array, terms: readonly number[][], hops: number): boolean {
  return terms.every((ps) => ps.every((p) => table[p]! <= hops));
}

export function sameTable(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}
