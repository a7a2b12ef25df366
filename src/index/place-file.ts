// Puts a finished temp file into a folder under a name that never replaces
// another file: link() fails on a taken name, so a clash becomes `name (n)`.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, mkdir, open, realpath, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AlreadyExistsError, InvalidArgumentError } from '../errors.js';
import { alternativeName, resolveInside, toRelPosix } from './paths.js';

const MAX_ALTERNATIVES = 1000;

/** Name of a staging copy (see copyThenLink); one a crash left is swept by the scan. */
export const STAGING_NAME = /^\.p2pd-[0-9a-f]{12}\.part$/;

export interface Placed {
  /** Relative POSIX path under root. */
  rel: string;
  abs: string;
}

/**
 * Links `tmp` at `rel` under `root`, or at `rel (n)` when that name is taken.
 * `rel` must already be a checked relative name (checkShareName). The temp
 * file stays where it was; the caller removes it.
 */
export async function placeUnique(root: string, rel: string, tmp: string): Promise<Placed> {
  const realRoot = await realpath(root);
  for (let n = 0; n <= MAX_ALTERNATIVES; n++) {
    const candidate = n === 0 ? rel : alternativeName(rel, n);
    const abs = resolveInside(realRoot, candidate);
    if (!abs) throw new InvalidArgumentError('name resolves outside the target folder');
    await mkdir(dirname(abs), { recursive: true });
    // A folder in the name could be a symlink to elsewhere: check where it really is.
    const realParent = await realpath(dirname(abs));
    if (!resolveInside(realRoot, toRelPosix(realRoot, join(realParent, 'x')))) {
      throw new InvalidArgumentError('name resolves outside the target folder');
    }
    try {
      await placeExclusive(tmp, abs);
      return { rel: toRelPosix(realRoot, abs), abs };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new AlreadyExistsError(`too many files named like ${rel}`);
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
