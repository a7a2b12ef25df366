// Checks of what a user asks the transfer core for: the hash or name to
// fetch, source addresses, the peer to push to. Failures are InvalidArgument
// (or NotFound for a neighbor id nobody has).
import { randomBytes } from 'node:crypto';
import { PEER_ID_PATTERN, isValidHostPort } from '../config/schema.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { checkSha256 } from '../index/file-index.js';
import type { FetchInput, ResolvePeer } from './types.js';

const MAX_SOURCES = 32;
const MAX_NAME_LENGTH = 1024;

/** A fresh transfer id: `f-…` for fetches, `p-…` for pushes. */
export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** What to fetch, checked and normalized. */
export function checkFetchInput(input: FetchInput): {
  sha256: string | undefined;
  name: string | undefined;
  sources: string[];
} {
  const sha256 = input.sha256 ? checkSha256(input.sha256) : undefined;
  const name = input.name?.trim() || undefined;
  if (!sha256 && !name) throw new InvalidArgumentError('give a sha256 or a name to fetch');
  if (name && name.length > MAX_NAME_LENGTH) {
    throw new InvalidArgumentError(`name is longer than ${MAX_NAME_LENGTH} characters`);
  }
  return { sha256, name, sources: checkAddresses(input.sources ?? []) };
}

/** Checks peer addresses given by a user; returns them deduplicated. */
function checkAddresses(addresses: unknown): string[] {
  if (!Array.isArray(addresses))
    throw new InvalidArgumentError('sources must be a list of host:port');
  if (addresses.length > MAX_SOURCES) {
    throw new InvalidArgumentError(`at most ${MAX_SOURCES} sources can be given`);
  }
  for (const a of addresses) {
    if (typeof a !== 'string' || !isValidHostPort(a)) {
      throw new InvalidArgumentError(`source ${JSON.stringify(a)} is not host:port`);
    }
  }
  return [...new Set(addresses as string[])];
}

/** The address of the peer to push to: host:port as given, or a neighbor's id resolved. */
export function pushTarget(peer: unknown, resolve: ResolvePeer | undefined): string {
  if (typeof peer !== 'string' || peer.trim() === '') {
    throw new InvalidArgumentError('give the peer to push to (host:port or a neighbor id)');
  }
  if (isValidHostPort(peer)) return peer;
  if (!PEER_ID_PATTERN.test(peer)) {
    throw new InvalidArgumentError(`"${peer}" is neither host:port nor a peer id`);
  }
  const address = resolve?.(peer);
  if (address) return address;
  if (!resolve) {
    throw new InvalidArgumentError(
      `"${peer}" is not host:port, and peer ids cannot be resolved until the network overlay is available`,
    );
  }
  throw new NotFoundError(`no neighbor has id ${peer}`);
}
