// Writes incoming bytes into the share safely: through a temp file in the
// data folder, hashed on the way, size-capped, then linked into place under
// a name that never overwrites. A failure leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, mkdir, open, realpath, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AlreadyExistsError, InvalidArgumentError, TooLargeError } from '../errors.js';
import { ChunkedHasher, type FileHashes } from './hasher.js';
import { alternativeName, checkShareName, resolveInside, toRelPosix } from './paths.js';
import type { FoundFile } from './scanner.js';

export interface ShareWriteInit {
  sharedDir: string;
  dataDir: string;
  chunkSize: number;
}

export interface ShareWriteOptions {
  /** Refuse more bytes than this (TooLargeError). */
  maxBytes: number;
  /** When known up front: the stream must have exactly this many bytes. */
  expectedSize?: number;
  /** When known up front: the content must hash to this. */
  expectedSha256?: string;
}

export interface ShareWriteResult {
  found: FoundFile;
  hashes: FileHashes;
}

const MAX_ALTERNATIVES = 1000;

export async function writeIntoShare(
  init: ShareWriteInit,
  name: string,
  source: AsyncIterable<Uint8Array>,
  options: ShareWriteOptions,
): Promise<ShareWriteResult> {
  const rel = checkShareName(name);
  if (options.expectedSize !== undefined && options.expectedSize > options.maxBytes) {
    throw new TooLargeError(
      `file of ${options.expectedSize} bytes exceeds the limit of ${options.maxBytes}`,
    );
  }
  const tmpDir = join(init.dataDir, 'tmp');
  await mkdir(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `${randomBytes(8).toString('hex')}.part`);
  const handle = await open(tmp, 'wx');
  try {
    const hasher = new ChunkedHasher(init.chunkSize);
    try {
      for await (const piece of source) {
        if (hasher.size + piece.length > options.maxBytes) {
          throw new TooLargeError(`body exceeds the limit of ${options.maxBytes} bytes`);
        }
        hasher.update(piece);
        await handle.write(piece);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    const hashes = hasher.digest();
    if (options.expectedSize !== undefined && hashes.size !== options.expectedSize) {
      throw new InvalidArgumentError(
        `received ${hashes.size} bytes, expected ${options.expectedSize}`,
      );
    }
    if (options.expectedSha256 !== undefined && hashes.sha256 !== options.expectedSha256) {
      throw new InvalidArgumentError(
        `content hashes to ${hashes.sha256}, expected ${options.expectedSha256}`,
      );
    }
    const placed = await linkUnique(init.sharedDir, rel, tmp);
    const s = await stat(placed.abs);
    return {
      found: {
        rel: placed.rel,
        abs: placed.abs,
        size: s.size,
        mtimeMs: Math.floor(s.mtimeMs),
        ino: s.ino,
      },
      hashes,
    };
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Hard-links tmp at rel, or at `rel (n)` when taken; link() never replaces a file. */
async function linkUnique(
  root: string,
  rel: string,
  tmp: string,
): Promise<{ rel: string; abs: string }> {
  const realRoot = await realpath(root);
  for (let n = 0; n <= MAX_ALTERNATIVES; n++) {
    const candidate = n === 0 ? rel : alternativeName(rel, n);
    const abs = resolveInside(realRoot, candidate);
    if (!abs) throw new InvalidArgumentError('name resolves outside the shared folder');
    await mkdir(dirname(abs), { recursive: true });
    // A folder in the name could be a symlink to elsewhere: check where it really is.
    const realParent = await realpath(dirname(abs));
    if (!resolveInside(realRoot, toRelPosix(realRoot, join(realParent, 'x')))) {
      throw new InvalidArgumentError('name resolves outside the shared folder');
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

async function placeExclusive(tmp: string, abs: string): Promise<void> {
  try {
    await link(tmp, abs);
  } catch (err) {
    // The data folder may live on another file system than the share.
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(tmp, abs, constants.COPYFILE_EXCL);
  }
}
