// Which received chunks are checked against their own hash on arrival. The
// whole-file hash at the end covers every byte, so checking each chunk on
// its own as well hashes the file twice. Only a source's first chunks are
// checked, then about one in `oneIn` at random (a liar cannot tell which):
// a source that sends wrong bytes is caught early, and the few it slips past
// are found from the disk when the whole-file hash fails (verified-download.ts).
// A chunk not checked yet is checked before it is served to another peer.

/** Chunks from each source checked on arrival before any is left to the whole-file hash. */
export const CHECKED_FIRST = 4;

/**
 * Whether a chunk from a source that sent `arrived` whole chunks before it is
 * checked on arrival: always its first ones, then one in `oneIn` on average
 * (1: every chunk).
 */
export function checkOnArrival(
  arrived: number,
  oneIn: number,
  random: () => number = Math.random,
): boolean {
  return arrived < CHECKED_FIRST || random() * oneIn < 1;
}
