// Which chunks of each complete file this peer sent to fetchers lately, and
// to whom. A crowd fetching from one seed picks chunks at random; told which
// ones the seed already sent to the others (GetFile `sent`), each fetcher
// asks the seed for the rest and takes those from the swarm, so the seed's
// uplink goes to chunks nobody has yet (BitTorrent's super-seeding, in
// spirit). A fetcher alone is told nothing (its own chunks do not count) and
// fetches as fast as ever. Once a round has sent every chunk, or after a
// quiet spell, the file starts a fresh round.
import { ChunkMap } from '../chunk-map.js';

/** Files tracked at once; the least recently served is forgotten. */
const MAX_FILES = 64;
/** Recipients tracked per file and round; past it the round starts afresh. */
const MAX_RECIPIENTS = 64;
/** A file not served for this long starts a fresh round, ms. */
const QUIET_MS = 30_000;

interface Round {
  count: number;
  /** Chunks sent in this round, to anyone. */
  all: ChunkMap;
  /** ... and to each recipient (by peer key). */
  to: Map<string, ChunkMap>;
  lastAt: number;
}

export class SentChunks {
  private readonly files = new Map<string, Round>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Chunks first..last (inclusive) of a file of `count` chunks went to `recipient`. */
  note(sha256: string, count: number, recipient: string, first: number, last: number): void {
    const now = this.now();
    let round = this.current(sha256, now);
    if (!round || round.count !== count || round.all.complete) {
      round = { count, all: new ChunkMap(count), to: new Map(), lastAt: now };
    }
    this.files.delete(sha256); // most recently served last
    if (this.files.size >= MAX_FILES) this.files.delete(this.files.keys().next().value!);
    this.files.set(sha256, round);
    round.lastAt = now;
    let mine = round.to.get(recipient);
    if (!mine) {
      if (round.to.size >= MAX_RECIPIENTS) round.to.clear();
      mine = new ChunkMap(count);
      round.to.set(recipient, mine);
    }
    for (let c = Math.max(0, first); c <= last && c < count; c++) {
      round.all.set(c);
      mine.set(c);
    }
  }

  /** Chunks of this round sent to others than `asker`; undefined if none. */
  get(sha256: string, asker: string): Uint8Array | undefined {
    const round = this.current(sha256, this.now());
    if (!round) return undefined;
    const others = new ChunkMap(round.count);
    for (const [who, map] of round.to) {
      if (who === asker) continue;
      for (const c of map.indexes()) others.set(c);
    }
    return others.size > 0 ? others.toBytes() : undefined;
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
