// One pass of a fetch against one metadata version: re-verify what a
// previous run left, pull the missing chunks, keep the chunk map saved, and
// check the whole-file hash. Most chunks are checked by that hash alone
// (spot-checks.ts); when it fails, those are read back and checked one by
// one, the wrong ones fetched again and their senders dropped. On success
// the partial file is complete, verified and durable.
import { createHash } from 'node:crypto';
import type { Logger } from '../logger.js';
import { ChunkDownloader, type DownloaderIo } from './chunk-downloader.js';
import { ChunkMap } from './chunk-map.js';
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
  /** See DownloaderInit.spotCheckOneIn. */
  spotCheckOneIn: number;
  /** A chunk thread booted before the file was known: a round uses it while unstarted. The caller closes it. */
  thread?: ChunkThread;
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
  onStart(keptBytes: number, running: RunningDownload): void;
  /** A chunk was written: its length, index and the source that sent it. */
  onChunk(bytes: number, index: number, source: SourceState): void;
  /**
   * A chunk written earlier turned out not to match its hash (the whole-file
   * hash failed and it was checked): it is fetched again.
   */
  onRejected(bytes: number, index: number, source: SourceState | undefined): void;
}

/** A download under way, as its fetch sees it. */
export interface RunningDownload {
  /** Sources or their have-maps changed. */
  nudge(): void;
  /** Chunks written but not checked against their own hash yet (the whole-file hash will be). */
  readonly unchecked: ChunkMap;
  /** Checks a written chunk from the disk (before it is served): whether it matches its hash. */
  check(index: number): Promise<boolean>;
}

/** Every chunk matched its hash but the whole did not: the metadata lied. */
export class WrongDataError extends Error {}

