// Puts a finished temp file into a folder under a name that never replaces
// another file: link() fails on a taken name, so a clash becomes `name (n)`.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, realpath, rm, stat } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { AlreadyExistsError, ConflictError, InvalidArgumentError } from '../errors.js';
import { fromFsError } from './fs-errors.js';
import { alternativeName, toRelPosix } from './paths.js';

const MAX_ALTERNATIVES = 1000;

/** Name of a staging copy (see copyThenLink); one a crash left is swept by the scan. */
export const STAGING_NAME = /^\.p2pd-[0-9a-f]{12}\.part$/;

export interface Placed {
  /** Relative POSIX path under root. */
  rel: string;
  abs: string;
  /** The name held these very bytes already (see `same`): nothing was added. */
  existing?: boolean;
}

/**
 * Links `tmp` at `rel` under `root`, or at `rel (n)` when that name is taken.
 * `rel` must already be a checked relative name (checkShareName). The temp
 * file stays where it was; the caller removes it. Fails with typed errors
 * (ConflictError, NameTooLongError, NoSpaceError, ...) that name no host path.
 * If `same` says a taken name already holds these bytes, that name is the
 * answer (`existing`): the same upload twice is one file, not `name (1)`.
 */
export async function placeUnique(
  root: string,
  rel: string,
  tmp: string,
  same?: (rel: string) => Promise<boolean>,
): Promise<Placed> {
  try {
    const realRoot = await realpath(root);
    const slash = rel.lastIndexOf('/');
    const folder = await ensureFolder(realRoot, slash < 0 ? '' : rel.slice(0, slash));
    const base = rel.slice(slash + 1);
    for (let n = 0; n <= MAX_ALTERNATIVES; n++) {
      const abs = join(folder, n === 0 ? base : alternativeName(base, n));
      try {
        await placeExclusive(tmp, abs);
        return { rel: toRelPosix(realRoot, abs), abs };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const taken = toRelPosix(realRoot, abs);
        if (same && (await same(taken))) return { rel: taken, abs, existing: true };
      }
    }
    throw new AlreadyExistsError(`too many files named like ${rel}`);
  } catch (err) {
    throw fromFsError(err, rel);
  }
}

/**
 * The real path of the folder `relDir` under `realRoot`, created one level at
 * a time. Each level that exists is resolved first (it may be a symlink) and
 * must stay inside the root, so no folder is ever made outside it.
 */
async function ensureFolder(realRoot: string, relDir: string): Promise<string> {
  let current = realRoot;
  const walked: string[] = [];
  for (const part of relDir.split('/').filter((p) => p !== '')) {
    walked.push(part);
    const next = join(current, part);
    let found = await lstat(next).catch(missingAsNull);
    if (!found) {
      await mkdir(next).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err; // made meanwhile: looked at below
      });
      found = await lstat(next);
    }
    current = next;
    if (found.isSymbolicLink()) {
      current = await realpath(next).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        throw new ConflictError(`"${walked.join('/')}" is a broken link, not a folder`);
      });
      if (!isWithin(realRoot, current)) {
        throw new InvalidArgumentError('name resolves outside the target folder');
      }
      found = await stat(current);
    }
    if (!found.isDirectory()) {
      throw new ConflictError(`"${walked.join('/')}" is a file, so it cannot hold other files`);
    }
  }
  return current;
}

function missingAsNull(err: NodeJS.ErrnoException): null {
  if (err.code === 'ENOENT') return null;
  throw err;
}

/** True when the real path `abs` is `root` or below it. */
function isWithin(root: string, abs: string): boolean {
  return abs === root || abs.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Links tmp at abs; EEXIST when abs exists. */
async function placeExclusive(tmp: string, abs: string): Promise<void> {
  try {
    await link(tmp, abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyThenLink(tmp, abs);
  }
}

/**
 * The temp file lives on another file system: copy it beside the target
 * under a hidden temp name the index ignores, fsync, then link, so the final
 * name only ever shows a complete file.
 */
async function copyThenLink(tmp: string, abs: string): Promise<void> {
  const staging = join(dirname(abs), `.p2pd-${randomBytes(6).toString('hex')}.part`);
  try {
    await copyFile(tmp, staging, constants.COPYFILE_EXCL);
    const handle = await open(staging, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(staging, abs);
  } finally {
    await rm(staging, { force: true });
  }
}
