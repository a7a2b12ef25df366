// One pass over the shared folder: takes cached records back for files that
// did not change, hashes the rest a few at a time, saves progress as it goes
// (so a kill loses at most one save interval of hashing), drops what is
// gone, and removes the staging copies a crashed run left in the share.
import { removeIfOlder, reportReclaimed, type StaleSweepComponents } from '../stale-files.js';
import type { CachedFile } from './cache.js';
import type { FileTable } from './file-table.js';
import { STAGING_NAME } from './place-file.js';
import { statShared, walkShare, type FoundFile } from './scanner.js';

export interface ShareScanParts extends StaleSweepComponents {
  table: FileTable;
  /** Hashes a file into the table; the bytes hashed, or undefined when it did not. */
  hash(found: FoundFile): Promise<number | undefined>;
  /** True when a cached record still describes the file. */
  isCurrent(cached: CachedFile, found: FoundFile): boolean;
  /** Saves the table's changes soon (within the index's save interval; see FileIndex). */
  saveSoon(): void;
  /** True once the scan should stop. */
  stopped(): boolean;
}

export interface ShareScanInit {
  sharedDir: string;
  /** Records from before the scan (the cache, or the table at a rescan). */
  previous: ReadonlyMap<string, CachedFile>;
  /** Files hashed at once. */
  slots: number;
  /** Staging copies last written before this (ms since the epoch) are leftovers. */
  staleBefore: number;
}

export interface ShareScanResult {
  hashedBytes: number;
  /** Stopped before the end: nothing was dropped as gone. */
  interrupted: boolean;
}

export async function scanShare(
  parts: ShareScanParts,
  init: ShareScanInit,
): Promise<ShareScanResult> {
  const { table } = parts;
  let hashedBytes = 0;
  const swept: Promise<number | undefined>[] = [];
  const seen = new Set<string>();
  const hashing = new Set<Promise<void>>();
  const walk = walkShare(init.sharedDir, {
    onIgnored: {
      name: STAGING_NAME,
      found: (abs) => swept.push(removeIfOlder(abs, init.staleBefore)),
    },
  });
  for await (const found of walk) {
    if (parts.stopped()) break;
    seen.add(found.rel);
    const cached = table.record(found.rel) ?? init.previous.get(found.rel);
    if (cached && parts.isCurrent(cached, found)) {
      if (!table.record(found.rel)) table.put(found.rel, cached, true);
    } else {
      const job: Promise<void> = parts.hash(found).then((n) => {
        hashedBytes += n ?? 0;
        hashing.delete(job);
      });
      hashing.add(job);
      if (hashing.size >= init.slots) await Promise.race(hashing);
    }
    if (table.dirty) parts.saveSoon();
  }
  await Promise.all(hashing);
  reportReclaimed(parts, await Promise.all(swept), 'in the share');
  if (parts.stopped()) return { hashedBytes, interrupted: true };
  for (const rel of table.paths()) {
    // Written by the daemon itself behind the walk (an upload, a fetch): still there.
    if (!seen.has(rel) && !(await statShared(init.sharedDir, rel))) table.remove(rel);
  }
  return { hashedBytes, interrupted: false };
}
