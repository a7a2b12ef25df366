// Keyword filter keys and positions for query routing. A file matches a query when every term
// is the prefix of a token of one of its names (src/index/keywords.ts), so a
// filter holds every token prefix up to MAX_PREFIX characters; a longer term
// is looked up by its first MAX_PREFIX characters, which can only widen the
// match. Positions come from FNV-1a with two seeds and double hashing: fast,
// and good enough spread for a filter (no adversary gains by colliding).
import { tokenize } from '../index/keywords.js';

/** Filter positions; one byte each in a distance table (64 KiB before deflate). */
export const POSITIONS = 1 << 16;
/** Positions set per key. */
export const HASHES = 4;
/** Longest token prefix put in a filter. */
export const MAX_PREFIX = 12;

export function fnv1a(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The HASHES positions of one key. */
export function positions(key: string, size = POSITIONS, hashes = HASHES): number[] {
  const h1 = fnv1a(key, 0x811c9dc5);
  // Odd, so successive positions never repeat for a power-of-two size.
  const h2 = fnv1a(key, 0x050c5d1f) | 1;
  const out: number[] = [];
  for (let i = 0; i < hashes; i++) out.push(((h1 + Math.imul(i, h2)) >>> 0) % size);
  return out;
}

/** Every key a name puts in a filter: its token prefixes, 1 to MAX_PREFIX characters. */
export function nameKeys(name: string, into = new Set<string>()): Set<string> {
  for (const token of tokenize(name)) {
    const top = Math.min(token.length, MAX_PREFIX);
    for (let n = 1; n <= top; n++) into.add(token.slice(0, n));
  }
  return into;
}

/** The key a query term is looked up by. */
export function termKey(term: string): string {
  return term.slice(0, MAX_PREFIX);
}
