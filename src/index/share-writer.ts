// Writes incoming bytes into the share safely: through a temp file in the
// data folder, hashed on the way, size-capped, then linked into place under
// a name that never overwrites. A failure leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, TooLargeError } from '../errors.js';
import { fromFsError, isSystemError } from './fs-errors.js';
import { ChunkedHasher, type FileHashes } from './hasher.js';
import { checkShareName } from './paths.js';
import { placeUnique } from './place-file.js';
import { writeFully } from '../write-fully.js';
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
  /** Whether the file now at a taken name is known to hash to `sha256` (then it is kept as the answer). */
  holds?: (rel: string, sha256: string) => Promise<boolean>;
}

export interface ShareWriteResult {
  found: FoundFile;
  hashes: FileHashes;
  /** The bytes were there already under that name (see ShareWriteOptions.holds). */
  existing: boolean;
}

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
  const tmp = join(tmpDir, `${randomBytes(8).toString('hex')}.part`);
  try {
    await mkdir(tmpDir, { recursive: true });
    return await writeThenPlace(init, rel, tmp, source, options);
  } catch (err) {
    // The source's own failures (a client gone, a bad form) pass as they are.
    throw isSystemError(err) ? fromFsError(err, rel) : err;
  } finally {
    // Never masks the failure being thrown; at worst a temp file stays behind.
    await rm(tmp, { force: true }).catch(() => undefined);
  }
}

async function writeThenPlace(
  init: ShareWriteInit,
  rel: string,
  tmp: string,
  source: AsyncIterable<Uint8Array>,
  options: ShareWriteOptions,
): Promise<ShareWriteResult> {
  const handle = await open(tmp, 'wx');
  const hasher = new ChunkedHasher(init.chunkSize);
  try {
    for await (const piece of source) {
      if (hasher.size + piece.length > options.maxBytes) {
        throw new TooLargeError(`body exceeds the limit of ${options.maxBytes} bytes`);
      }
      hasher.update(piece);
      await writeFully(handle.fd, piece);
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
  const holds = options.holds;
  const placed = await placeUnique(
    init.sharedDir,
    rel,
    tmp,
    holds ? (taken) => holds(taken, hashes.sha256) : undefined,
  );
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
    existing: placed.existing === true,
  };
}
