// The serving side of swarming: GetFile and Download answered from complete
// files (the index) and from fetches under way (their verified chunks only),
// the fetchers of each file remembered and handed on, and uploads shared out
// through upload slots. The gRPC handlers only translate to and from this.
import { open } from 'node:fs/promises';
import { NotFoundError } from '../../errors.js';
import type { FileIndex } from '../../index/file-index.js';
import type { ReadableFile } from '../../index/open-files.js';
import { checkRange, checkSha256 } from '../../index/request-checks.js';
import type { BandwidthLimiter } from '../bandwidth/bandwidth-limiter.js';
import type { ServeLimiter } from './serve-limiter.js';
import type { TrafficCounter } from '../traffic.js';
import { FetcherRegistry } from './fetcher-registry.js';
import { PartialHoldings } from './partial-holdings.js';
import { SentChunks } from './sent-chunks.js';
import { peerKey, peerKeyOfAddress } from './peer-key.js';
import { UploadSlots } from './upload-slots.js';
import type { FileEntry } from '../../index/types.js';

/** Fetchers of a file handed to each GetFile caller, at most. */
export const MAX_HOLDERS_SENT = 16;

/** Smallest message under a limit: smaller would cost more in headers and calls than it smooths. */
const MIN_PACED_MESSAGE = 16 * 1024;

/** A tenth of a second at `limit` bytes/s per message, so a limited stream flows evenly. */
function messageBytes(limit: number): number {
  if (limit <= 0) return Infinity;
  return Math.max(MIN_PACED_MESSAGE, Math.round(limit / 10));
}

/** A file as GetFile answers it; `chunkHashes` is empty when the caller asked to leave them out. */
export interface ServedFile extends FileEntry {
  /** Set for a fetch under way: its verified chunks (ChunkMap bytes). */
  have?: Uint8Array;
  /** Other fetchers of the file this peer heard of lately (host:port). */
  holders: string[];
  /** For a complete file with fetchers: chunks sent to fetchers lately (ChunkMap bytes). */
  sent?: Uint8Array;
}

/** An open range to stream: bytes [start, end) of `handle`. */
export interface ServedRange {
  handle: ReadableFile;
  start: number;
  end: number;
  /** Counts bytes as they leave, against the caller. */
  sent(bytes: number): void;
  /** Resolves when `bytes` may leave under the upload limits; undefined when at once. */
  take(bytes: number, signal: AbortSignal): Promise<void> | undefined;
  /** Bytes per message that keep the stream smooth under the limits (Infinity: no limit). */
  messageBytes(): number;
  /** Closes the file and frees the slot. */
  close(): Promise<void>;
}

export interface SwarmServerComponents {
  index: FileIndex;
  traffic: TrafficCounter;
  limiter: ServeLimiter;
  /** Upload limits; absent: none. */
  bandwidth?: BandwidthLimiter;
}

export interface SwarmServerInit {
  /** Peers uploaded to at once (0: no choking). */
  uploadSlots: number;
  /** How often the upload slots are given out again, ms. */
  rechokeMs: number;
}

export class SwarmServer {
  readonly partials = new PartialHoldings();
  readonly fetchers = new FetcherRegistry();
  readonly slots: UploadSlots;
  private readonly sent = new SentChunks();

  constructor(
    private readonly components: SwarmServerComponents,
    init: SwarmServerInit,
  ) {
    this.slots = new UploadSlots({
      slots: init.uploadSlots,
      rechokeMs: init.rechokeMs,
      uploadedToUs: (key) => this.uploadedToUs(key),
    });
  }

