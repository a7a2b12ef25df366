// Checks of what a user asks the transfer core for: the hash or name to
// fetch, source addresses, the peer to push to. Failures are InvalidArgument
// (or NotFound for a neighbor id nobody has).
import { randomBytes } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
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
  // A name beside a hash would be silently ignored: the hash alone decides what is fetched.
  if (sha256 && name) throw new InvalidArgumentError('give a sha256 or a name to fetch, not both');
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

/** Whether host:port names this peer: its advertised address, or one of this host's names on its port. */
export function isOwnAddress(address: string, self: { address: string }): boolean {
  const split = (a: string) => {
    const at = a.lastIndexOf(':');
    return {
      host: a
        .slice(0, at)
        .replace(/^\[|\]$/g, '')
        .toLowerCase(),
      port: a.slice(at + 1),
    };
  };
  const target = split(address);
  const own = split(self.address);
  if (target.port !== own.port) return false;
  const local = new Set(['localhost', '0.0.0.0', '::', hostname().toLowerCase(), own.host]);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) local.add(a.address.toLowerCase());
  }
  return local.has(target.host) || /^127\./.test(target.host);
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
