// Checks of everything the overlay takes from the network or a user. Each
// failure is an InvalidArgumentError naming the field.
import { FINGERPRINT } from '../identity/fingerprint.js';
import { PEER_ID_PATTERN } from '../config/schema.js';
import { InvalidArgumentError } from '../errors.js';
import { MAX_HOLDERS } from './holder-table.js';
import { tokenize } from '../index/keywords.js';
import type { PeerRecord, SearchHitMessage, UncheckedHit, UncheckedPeer } from './types.js';

const HOST_PORT = /^([^\s:[\]/]{1,253}|\[[0-9a-fA-F:.]{2,45}\]):(\d{1,5})$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const QUERY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_NAMES = 64;
const MAX_NAME_LENGTH = 4096;
/** Holder ids one routed copy may name (a key lists at most MAX_HOLDERS). */
const MAX_TARGETS = MAX_HOLDERS;

export function checkPeerId(value: unknown, field = 'peer id'): string {
  if (typeof value !== 'string' || !PEER_ID_PATTERN.test(value)) {
    throw new InvalidArgumentError(`${field} must be 1-64 characters of A-Z a-z 0-9 _ -`);
  }
  return value;
}

export function checkAddress(value: unknown, field = 'address'): string {
  const match = typeof value === 'string' ? HOST_PORT.exec(value.trim()) : null;
  const port = match ? Number(match[2]) : 0;
  if (!match || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`${field} must be host:port with a port from 1 to 65535`);
  }
  return (value as string).trim();
}

/** A PeerInfo from the wire; `field` names it in the error. */
export function checkPeer(value: UncheckedPeer, field: string): PeerRecord {
  if (!value) throw new InvalidArgumentError(`${field} is required`);
  return {
    id: checkPeerId(value.id, `${field}.id`),
    address: checkAddress(value.address, `${field}.address`),
    protocolVersion: Number(value.protocolVersion ?? 0),
    version: String(value.version ?? '').slice(0, 64),
    fingerprint: checkFingerprint(value.fingerprint, `${field}.fingerprint`),
    ...checkReach(value.reachability, value.via, field),
  };
}

/** Most `via` addresses read from an advert: a peer listens on a few neighbors, not many. */
export const MAX_VIA = 4;

/** Reachability and via of an advert: an unknown word is `unknown`, extra via dropped. */
function checkReach(
  reachability: unknown,
  via: unknown,
  field: string,
): Pick<PeerRecord, 'reachability' | 'via'> {
  const r =
    reachability === 'reachable' || reachability === 'unreachable' ? reachability : 'unknown';
  if (r !== 'unreachable' || !Array.isArray(via)) return { reachability: r };
  return {
    reachability: r,
    via: via.slice(0, MAX_VIA).map((a, i) => checkAddress(a, `${field}.via[${i}]`)),
  };
}

/** A fingerprint in a message: empty (not known) or the canonical form. */
export function checkFingerprint(value: unknown, field: string): string {
  if (value === undefined || value === null || value === '') return '';
  if (typeof value !== 'string' || !FINGERPRINT.test(value)) {
    throw new InvalidArgumentError(`${field} is not a key fingerprint`);
  }
  return value;
}

export function checkQueryId(value: unknown): string {
  if (typeof value !== 'string' || !QUERY_ID.test(value)) {
    throw new InvalidArgumentError('query_id must be 1-64 characters of A-Z a-z 0-9 _ -');
  }
  return value;
}

/** A query's text: not empty, not too long, with at least one keyword. */
export function checkQuery(value: unknown, maxLength: number): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidArgumentError('query must not be empty');
  }
  if (value.length > maxLength) {
    throw new InvalidArgumentError(
      `query is ${value.length} characters long; at most ${maxLength} are allowed`,
    );
  }
  if (tokenize(value).length === 0) {
    throw new InvalidArgumentError('query has no keywords (letters or digits)');
  }
  return value.trim();
}

/** An integer option in [min, max], or its default when undefined. */
/** Holder ids a routed copy names; more than a query could need is refused. */
export function checkTargets(value: unknown): number[] {
  if (value === undefined || value === null) return [];
  const ok =
    Array.isArray(value) &&
    value.length <= MAX_TARGETS &&
    value.every((h) => Number.isInteger(h) && h > 0 && h <= 0xffffffff);
  if (!ok) {
    throw new InvalidArgumentError(
      `targets must be at most ${MAX_TARGETS} non-zero 32-bit holder ids`,
    );
  }
  return value as number[];
}

export function checkInt(
  value: number | undefined,
  field: string,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${field} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** A hit relayed by a neighbor; malformed ones are dropped by the caller. */
export function checkHit(hit: UncheckedHit, queryId: string): SearchHitMessage {
  if (hit.queryId !== queryId) throw new InvalidArgumentError('hit is for another query');
  const file = hit.file;
  if (!file || typeof file.sha256 !== 'string' || !SHA256_HEX.test(file.sha256)) {
    throw new InvalidArgumentError('hit.file.sha256 must be 64 lowercase hex characters');
  }
  const names = file.names;
  if (
    !Array.isArray(names) ||
    names.length === 0 ||
    names.length > MAX_NAMES ||
    names.some((n) => typeof n !== 'string' || n.length === 0 || n.length > MAX_NAME_LENGTH)
  ) {
    throw new InvalidArgumentError('hit.file.names must be 1-64 non-empty names');
  }
  if (!Number.isSafeInteger(file.size) || file.size! < 0) {
    throw new InvalidArgumentError('hit.file.size must be a non-negative integer');
  }
  return {
    queryId,
    peer: checkPeer(hit.peer, 'hit.peer'),
    file: {
      sha256: file.sha256,
      names: [...names],
      size: file.size!,
      mtimeMs: Number(file.mtimeMs ?? 0),
      chunkSize: Number(file.chunkSize ?? 0),
    },
    hops: Number.isSafeInteger(hit.hops) ? hit.hops : 0,
  };
}
