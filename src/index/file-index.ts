// The shared-folder index: what this peer shares, by content hash and by name.
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { EventBus } from '../events/bus.js';
import { InvalidArgumentError, NotFoundError, RangeNotSatisfiableError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { HashCache, type CachedFile } from './cache.js';
import { HashPool } from './hash-pool.js';
import { compileQuery } from './keywords.js';
import { statShared, walkShare, type FoundFile } from './scanner.js';
import { SortedFiles } from './sorted-files.js';
import type { FileEntry, IndexStats, ListQuery, ListResult } from './types.js';
import { ShareWatcher } from './watcher.js';
import { writeIntoShare } from './share-writer.js';

export interface FileIndexComponents {
  events: EventBus;
  metrics: Metrics;
  logger: Logger;
}

export interface FileIndexInit {
  sharedDir: string;
  dataDir: string;
  /** Bytes per chunk hash. */
  chunkSize: number;
  /** Watch the folder (default true). */
  watch?: boolean;
  /** Periodic full rescan, ms; 0 disables (default 0). */
  rescanIntervalMs?: number;
  /** Delay before a watched path is re-read, so bursts of writes coalesce (default 150). */
  settleMs?: number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Longest keyword query `list()` accepts, characters. */
export const MAX_QUERY_LENGTH = 1024;
/** Largest page `list()` returns, and its default. */
export const MAX_PAGE = 1000;
export const DEFAULT_PAGE = 50;

/** A hash as the index keys it, or InvalidArgumentError. */
export function checkSha256(value: unknown): string {
  if (typeof value !== 'string' || !SHA256_HEX.test(value.toLowerCase())) {
    throw new InvalidArgumentError('sha256 must be 64 hexadecimal characters');
  }
  return value.toLowerCase();
}

export class FileIndex {
  /** Hashes of a path's content, by relative path. */
  private readonly byPath = new Map<string, CachedFile>();
  /** Relative paths by content hash. */
  private readonly byHash = new Map<string, Set<string>>();
  private readonly cache: HashCache;
  private readonly watcher: ShareWatcher | undefined;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private lock: Promise<unknown> = Promise.resolve();
  private readonly hashPool = new HashPool();
  private scanning = false;
  private bytesShared = 0;
  private dirty = false;
  private rescanTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Every entry sorted for list(); dropped on any change and rebuilt by the next list(). */
  private sorted: SortedFiles | undefined;
  /** Files hashed since start; tests read it to prove a restart re-hashes nothing. */
  hashedFiles = 0;

  constructor(
    private readonly components: FileIndexComponents,
    private readonly init: FileIndexInit,
  ) {
    this.cache = new HashCache(init.dataDir);
    if (init.watch ?? true) {
      this.watcher = new ShareWatcher(init.sharedDir, (rel) => this.schedule(rel));
    }
  }

  async start(): Promise<void> {
    this.stopped = false;
    const cached = await this.cache.load();
    await this.watcher?.start();
    await this.scan(cached);
    const every = this.init.rescanIntervalMs ?? 0;
    if (every > 0) {
      this.rescanTimer = setInterval(() => void this.rescan().catch(() => undefined), every);
      this.rescanTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.rescanTimer);
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    await this.watcher?.stop();
    await this.lock.catch(() => undefined);
    await this.hashPool.close();
    await this.flush();
  }

  /** Full rescan: picks up whatever the watcher missed. */
  rescan(): Promise<void> {
    return this.scan(new Map(this.byPath));
  }

  /** Resolves once no scan or watched change is pending. */
  async whenIdle(): Promise<void> {
    while (this.pending.size > 0 || this.scanning) {
      await new Promise((r) => setTimeout(r, 20));
      await this.lock.catch(() => undefined);
    }
    await this.lock.catch(() => undefined);
  }

  stats(): IndexStats {
    return {
      files: this.byHash.size,
      bytes: this.bytesShared,
      indexing: this.scanning || this.pending.size > 0,
    };
  }

  /** The entry for a hash, or undefined. Throws InvalidArgumentError for a malformed hash. */
  get(sha256: string): FileEntry | undefined {
    return this.entry(checkSha256(sha256));
  }

  /** The entry for a hash; NotFoundError when this peer does not have it. */
  require(sha256: string): FileEntry {
    const entry = this.get(sha256);
    if (!entry) throw new NotFoundError(`no shared file has sha256 ${sha256.toLowerCase()}`);
    return entry;
  }

  /** The entry of the file at a relative name, if it is indexed. */
  byName(rel: string): FileEntry | undefined {
    const record = this.byPath.get(rel);
    return record ? this.entry(record.sha256) : undefined;
  }

  /** Files matching every keyword (or the one file a whole sha256 names), sorted by first name, paged. */
  list(q: ListQuery = {}): ListResult {
    const query = q.query ?? '';
    if (query.length > MAX_QUERY_LENGTH) {
      throw new InvalidArgumentError(`query is longer than ${MAX_QUERY_LENGTH} characters`);
    }
    const limit = q.limit ?? DEFAULT_PAGE;
    const offset = q.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new InvalidArgumentError(`limit must be an integer from 1 to ${MAX_PAGE}`);
    }
    if (!Number.isInteger(offset) || offset < 0) {
      throw new InvalidArgumentError('offset must be a non-negative integer');
    }
    // A whole sha256 finds that file: this is how a fetch by hash searches the network.
    const byHash = SHA256_HEX.test(query.trim().toLowerCase())
      ? this.entry(query.trim().toLowerCase())
      : undefined;
    if (byHash) return { files: offset === 0 ? [byHash] : [], total: 1 };
    const { terms } = compileQuery(query);
    return this.sortedFiles().page(terms, offset, limit);
  }

  private sortedFiles(): SortedFiles {
    if (!this.sorted) {
      const entries: FileEntry[] = [];
      for (const sha of this.byHash.keys()) {
        const entry = this.entry(sha);
        if (entry) entries.push(entry);
      }
      this.sorted = new SortedFiles(entries);
    }
    return this.sorted;
  }

  /**
   * A stream of bytes [start, end] (inclusive) of a shared file. `end`
   * defaults to the last byte. Throws RangeNotSatisfiableError for a range
   * outside the file.
   */
  async openRange(
    sha256: string,
    start = 0,
    end?: number,
    /** Bytes per piece the stream yields (default 256 KiB). */
    pieceSize = 256 * 1024,
  ): Promise<{ entry: FileEntry; start: number; end: number; stream: Readable }> {
    const entry = this.require(sha256);
    const last = end ?? entry.size - 1;
    if (
      !Number.isSafeInteger(start) ||
      !Number.isSafeInteger(last) ||
      start < 0 ||
      last < start - 1
    ) {
      throw new RangeNotSatisfiableError(`range ${start}-${last} is not valid`, entry.size);
    }
    if (last >= entry.size || (start >= entry.size && entry.size > 0)) {
      throw new RangeNotSatisfiableError(
        `range ${start}-${last} is outside the file (${entry.size} bytes)`,
        entry.size,
      );
    }
    const path = await this.currentPath(entry);
    const stream =
      last < start
        ? Readable.from([])
        : createReadStream(path, { start, end: last, highWaterMark: pieceSize });
    return { entry, start, end: last, stream };
  }

  /** The open file behind a hash, checked unchanged since it was hashed; the caller closes it. */
  async openFile(sha256: string): Promise<{ entry: FileEntry; handle: FileHandle }> {
    const entry = this.require(sha256);
    return { entry, handle: await open(await this.currentPath(entry), 'r') };
  }

  /** A path holding the entry's content as indexed; NotFoundError when none does any more. */
  private async currentPath(entry: FileEntry): Promise<string> {
    for (const name of entry.names) {
      const found = await statShared(this.init.sharedDir, name);
      const record = this.byPath.get(name);
      if (found && record && found.size === record.size && found.mtimeMs === record.mtimeMs) {
        return found.abs;
      }
      // The file changed under us: re-read it before serving it again.
      this.schedule(name);
    }
    throw new NotFoundError(`sha256 ${entry.sha256} is no longer available`);
  }

  /**
   * Adds a file to the share from a byte stream: never overwrites (a taken
   * name gets ` (n)`), never escapes the folder, refuses more than maxBytes.
   */
  async addFile(
    name: string,
    source: AsyncIterable<Uint8Array>,
    maxBytes: number,
  ): Promise<{ entry: FileEntry; name: string }> {
    const { sharedDir, dataDir, chunkSize } = this.init;
    const { found, hashes } = await writeIntoShare(
      { sharedDir, dataDir, chunkSize },
      name,
      source,
      {
        maxBytes,
      },
    );
    const entry = await this.addKnown(found, { ...hashes, chunkSize });
    return { entry, name: found.rel };
  }

  /** Indexes a path now (used after the daemon itself wrote it). */
  async indexPath(rel: string): Promise<FileEntry | undefined> {
    await this.withLock(() => this.refresh(rel));
    const record = this.byPath.get(rel);
    return record ? this.entry(record.sha256) : undefined;
  }

  /** Records a path whose hashes the caller already computed while writing it. */
  async addKnown(
    found: FoundFile,
    hashes: Omit<CachedFile, 'size' | 'mtimeMs' | 'ino'>,
  ): Promise<FileEntry> {
    await this.withLock(async () => {
      this.put(found.rel, { ...hashes, size: found.size, mtimeMs: found.mtimeMs, ino: found.ino });
      await this.flush();
    });
    return this.entry(hashes.sha256)!;
  }

  private entry(sha256: string): FileEntry | undefined {
    const names = this.byHash.get(sha256);
    if (!names || names.size === 0) return undefined;
    const sorted = [...names].sort();
    const first = this.byPath.get(sorted[0]!)!;
    let mtimeMs = 0;
    for (const n of sorted) mtimeMs = Math.max(mtimeMs, this.byPath.get(n)!.mtimeMs);
    return {
      sha256,
      names: sorted,
      size: first.size,
      mtimeMs,
      chunkSize: first.chunkSize,
      chunkHashes: first.chunkHashes,
    };
  }

  private schedule(rel: string): void {
    if (this.stopped) return;
    clearTimeout(this.pending.get(rel));
    const timer = setTimeout(() => {
      void this.withLock(async () => {
        this.pending.delete(rel);
        await this.refresh(rel);
        await this.flush();
      }).catch((err: unknown) => this.components.logger.warn({ err, rel }, 'reindex failed'));
    }, this.init.settleMs ?? 150);
    this.pending.set(rel, timer);
  }

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async scan(previous: Map<string, CachedFile>): Promise<void> {
    await this.withLock(async () => {
      this.scanning = true;
      const started = performance.now();
      let hashed = 0;
      try {
        const seen = new Set<string>();
        // Up to one file per hashing thread at once.
        const hashing = new Set<Promise<void>>();
        for await (const found of walkShare(this.init.sharedDir)) {
          if (this.stopped) break;
          seen.add(found.rel);
          const cached = this.byPath.get(found.rel) ?? previous.get(found.rel);
          if (cached && this.isCurrent(cached, found)) {
            if (!this.byPath.has(found.rel)) this.put(found.rel, cached, true);
            continue;
          }
          const job: Promise<void> = this.hashInto(found).then((n) => {
            hashed += n ?? 0;
            hashing.delete(job);
          });
          hashing.add(job);
          if (hashing.size >= this.hashPool.size) await Promise.race(hashing);
        }
        await Promise.all(hashing);
        if (this.stopped) return;
        for (const rel of [...this.byPath.keys()]) {
          if (!seen.has(rel)) this.remove(rel);
        }
        const stats = this.stats();
        this.components.events.emit('index.scanned', {
          files: stats.files,
          bytes: stats.bytes,
          hashedBytes: hashed,
          durationMs: Math.round(performance.now() - started),
        });
      } finally {
        this.scanning = false;
      }
      this.dirty = true;
      await this.flush();
    });
  }

  /** Re-reads one path (a file, or a folder that disappeared). */
  private async refresh(rel: string): Promise<void> {
    const found = await statShared(this.init.sharedDir, rel);
    if (!found) {
      const prefix = `${rel}/`;
      for (const known of [...this.byPath.keys()]) {
        if (known === rel || known.startsWith(prefix)) this.remove(known);
      }
      return;
    }
    const cached = this.byPath.get(rel);
    if (cached && this.isCurrent(cached, found)) return;
    await this.hashInto(found);
  }

  private isCurrent(cached: CachedFile, found: FoundFile): boolean {
    return (
      cached.size === found.size &&
      cached.mtimeMs === found.mtimeMs &&
      cached.ino === found.ino &&
      cached.chunkSize === this.init.chunkSize
    );
  }

  /** Hashes a file and records it; returns the bytes hashed, or undefined if it vanished or kept changing. */
  private async hashInto(found: FoundFile): Promise<number | undefined> {
    const started = performance.now();
    const { metrics } = this.components;
    let hashes;
    try {
      hashes = await this.hashPool.hash(found.abs, found.size, this.init.chunkSize, (n) =>
        metrics.hashedBytes.inc(n),
      );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.components.logger.warn({ err, file: found.rel }, 'cannot read file');
      }
      this.remove(found.rel);
      return undefined;
    }
    const seconds = (performance.now() - started) / 1000;
    metrics.hashSeconds.inc(seconds);
    if (seconds > 0 && hashes.size > 0) metrics.hashThroughput.set(hashes.size / seconds);
    this.hashedFiles++;
    const after = await statShared(this.init.sharedDir, found.rel);
    if (!after || after.size !== hashes.size || after.mtimeMs !== found.mtimeMs) {
      // Still being written: try again once it settles.
      this.schedule(found.rel);
      return undefined;
    }
    this.put(found.rel, {
      ...hashes,
      mtimeMs: found.mtimeMs,
      ino: found.ino,
      chunkSize: this.init.chunkSize,
    });
    return hashes.size;
  }

  private put(rel: string, record: CachedFile, quiet = false): void {
    const before = this.byPath.get(rel);
    if (before?.sha256 === record.sha256 && before.mtimeMs === record.mtimeMs) return;
    if (before) this.unlink(rel, before);
    this.byPath.set(rel, record);
    let names = this.byHash.get(record.sha256);
    if (!names) {
      this.byHash.set(record.sha256, (names = new Set()));
      this.bytesShared += record.size;
    }
    names.add(rel);
    this.sorted = undefined;
    this.dirty = true;
    this.updateGauges();
    if (quiet || before?.sha256 === record.sha256) return;
    const data = { sha256: record.sha256, name: rel, size: record.size };
    if (before) {
      this.components.events.emit('file.changed', { ...data, previousSha256: before.sha256 });
    } else {
      this.components.events.emit('file.added', data);
    }
  }

  private remove(rel: string): void {
    const before = this.byPath.get(rel);
    if (!before) return;
    this.byPath.delete(rel);
    this.unlink(rel, before);
    this.sorted = undefined;
    this.dirty = true;
    this.updateGauges();
    this.components.events.emit('file.removed', {
      sha256: before.sha256,
      name: rel,
      size: before.size,
    });
  }

  private unlink(rel: string, record: CachedFile): void {
    const names = this.byHash.get(record.sha256);
    names?.delete(rel);
    if (names?.size === 0) {
      this.byHash.delete(record.sha256);
      this.bytesShared -= record.size;
    }
  }

  private updateGauges(): void {
    const { files, bytes } = this.stats();
    this.components.metrics.sharedFiles.set(files);
    this.components.metrics.sharedBytes.set(bytes);
  }

  private async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await this.cache.save(this.byPath);
    } catch (err) {
      this.dirty = true;
      this.components.logger.warn({ err }, 'cannot save the index cache');
    }
  }
}
