// Which chunks of each complete file this peer sent to fetchers lately. A
// crowd fetching from one seed picks chunks at random; told which ones the
// seed already sent (GetFile `sent`), each fetcher asks the seed for the
// others and takes those from the swarm, so the seed's uplink goes to chunks
// nobody has yet (BitTorrent's super-seeding, in spirit). Once every chunk
// went out, or after a quiet spell, the file starts a fresh round.
import { ChunkMap } from '../chunk-map.js';

/** Files tracked at once; the least recently served is forgotten. */
const MAX_FILES = 64;
/** A file not served for this long starts a fresh round, ms. */
const QUIET_MS = 30_000;

interface Round {
  map: ChunkMap;
  lastAt: number;
}

export class SentChunks {
  private readonly files = new Map<string, Round>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Chunks first..last (inclusive, fractions rounded down) of a file of `count` chunks went out. */
  note(sha256: string, count: number, first: number, last: number): void {
    const now = this.now();
    let round = this.current(sha256, now);
    if (!round || round.map.count !== count) {
      if (this.files.size >= MAX_FILES) this.files.delete(this.files.keys().next().value!);
      round = { map: new ChunkMap(count), lastAt: now };
    }
    this.files.delete(sha256);
    this.files.set(sha256, round);
    round.lastAt = now;
    for (let c = Math.floor(first); c <= Math.floor(last) && c < count; c++) round.map.set(c);
    if (round.map.complete) round.map = new ChunkMap(count);
  }

  /** The bitmap of this round, if any chunk went out in it. */
  get(sha256: string): Uint8Array | undefined {
    const round = this.current(sha256, this.now());
    return round && round.map.size > 0 ? round.map.toBytes() : undefined;
  }

  private current(sha256: string, now: number): Round | undefined {
    const round = this.files.get(sha256);
    if (round && now - round.lastAt > QUIET_MS) {
      this.files.delete(sha256);
      return undefined;
    }
    return round;
  }
}