/** Chunk buffers of one fetch stay under this many bytes, whatever the chunk size. */
const BUFFER_BUDGET = 96 * 1024 * 1024;
/**
 * Bytes of chunks waiting for the chunk thread at once (at least two chunks),
 * early ones parked for the whole-file hash among them; chunks beyond it are
 * read back from the disk instead (see readAhead in chunk-worker.ts). Small:
 * a source's chunks come in order, and with several sources 16 MiB held ~12
 * MiB more memory than 4 (3 sources, 1 GiB: 137-139 MiB peak against
 * 139-153) for no speed. Three sources on 8 MiB runs each (tried, not kept:
 * see takeSpan in chunk-downloader.ts) read back 410-870 chunks at 4 MiB,
 * 270-540 at 6 MiB (peak RSS 126-132 against 123-126); 16 MiB none, at 132.
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
  let thread: ChunkThread | undefined;
  let downloader: ChunkDownloader | undefined;
  /** Written without their own check, and who sent each: blamed if the whole-file hash fails. */
  const unchecked = new ChunkMap(done.count);
  /** Per chunk, 1 + the sender's place in `o.sources` (which only grows): two bytes a chunk. */
  const senders = new Uint16Array(done.count);
  /** Unchecked chunks a check before serving found wrong: fetched again when the round ends. */
  const wrong = new Set<number>();
  const running: RunningDownload = {
    nudge: () => downloader?.nudge(),
    unchecked,
    check: async (index) => {
      if (!unchecked.has(index)) return true;
      if (wrong.has(index)) return false;
      // Between rounds there is no thread to ask: not served now.
      const bad = await thread?.check([index]).catch(() => undefined);
      if (bad?.length === 0) unchecked.unset(index);
      else if (bad) wrong.add(index);
      return bad?.length === 0;
    },
  };
  try {
    const kept = await recheck(done, meta, read, o.signal);
    let dirty = true;
    const save = async (): Promise<void> => {
      if (!dirty) return;
      dirty = false;
      await o.save(done.toBase64());
    };
    // The first save waits for the first tick: the fetch is on record already (with its
    // sources), and a small file is done before then. One that stops sooner saves on its way
    // out; one killed sooner asks for the metadata again and loses under a second of data.
    saver = setInterval(
      () => void save().catch((err: unknown) => logger.warn({ err }, 'cannot save fetch state')),
      SAVE_INTERVAL_MS,
    );
    const maxRequests = Math.max(
      1,
      Math.min(o.maxRequests, Math.floor(BUFFER_BUDGET / (2 * meta.chunkSize))),
    );
    o.onStart(kept, running);
    // Each round that ends in wrong chunks drops their senders (live when it began), so
    // the rounds end: with the file, or when no source is left.
    for (;;) {
      const chunks = o.thread && !o.thread.isStarted ? o.thread : new ChunkThread();
      thread = chunks;
      chunks.start({
        path: o.path,
        size: meta.size,
        chunkSize: meta.chunkSize,
        chunkHashes: meta.chunkHashes,
        onDisk: done.toBase64(),
        directIo: o.directIo,
        // One being filled per request, so none waits on another's stream, and
        // the chunks waiting to be written and hashed; no more than the file
        // has chunks (and one), so a small file does not take a large one's memory.
        slots: Math.min(
          meta.chunkHashes.length + 1,
          maxRequests + Math.max(2, Math.floor(SLOT_BUDGET / meta.chunkSize)),
        ),
        fillSlots: maxRequests,
      });
      downloader = new ChunkDownloader(
        meta,
        done,
        o.sources,
        {
          maxRequests,
          requestChunks: Math.max(1, Math.floor(o.requestBytes / meta.chunkSize)),
          stallTimeoutMs: o.stallTimeoutMs,
          spotCheckOneIn: o.spotCheckOneIn,
          ...(o.swarm ? { swarm: true } : {}),
          ...(o.inFlightBudget ? { inFlightBudget: o.inFlightBudget } : {}),
        },
        {
          transport: o.transport,
          lease: () => chunks.lease(),
          release: (slot) => chunks.release(slot),
          store: (index, slot, length, check) => chunks.storeSlot(index, slot, length, check),
          onChunk: (index, length, source, checked) => {
            dirty = true;
            if (!checked) {
              unchecked.set(index);
              senders[index] = o.sources.indexOf(source) + 1;
            }
            file.wrote(length);
            o.onChunk(length, index, source);
          },
          ...(o.pace ? { pace: o.pace } : {}),
          ...(o.floorRate ? { floorRate: o.floorRate } : {}),
        },
        logger,
      );
      try {
        await downloader.run(o.signal);
      } catch (err) {
        await save().catch(() => undefined);
        throw err;
      }
      // A whole-file hash that matches ends the fetch: its state is removed, not saved.
      const digest = await chunks.digest();
      const suspects = [...unchecked.indexes()];
      if (digest !== meta.sha256) {
        const bad = await chunks.check(suspects);
        if (bad.length === 0) {
          throw new WrongDataError(
            `the assembled file hashes to ${digest}, not ${meta.sha256}: the sources' metadata was wrong`,
          );
        }
        reject(bad);
      }
      // Verified now, by the whole-file hash or one by one (the wrong ones are no longer done).
      for (const i of suspects) unchecked.unset(i);
      if (digest === meta.sha256) break;
      wrong.clear();
      dirty = true;
      await save();
      thread = undefined;
      await chunks.close().catch(() => undefined);
    }
    await file.sync();
  } finally {
    clearInterval(saver);
    await thread?.close().catch(() => undefined);
    await file.close().catch(() => undefined);
  }

  /** Chunks found wrong after the whole-file hash failed: fetched again, their senders dropped. */
  function reject(bad: number[]): void {
    const blamed = new Map<SourceState, number>();
    for (const i of bad) {
      done.unset(i);
      const source = o.sources[senders[i]! - 1];
      if (source) {
        blamed.set(source, (blamed.get(source) ?? 0) + 1);
        source.bytes -= chunkLength(i);
        source.chunks--;
      }
      o.onRejected(chunkLength(i), i, source);
    }
    for (const [source, n] of blamed) {
      source.drop(
        `${n} of the chunks it sent did not match their hashes (found when the whole file's did not)`,
      );
    }
    logger.warn(
      { chunks: bad.length, sources: [...blamed.keys()].map((s) => s.address) },
      'chunks left to the whole-file hash did not match their own: fetching them again',
    );
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
