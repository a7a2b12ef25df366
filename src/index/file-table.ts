// The index's in-memory tables: hashes by path and paths by hash. Every
// change goes through put/remove, which keep the gauges right and emit the
// file events, so the scan, the watcher and the daemon's own writes agree.
import type { EventBus } from '../events/bus.js';
import type { Metrics } from '../metrics.js';
import type { CacheChanges, CachedFile } from './cache.js';
import { SortedFiles } from './sorted-files.js';
import type { FileEntry } from './types.js';

export interface FileTableComponents {
  events: EventBus;
  metrics: Metrics;
}

export class FileTable {
  /** Hashes of a path's content, by relative path. */
  private readonly byPath = new Map<string, CachedFile>();
  /** Relative paths by content hash. */
  private readonly byHash = new Map<string, Set<string>>();
  private bytesShared = 0;
  /** Every entry sorted for list(); dropped on any change and rebuilt by the next list(). */
  private sortedCache: SortedFiles | undefined;
  /** Changed since the cache was last saved. */
  dirty = false;
  /** Paths put or removed since takeChanges, except records taken back from the cache. */
  private changedPaths = new Set<string>();

  constructor(private readonly components: FileTableComponents) {}

  /** Distinct files (by content). */
  get files(): number {
    return this.byHash.size;
  }

  /** Bytes of distinct content. */
  get bytes(): number {
    return this.bytesShared;
  }

  record(rel: string): CachedFile | undefined {
    return this.byPath.get(rel);
  }

  /** Every record by path; callers must not change it. */
  records(): ReadonlyMap<string, CachedFile> {
    return this.byPath;
  }

  paths(): string[] {
    return [...this.byPath.keys()];
  }

  entry(sha256: string): FileEntry | undefined {
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

  /** Each distinct content and its paths, in no order: cheaper than sorted() for a walk over all. */
  *contents(): Generator<{ sha256: string; names: ReadonlySet<string> }> {
    for (const [sha256, names] of this.byHash) yield { sha256, names };
  }

  sorted(): SortedFiles {
    if (!this.sortedCache) {
      const entries: FileEntry[] = [];
      for (const sha of this.byHash.keys()) {
        const entry = this.entry(sha);
        if (entry) entries.push(entry);
      }
      this.sortedCache = new SortedFiles(entries);
    }
    return this.sortedCache;
  }

  /** Records a path's hashes; `quiet` skips the event (a cached record taken back on start). */
  put(rel: string, record: CachedFile, quiet = false): void {
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
    this.changed();
    if (!quiet) this.changedPaths.add(rel);
    if (quiet || before?.sha256 === record.sha256) return;
    const data = { sha256: record.sha256, name: rel, size: record.size };
    if (before) {
      this.components.events.emit('file.changed', { ...data, previousSha256: before.sha256 });
    } else {
      this.components.events.emit('file.added', data);
    }
  }

  remove(rel: string): void {
    const before = this.byPath.get(rel);
    if (!before) return;
    this.byPath.delete(rel);
    this.unlink(rel, before);
    this.changed();
    this.changedPaths.add(rel);
    this.components.events.emit('file.removed', {
      sha256: before.sha256,
      name: rel,
      size: before.size,
    });
  }

  /** Each path changed since the last call, with its record now (undefined: removed). */
  takeChanges(): CacheChanges {
    const changes = new Map<string, CachedFile | undefined>();
    for (const rel of this.changedPaths) changes.set(rel, this.byPath.get(rel));
    this.changedPaths = new Set();
    return changes;
  }

  private unlink(rel: string, record: CachedFile): void {
    const names = this.byHash.get(record.sha256);
    names?.delete(rel);
    if (names?.size === 0) {
      this.byHash.delete(record.sha256);
      this.bytesShared -= record.size;
    }
  }

  private changed(): void {
    this.sortedCache = undefined;
    this.dirty = true;
    this.components.metrics.sharedFiles.set(this.files);
    this.components.metrics.sharedBytes.set(this.bytesShared);
  }
}
