// Old-generation collections a fetch asks for. bin/p2pd lets V8's old
// generation reach 64 MB before its first major collection (see the flag's
// note there), and nothing but a fetch's own objects would bring it there:
// what a daemon's start leaves (~8 MB) and the per-request and per-chunk
// objects of a fetch that outlive a scavenge (~4 MB per GiB), with the network
// buffers they still reference, stay resident until then. So a fetch asks for
// one collection with its first chunk and another every COLLECT_EVERY bytes
// stored (by all fetches): 25-50 ms of the event loop each; a 1 GiB fetch from
// three sources peaked at 121 MiB RSS instead of 125-129. Without
// --expose-gc (node run without bin/p2pd) this does nothing.

/** Bytes stored between two collections. */
export const COLLECT_EVERY = 512 * 1024 * 1024;

/** Bytes stored since the last collection; none yet: the first chunk asks for one. */
let stored = Infinity;

/** Counts bytes a fetch stored, and collects the old generation when it is time. */
export function storedBytes(bytes: number): void {
  stored += bytes;
  if (stored < COLLECT_EVERY || typeof globalThis.gc !== 'function') return;
  stored = 0;
  void globalThis.gc({ type: 'major', execution: 'async' });
}
