// What a killed daemon leaves behind that nothing will ever resume: temp
// files of REST uploads and received pushes (`<dataDir>/tmp/`), fetch data
// whose state was never written, half-written state files (`*.tmp`), and
// staging copies in a download folder outside the share. Swept once at
// start, before any part writes. A fetch with its state (`partial/<sha>.part`
// beside `<sha>.json`) is left alone: the transfer manager resumes it.
// Staging copies inside the share are swept by the index's scan, which walks
// it anyway.
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { STAGING_NAME } from './index/place-file.js';
import { resolveInside, toRelPosix } from './index/paths.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export interface StaleSweepComponents {
  logger: Logger;
  metrics: Metrics;
}

export interface StaleSweepInit {
  dataDir: string;
  sharedDir: string;
  downloadDir: string;
}

export interface Reclaimed {
  files: number;
  bytes: number;
}

const SHA256_PART = /^([0-9a-f]{64})\.part$/;

/** Removes the leftovers; logs and counts what it reclaimed. Unremovable files are logged and kept. */
export async function sweepStaleFiles(
  components: StaleSweepComponents,
  init: StaleSweepInit,
): Promise<Reclaimed> {
  const { logger, metrics } = components;
  const reclaimed: Reclaimed = { files: 0, bytes: 0 };
  const removeFile = async (path: string): Promise<void> => {
    try {
      const s = await lstat(path);
      if (!s.isFile()) return;
      await rm(path, { force: true });
      reclaimed.files++;
      reclaimed.bytes += s.size;
    } catch (err) {
      logger.warn({ err, file: path }, 'cannot remove a stale temp file');
    }
  };

  // Nothing in tmp/ outlives the request that wrote it.
  const tmp = join(init.dataDir, 'tmp');
  for (const name of await names(tmp)) await removeFile(join(tmp, name));

  const partial = join(init.dataDir, 'partial');
  const inPartial = await names(partial);
  const states = new Set(inPartial.filter((n) => n.endsWith('.json')));
  for (const name of inPartial) {
    const data = SHA256_PART.exec(name);
    const orphan = data !== null && !states.has(`${data[1]}.json`);
    if (orphan || name.endsWith('.tmp')) await removeFile(join(partial, name));
  }

  for (const name of await names(init.dataDir)) {
    if (name.endsWith('.tmp')) await removeFile(join(init.dataDir, name));
  }

  const inShare =
    init.downloadDir === init.sharedDir ||
    resolveInside(init.sharedDir, toRelPosix(init.sharedDir, init.downloadDir)) !== null;
  if (!inShare) {
    for (const name of await names(init.downloadDir)) {
      if (STAGING_NAME.test(name)) await removeFile(join(init.downloadDir, name));
    }
  }

  metrics.staleFilesReclaimed.inc(reclaimed.files);
  metrics.staleBytesReclaimed.inc(reclaimed.bytes);
  if (reclaimed.files > 0) {
    logger.info({ ...reclaimed, where: 'in the data folder' }, RECLAIMED);
  }
  return reclaimed;
}

const RECLAIMED = 'removed temp files a previous run left behind';

/** Removes a file last written before `before` (ms since the epoch); its size if removed. */
export async function removeIfOlder(path: string, before: number): Promise<number | undefined> {
  try {
    const s = await lstat(path);
    if (!s.isFile() || s.mtimeMs >= before) return undefined;
    await rm(path, { force: true });
    return s.size;
  } catch {
    return undefined;
  }
}

/** Counts and logs files removed elsewhere (by removeIfOlder). */
export function reportReclaimed(
  components: StaleSweepComponents,
  sizes: (number | undefined)[],
  where: string,
): void {
  const removed = sizes.filter((n): n is number => n !== undefined);
  if (removed.length === 0) return;
  const bytes = removed.reduce((a, b) => a + b, 0);
  components.metrics.staleFilesReclaimed.inc(removed.length);
  components.metrics.staleBytesReclaimed.inc(bytes);
  components.logger.info({ files: removed.length, bytes, where }, RECLAIMED);
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}
