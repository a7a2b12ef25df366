// One pass of a fetch against one metadata version: re-verify what a
// previous run left, pull the missing chunks, keep the chunk map saved, and
// check the whole-file hash. On success the partial file is complete,
// verified and durable.
import { createHash } from 'node:crypto';
import type { Logger } from '../logger.js';
import { ChunkDownloader, type DownloaderIo } from './chunk-downloader.js';
import type { ChunkMap } from './chunk-map.js';
import { ChunkThread } from './chunk-thread.js';
import type { FileMeta } from './metadata.js';
import { PartialFile } from './partial-file.js';
import type { SourceState } from './sources.js';
import type { PeerTransport } from './transport.js';

export interface VerifiedDownloadOptions {
  meta: FileMeta;
  /** The partial file. */
  path: string;
  /** Chunks a previous run verified (re-checked here); filled in as chunks arrive. */
  done: ChunkMap;
  sources: SourceState[];
  transport: PeerTransport;
  logger: Logger;
  maxRequests: number;
  requestBytes: number;
  stallTimeoutMs: number;
  /** Write chunks with direct I/O where the file system allows it. */
  directIo: boolean;
  /** Others may fetch the file at the same time: spread the chunk choice (see DownloaderInit). */
  swarm?: boolean;
  /** Download limits: see DownloaderInit.inFlightBudget and DownloaderIo.pace / floorRate. */
  inFlightBudget?: () => number;
  pace?: DownloaderIo['pace'];
  floorRate?: () => number;
  signal: AbortSignal;
  /** Persists the chunk map (base64). */
  save(verified: string): Promise<void>;
  /**
   * Verified bytes found on disk; data starts to flow after this. `running`
   * takes changes of the sources (found fetchers, fresher have-maps).
   */
  onStart(keptBytes: number, running: { nudge(): void }): void;
  /** A chunk was verified and written: its length, index and the source that sent it. */
  onChunk(bytes: number, index: number, source: SourceState): void;
}

/** Every chunk matched its hash but the whole did not: the metadata lied. */
export class WrongDataError extends Error {}

/** Chunk buffers of one fetch stay under this many bytes, whatever the chunk size. */
const BUFFER_BUDGET = 96 * 1024 * 1024;
/**
 * Bytes of chunks waiting for the chunk thread at once (at least two chunks),
 * early ones parked for the whole-file hash among them. Small: a source's
 * chunks come in order, and with several sources 16 MiB held ~12 MiB more
 * memory than 4 (3 sources, 1 GiB: 137-139 MiB peak against 139-153) for no
 * speed; chunks beyond it are read back from the disk instead.
 */
const SLOT_BUDGET = 4 * 1024 * 1024;
/** How often the chunk map is saved while chunks arrive, ms. */
const SAVE_INTERVAL_MS = 1000;

export async function downloadVerified(o: VerifiedDownloadOptions): Promise<void> {
  const { meta, done, logger } = o;
  const chunkLength = (i: number): number =>
    Math.min(meta.chunkSize, meta.size - i * meta.chunkSize);
  const file = await PartialFile.open(o.path, meta.size);
  const read = (i: number): Promise<Buffer> => file.read(i * meta.chunkSize, chunkLength(i));
  let saver: NodeJS.Timeout | undefined;
  let chunks: ChunkThread | undefined;
  try {
    const kept = await recheck(done, meta, read, o.signal);
    let dirty = true;
    const save = async (): Promise<void> => {
      if (!dirty) return;
      dirty = false;
      await o.save(done.toBase64());
    };
    await save();
    const maxRequests = Math.max(
      1,
      Math.min(o.maxRequests, Math.floor(BUFFER_BUDGET / (2 * meta.chunkSize))),
    );
    chunks = new ChunkThread({
      path: o.path,
      size: meta.size,
      chunkSize: meta.chunkSize,
      chunkHashes: meta.chunkHashes,
      onDisk: done.toBase64(),
      directIo: o.directIo,
      // One being filled per request, so none waits on another's stream, and
      // the chunks waiting to be verified and written.
      slots: maxRequests + Math.max(2, Math.floor(SLOT_BUDGET / meta.chunkSize)),
      fillSlots: maxRequests,
    });
    const thread = chunks;
    saver = setInterval(
      () => void save().catch((err: unknown) => logger.warn({ err }, 'cannot save fetch state')),
      SAVE_INTERVAL_MS,
    );
    const downloader = new ChunkDownloader(
      meta,
      done,
      o.sources,
      {
        maxRequests,
        requestChunks: Math.max(1, Math.floor(o.requestBytes / meta.chunkSize)),
        stallTimeoutMs: o.stallTimeoutMs,
        ...(o.swarm ? { swarm: true } : {}),
        ...(o.inFlightBudget ? { inFlightBudget: o.inFlightBudget } : {}),
      },
      {
        transport: o.transport,
        lease: () => thread.lease(),
        release: (slot) => thread.release(slot),
        store: (index, slot, length) => thread.storeSlot(index, slot, length),
        onChunk: (index, length, source) => {
          dirty = true;
          file.wrote(length);
          o.onChunk(length, index, source);
        },
        ...(o.pace ? { pace: o.pace } : {}),
        ...(o.floorRate ? { floorRate: o.floorRate } : {}),
      },
      logger,
    );
    o.onStart(kept, downloader);
    try {
      await downloader.run(o.signal);
    } finally {
      clearInterval(saver);
      await save().catch(() => undefined);
    }
    const digest = await thread.digest();
    if (digest !== meta.sha256) {
      throw new WrongDataError(
        `the assembled file hashes to ${digest}, not ${meta.sha256}: the sources' metadata was wrong`,
      );
    }
    await file.sync();
  } finally {
    clearInterval(saver);
    await chunks?.close().catch(() => undefined);
    await file.close().catch(() => undefined);
  }
}

/** Re-verifies the chunks a saved map claims, from disk; returns the bytes kept. */
async function recheck(
  done: ChunkMap,
  meta: FileMeta,
  read: (i: number) => Promise<Buffer>,
  signal: AbortSignal,
): Promise<number> {
  let bytes = 0;
  for (const i of [...done.indexes()]) {
    if (signal.aborted) throw signal.reason;
    const data = await read(i);
    if (createHash('sha256').update(data).digest('hex') === meta.chunkHashes[i]) {
      bytes += data.length;
    } else {
      done.unset(i);
    }
  }
  return bytes;
}
