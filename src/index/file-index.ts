// The shared-folder index: what this peer shares, by content hash and by name.
// Start loads the hash cache and returns; the first scan runs behind it, so
// the daemon serves while it hashes (stats().indexing says so). Scans save
// their progress about once a second, so a kill loses at most that much
// hashing, and stop() cancels a scan at once.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { EventBus } from '../events/bus.js';
import { NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { HashCache, type CachedFile } from './cache.js';
import { FileTable } from './file-table.js';
import { HashPool } from './hash-pool.js';
import { compileQuery } from './keywords.js';
import { OpenFiles, type ReadableFile } from './open-files.js';
import { checkListQuery, checkRange, checkSha256, SHA256_HEX } from './request-checks.js';
import { statShared, type FoundFile } from './scanner.js';
import { scanShare } from './share-scan.js';
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
  /**
   * How long changes (a scan's progress, files the daemon stores or the
   * watcher sees) wait to be saved together, ms (default 1000). A save of a
   * large cache stretches it to ten times the save's own duration.
   */
  saveIntervalMs?: number;
}

export { checkSha256, DEFAULT_PAGE, MAX_PAGE, MAX_QUERY_LENGTH } from './request-checks.js';

export class FileIndex {
  private readonly table: FileTable;
  private readonly cache: HashCache;
  private readonly watcher: ShareWatcher | undefined;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** The timed save (see saveSoon), until it is written. */
  private saveTimer: NodeJS.Timeout | undefined;
  private lastSaveMs = 0;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly hashPool = new HashPool();
  /** From start() until the first scan ends. */
  private initial: Promise<void> | undefined;
  private starting = false;
  private scanning = false;
  /**
   * During a scan, the records it started from: saved with the table so a
   * save mid-scan keeps the cached files the walk has not reached yet.
   */
  private carried: ReadonlyMap<string, CachedFile> | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private handles = new OpenFiles();
  private aborter = new AbortController();
  /** Wall time of start(): staging files older than this are a crash's leftovers. */
  private startedAt = 0;
  /** Files hashed since start; tests read it to prove a restart re-hashes nothing. */
  hashedFiles = 0;

  constructor(
    private readonly components: FileIndexComponents,
    private readonly init: FileIndexInit,
  ) {
    this.table = new FileTable(components);
    this.cache = new HashCache(init.dataDir);
    if (init.watch ?? true) {
      this.watcher = new ShareWatcher(init.sharedDir, (rel) => this.schedule(rel));
    }
  }

  /** Loads the cache and starts the first scan; resolves before the scan ends (see whenIdle). */
  async start(): Promise<void> {
    this.stopped = false;
    this.handles = new OpenFiles();
    this.aborter = new AbortController();
    this.startedAt = Date.now();
    this.starting = true;
    const cached = await this.cache.load();
    this.initial = this.firstScan(cached);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.aborter.abort();
    clearInterval(this.rescanTimer);
    clearTimeout(this.saveTimer);
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    // Ending the threads fails the big files they hash, so a scan stops now, not after them.
    const closing = this.hashPool.close();
    await this.watcher?.stop();
    await this.initial;
    await this.lock.catch(() => undefined);
    await closing;
    await this.hashPool.close();
    await this.handles.closeAll();
    await this.flush();
    await this.cache.settled(); // a timed save may still be writing
  }

  /** Full rescan: picks up whatever the watcher missed. */
  rescan(): Promise<void> {
    return this.scan(new Map(this.table.records()), false);
  }

  /** Resolves once no scan or watched change is pending. */
  async whenIdle(): Promise<void> {
    await this.initial;
    while (this.pending.size > 0 || this.scanning) {
      await new Promise((r) => setTimeout(r, 20));
      await this.lock.catch(() => undefined);
    }
    await this.lock.catch(() => undefined);
  }