  /** GetFile: the metadata, from the index or a fetch under way. NotFoundError otherwise. */
  describe(
    asked: string,
    caller: { host: string; fetcher: string; omitHashes: boolean },
  ): ServedFile {
    const sha256 = checkSha256(asked);
    const entry = this.components.index.get(sha256);
    const holding = entry ? undefined : this.partials.get(sha256);
    if (!entry && !holding) this.components.index.require(sha256); // throws NotFoundError
    // Only fetchers of a file this peer has are remembered: nobody fills the table with made-up hashes.
    if (caller.fetcher) this.fetchers.note(sha256, caller.fetcher, caller.host);
    const holders = this.fetchers.list(sha256, MAX_HOLDERS_SENT, caller.fetcher);
    if (entry) {
      return {
        sha256,
        names: entry.names,
        size: entry.size,
        mtimeMs: entry.mtimeMs,
        chunkSize: entry.chunkSize,
        chunkHashes: caller.omitHashes ? [] : entry.chunkHashes,
        holders,
        ...this.sentMap(sha256, peerKey({ host: caller.host })),
      };
    }
    const { meta, done, name } = holding!;
    return {
      sha256,
      names: name ? [name] : [],
      size: meta.size,
      mtimeMs: 0,
      chunkSize: meta.chunkSize,
      chunkHashes: caller.omitHashes ? [] : meta.chunkHashes,
      have: done.toBytes(),
      holders,
    };
  }

  /**
   * Download: opens bytes [offset, offset + length) (length 0: to the end)
   * once the caller has an upload slot; null for an empty file. A fetch
   * under way serves only ranges whose every chunk it has verified.
   */
  async open(
    asked: string,
    offset: number,
    length: number,
    callerHost: string,
  ): Promise<ServedRange | null> {
    const { index, limiter, traffic, bandwidth } = this.components;
    const sha256 = checkSha256(asked);
    const entry = index.get(sha256);
    const holding = entry ? undefined : this.partials.get(sha256);
    if (!entry && !holding) index.require(sha256);
    const size = entry ? entry.size : holding!.meta.size;
    // The rule REST's Range uses, so both refuse the same ranges (offset == size included).
    const last = checkRange(size, offset, length === 0 ? undefined : offset + length - 1);
    if (last < offset) return null; // nothing to send: an empty file
    /** Chunks of the range written but not checked yet: checked once the caller is admitted. */
    const unchecked: number[] = [];
    if (holding) {
      const { chunkSize } = holding.meta;
      for (let c = Math.floor(offset / chunkSize); c <= Math.floor(last / chunkSize); c++) {
        if (!holding.done.has(c)) {
          throw new NotFoundError(`this peer does not have chunk ${c} of ${sha256} yet`);
        }
        if (holding.unchecked.has(c)) unchecked.push(c);
      }
    }
    const key = peerKey({ host: callerHost });
    this.slots.admit(key);
    for (const c of unchecked) {
      if (!(await holding!.check(c))) {
        throw new NotFoundError(`this peer's chunk ${c} of ${sha256} does not match its hash`);
      }
    }
    if (entry) {
      const { chunkSize } = entry;
      const first = Math.floor(offset / chunkSize);
      this.sent.note(sha256, entry.chunkHashes.length, key, first, Math.floor(last / chunkSize));
    }
    const release = limiter.acquire(key);
    let handle: ReadableFile;
    try {
      handle = entry
        ? (await index.openFile(sha256)).handle
        : await this.openPartial(holding!.path, sha256);
    } catch (err) {
      release();
      throw err;
    }
    const name = this.fetchers.addressFor(callerHost) ?? key;
    return {
      handle,
      start: offset,
      end: last + 1,
      sent: (bytes) => traffic.sent(bytes, name),
      take: (bytes, signal) => bandwidth?.take('up', key, bytes, signal),
      messageBytes: () => messageBytes(bandwidth?.ceiling('up') ?? 0),
      close: async () => {
        release();
        await handle.close();
      },
    };
  }

  /** The partial file; when the fetch just finished and moved it, the indexed file. */
  private async openPartial(path: string, sha256: string): Promise<ReadableFile> {
    try {
      return await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return (await this.components.index.openFile(sha256)).handle;
    }
  }

  private sentMap(sha256: string, asker: string): { sent?: Uint8Array } {
    const map = this.sent.get(sha256, asker);
    return map ? { sent: map } : {};
  }

  private uploadedToUs(key: string): number {
    let bytes = 0;
    for (const p of this.components.traffic.totals().peers) {
      if (peerKeyOfAddress(p.address) === key) bytes += p.downBytes;
    }
    return bytes;
  }
}
