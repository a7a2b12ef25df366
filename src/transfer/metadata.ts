// File metadata from other peers is untrusted: it is checked for internal
// consistency before any data is fetched against it, and when sources
// disagree the version most of them report is tried first.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { checkShareName } from '../index/paths.js';
import type { RemoteFileInfo } from './transport.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Chunk sizes a fetch accepts from a peer (bytes). */
export const MIN_CHUNK_SIZE = 1024;
export const MAX_CHUNK_SIZE = 64 * 1024 * 1024;

/** The metadata a fetch verifies chunks against. */
export interface FileMeta {
  sha256: string;
  size: number;
  chunkSize: number;
  chunkHashes: string[];
}

/** Throws InvalidArgumentError naming what is inconsistent in a peer's metadata. */
export function checkRemoteInfo(info: RemoteFileInfo, sha256: string): FileMeta {
  if (info.sha256 !== sha256) {
    throw new InvalidArgumentError(`answered for sha256 ${String(info.sha256)}, not ${sha256}`);
  }
  const { size, chunkSize, chunkHashes } = info;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new InvalidArgumentError(`reported an invalid size (${size})`);
  }
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new InvalidArgumentError(
      `reported a chunk size of ${chunkSize} bytes, outside ${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE}`,
    );
  }
  const expected = Math.ceil(size / chunkSize);
  if (!Array.isArray(chunkHashes) || chunkHashes.length !== expected) {
    throw new InvalidArgumentError(
      `reported ${chunkHashes?.length ?? 0} chunk hashes; ${size} bytes in chunks of ${chunkSize} need ${expected}`,
    );
  }
  if (!chunkHashes.every((h) => typeof h === 'string' && SHA256_HEX.test(h))) {
    throw new InvalidArgumentError('reported a chunk hash that is not 64 lowercase hex characters');
  }
  if (size === 0 && sha256 !== EMPTY_SHA256) {
    throw new InvalidArgumentError('reported an empty file for a hash that is not the empty hash');
  }
  return { sha256, size, chunkSize, chunkHashes: [...chunkHashes] };
}

export const EMPTY_SHA256 = createHash('sha256').digest('hex');

export interface MetaCandidate {
  meta: FileMeta;
  /** Addresses of the sources that reported exactly this metadata. */
  vouchers: string[];
}

/**
 * Groups the sources' reports by identical metadata; the most vouched-for
 * first, then the one with the preferred chunk size, then the first seen.
 */
export function rankCandidates(
  reports: { address: string; meta: FileMeta }[],
  preferredChunkSize: number,
): MetaCandidate[] {
  const groups = new Map<string, MetaCandidate & { order: number }>();
  for (const { address, meta } of reports) {
    const key = metaKey(meta);
    const group = groups.get(key);
    if (group) group.vouchers.push(address);
    else groups.set(key, { meta, vouchers: [address], order: groups.size });
  }
  return [...groups.values()]
    .sort(
      (a, b) =>
        b.vouchers.length - a.vouchers.length ||
        Number(b.meta.chunkSize === preferredChunkSize) -
          Number(a.meta.chunkSize === preferredChunkSize) ||
        a.order - b.order,
    )
    .map(({ meta, vouchers }) => ({ meta, vouchers }));
}

/** Identity of a metadata version (size, chunking and every chunk hash). */
export function metaKey(meta: FileMeta): string {
  const h = createHash('sha256');
  for (const c of meta.chunkHashes) h.update(c);
  return `${meta.size}/${meta.chunkSize}/${h.digest('hex')}`;
}

/**
 * A safe file name for a fetched file, by vote: each ballot is one source's
 * names and counts once, for its first usable base name, so a source that
 * repeats a name does not outvote the others. Most votes wins, ties go to
 * the first ballot's choice; with no usable name, the hash.
 */
export function pickFileName(ballots: readonly (readonly string[])[], sha256: string): string {
  const counts = new Map<string, number>();
  for (const names of ballots) {
    const choice = names.map(usableBaseName).find((n) => n !== undefined);
    if (choice !== undefined) counts.set(choice, (counts.get(choice) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [name, n] of counts) if (!best || n > counts.get(best)!) best = name;
  return best ?? sha256;
}

/** The base name of a peer's name for a file, if it is one this peer could store. */
function usableBaseName(name: string): string | undefined {
  try {
    return checkShareName(posix.basename(checkShareName(name)));
  } catch {
    return undefined; // peers' names are untrusted: an unusable one is skipped
  }
}