  stats(): IndexStats {
    return {
      files: this.table.files,
      bytes: this.table.bytes,
      indexing: this.starting || this.scanning || this.pending.size > 0,
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
    const record = this.table.record(rel);
    return record ? this.entry(record.sha256) : undefined;
  }

  /**
   * Each shared content's hash and names, in no order and not copied: for a
   * walk over the whole share that must not sort it. Not to be held across
   * an await (the index may change meanwhile).
   */
  contents(): Iterable<{ sha256: string; names: ReadonlySet<string> }> {
    return this.table.contents();
  }

  /** Files matching every keyword (or the one file a whole sha256 names), sorted by first name, paged. */
  list(q: ListQuery = {}): ListResult {
    const { query, limit, offset } = checkListQuery(q);
    // A whole sha256 finds that file: this is how a fetch by hash searches the network.
    const byHash = SHA256_HEX.test(query.trim().toLowerCase())
      ? this.entry(query.trim().toLowerCase())
      : undefined;
    if (byHash) return { files: offset === 0 ? [byHash] : [], total: 1 };
    const { terms } = compileQuery(query);
    return this.table.sorted().page(terms, offset, limit);
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
    const last = checkRange(entry.size, start, end);
    const path = (await this.currentFile(entry)).abs;
    const stream =
      last < start
        ? Readable.from([])
        : createReadStream(path, { start, end: last, highWaterMark: pieceSize });
    return { entry, start, end: last, stream };
  }

  /**
   * The open file behind a hash, checked unchanged since it was hashed; the
   * caller closes it. Requests for one file share a descriptor (see open-files.ts).
   */
  async openFile(sha256: string): Promise<{ entry: FileEntry; handle: ReadableFile }> {
    const entry = this.require(sha256);
    return { entry, handle: await this.handles.open(await this.currentFile(entry)) };
  }

  /** Shared files held open for Download requests, and their readers now. */
  get openFiles(): { files: number; readers: number } {
    return this.handles.stats;
  }

  /** A file holding the entry's content as indexed; NotFoundError when none does any more. */
  private async currentFile(entry: FileEntry): Promise<FoundFile> {
    for (const name of entry.names) {
      const found = await statShared(this.init.sharedDir, name);
      const record = this.table.record(name);
      if (found && record && found.size === record.size && found.mtimeMs === record.mtimeMs) {
        return found;
      }
      // The file changed under us: re-read it before serving it again.
      this.schedule(name);
    }
    throw new NotFoundError(`sha256 ${entry.sha256} is no longer available`);
  }

  /**
   * Adds a file to the share from a byte stream: never overwrites (a taken
   * name gets ` (n)`, unless it holds these very bytes: then that file is the
   * answer, `existing`), never escapes the folder, refuses more than maxBytes.
   */
  async addFile(
    name: string,
    source: AsyncIterable<Uint8Array>,
    maxBytes: number,
  ): Promise<{ entry: FileEntry; name: string; existing: boolean }> {
    const { sharedDir, dataDir, chunkSize } = this.init;
    const { found, hashes, existing } = await writeIntoShare(
      { sharedDir, dataDir, chunkSize },
      name,
      source,
      { maxBytes, holds: (rel, sha256) => this.holds(rel, sha256) },
    );
    const entry = existing
      ? (this.entry(hashes.sha256) ?? (await this.addKnown(found, { ...hashes, chunkSize })))
      : await this.addKnown(found, { ...hashes, chunkSize });
    return { entry, name: found.rel, existing };
  }

  /** Whether the file at `rel` is indexed as `sha256` and unchanged since. */
  private async holds(rel: string, sha256: string): Promise<boolean> {
    const record = this.table.record(rel);
    if (record?.sha256 !== sha256) return false;
    const found = await statShared(this.init.sharedDir, rel).catch(() => undefined);
    return found?.size === record.size && found.mtimeMs === record.mtimeMs;
  }

  /**
   * Indexes a path now (used after the daemon itself wrote it). Not queued
   * behind a running scan: a scan that missed the path keeps it (see scan).
   */
  async indexPath(rel: string): Promise<FileEntry | undefined> {
    await this.refresh(rel);
    this.saveSoon();
    const record = this.table.record(rel);
    return record ? this.entry(record.sha256) : undefined;
  }

  /** Records a path whose hashes the caller already computed while writing it. */
  async addKnown(
    found: FoundFile,
    hashes: Omit<CachedFile, 'size' | 'mtimeMs' | 'ino'>,
  ): Promise<FileEntry> {
    this.table.put(found.rel, {
      ...hashes,
      size: found.size,
      mtimeMs: found.mtimeMs,
      ino: found.ino,
    });
    this.saveSoon();
    return this.entry(hashes.sha256)!;
  }

  private entry(sha256: string): FileEntry | undefined {
    return this.table.entry(sha256);
  }

  private schedule(rel: string): void {
    if (this.stopped) return;
    clearTimeout(this.pending.get(rel));
    const timer = setTimeout(() => {
      void this.withLock(async () => {
        this.pending.delete(rel);
        await this.refresh(rel);
        this.saveSoon();
      }).catch((err: unknown) => this.components.logger.warn({ err, rel }, 'reindex failed'));
    }, this.init.settleMs ?? 150);
    this.pending.set(rel, timer);
  }

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async firstScan(cached: Map<string, CachedFile>): Promise<void> {
    try {
      await this.watcher?.start();
      if (!this.stopped) await this.scan(cached, true);
    } catch (err) {
      this.components.logger.error({ err }, 'indexing the shared folder failed');
    } finally {
      this.starting = false;
    }
    const every = this.init.rescanIntervalMs ?? 0;
    if (every > 0 && !this.stopped) {
      this.rescanTimer = setInterval(() => void this.rescan().catch(() => undefined), every);
      this.rescanTimer.unref();
    }
  }

  private async scan(previous: ReadonlyMap<string, CachedFile>, first: boolean): Promise<void> {
    await this.withLock(async () => {
      if (this.stopped) return;
      this.scanning = true;
      this.carried = previous;
      const started = performance.now();
      const { logger } = this.components;
      try {
        const { hashedBytes, interrupted } = await scanShare(
          {
            ...this.components,
            table: this.table,
            hash: (found) => this.hashInto(found),
            isCurrent: (cached, found) => this.isCurrent(cached, found),
            saveSoon: () => this.saveSoon(),
            stopped: () => this.stopped,
          },
          {
            sharedDir: this.init.sharedDir,
            previous,
            slots: this.hashPool.size,
            staleBefore: this.startedAt,
          },
        );
        if (interrupted) {
          // Saved now, while the records not reached yet are still carried.
          await this.flush();
          if (first) logger.info({ hashedBytes }, 'indexing interrupted; progress saved');
          return;
        }
        const summary = {
          files: this.table.files,
          bytes: this.table.bytes,
          hashedBytes,
          durationMs: Math.round(performance.now() - started),
        };
        this.components.events.emit('index.scanned', summary);
        if (first) logger.info(summary, 'indexed the shared folder');
      } finally {
        this.scanning = false;
        this.carried = undefined;
      }
      this.table.dirty = true;
      await this.flush(true);
    });
  }

  /** Re-reads one path (a file, or a folder that disappeared). */
  private async refresh(rel: string): Promise<void> {
    const found = await statShared(this.init.sharedDir, rel);
    if (!found) {
      const prefix = `${rel}/`;
      for (const known of this.table.paths()) {
        if (known === rel || known.startsWith(prefix)) this.table.remove(known);
      }
      return;
    }
    const cached = this.table.record(rel);
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

  /** Hashes a file and records it; returns the bytes hashed, or undefined if it vanished, kept changing or the index stopped. */
  private async hashInto(found: FoundFile): Promise<number | undefined> {
    const started = performance.now();
    const { metrics } = this.components;
    let hashes;
    try {
      hashes = await this.hashPool.hash(
        found.abs,
        found.size,
        this.init.chunkSize,
        (n) => metrics.hashedBytes.inc(n),
        this.aborter.signal,
      );
    } catch (err) {
      if (this.stopped) return undefined;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.components.logger.warn({ err, file: found.rel }, 'cannot read file');
      }
      this.table.remove(found.rel);
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
    this.table.put(found.rel, {
      ...hashes,
      mtimeMs: found.mtimeMs,
      ino: found.ino,
      chunkSize: this.init.chunkSize,
    });
    return hashes.size;
  }

  /**
   * Saves within saveIntervalMs, with every change made meanwhile, not once
   * per file a scan hashes, the daemon stores or the watcher sees; a crash
   * loses at most that interval's records, which the next start hashes again.
   */
  private saveSoon(): void {
    if (this.saveTimer !== undefined || this.stopped) return;
    // A large cache takes long to write: it is saved at most a tenth of the time.
    const wait = Math.max(this.init.saveIntervalMs ?? 1000, 10 * this.lastSaveMs);
    this.saveTimer = setTimeout(() => {
      const began = performance.now();
      void this.flush().then(() => {
        this.lastSaveMs = performance.now() - began;
        this.saveTimer = undefined;
        if (this.table.dirty) this.saveSoon(); // changed while it was written, or not written
      });
    }, wait);
    this.saveTimer.unref();
  }

  /**
   * Saves what changed since the last save; `whole`: every record, which
   * also drops those of files a finished scan did not find. During a scan
   * the records it has not reached yet are kept (they are in the cache).
   */
  private async flush(whole = false): Promise<void> {
    if (!this.table.dirty) return;
    this.table.dirty = false;
    const changes = this.table.takeChanges();
    const all = (): ReadonlyMap<string, CachedFile> =>
      this.carried ? new Map([...this.carried, ...this.table.records()]) : this.table.records();
    try {
      await (whole ? this.cache.save(all()) : this.cache.update(changes, all));
    } catch (err) {
      // The cache then no longer trusts its journal: the next save writes every record.
      this.table.dirty = true;
      this.components.logger.warn({ err }, 'cannot save the index cache');
    }
  }
}
