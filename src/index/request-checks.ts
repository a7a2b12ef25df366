// Checks of what callers ask the index for: hashes, list pages and byte
// ranges. Each throws the typed error its facade maps to 400 or 416.
import { InvalidArgumentError, RangeNotSatisfiableError } from '../errors.js';
import type { ListQuery } from './types.js';

export const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Longest keyword query `list()` accepts, characters. */
export const MAX_QUERY_LENGTH = 1024;
/** Largest page `list()` returns, and its default. */
export const MAX_PAGE = 1000;
export const DEFAULT_PAGE = 50;

/** A hash as the index keys it, or InvalidArgumentError. */
export function checkSha256(value: unknown): string {
  if (typeof value !== 'string' || !SHA256_HEX.test(value.toLowerCase())) {
    throw new InvalidArgumentError('sha256 must be 64 hexadecimal characters');
  }
  return value.toLowerCase();
}

/** A list query with its defaults filled in, or InvalidArgumentError. */
export function checkListQuery(q: ListQuery): Required<ListQuery> {
  const query = q.query ?? '';
  if (query.length > MAX_QUERY_LENGTH) {
    throw new InvalidArgumentError(`query is longer than ${MAX_QUERY_LENGTH} characters`);
  }
  const limit = q.limit ?? DEFAULT_PAGE;
  const offset = q.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new InvalidArgumentError(`limit must be an integer from 1 to ${MAX_PAGE}`);
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw new InvalidArgumentError('offset must be a non-negative integer');
  }
  return { query, limit, offset };
}

/**
 * Bytes [start, last] (inclusive) of a file of `size` bytes; `last` is
 * start - 1 for an empty range. RangeNotSatisfiableError outside the file.
 */
export function checkRange(size: number, start: number, end: number | undefined): number {
  const last = end ?? size - 1;
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(last) ||
    start < 0 ||
    last < start - 1
  ) {
    throw new RangeNotSatisfiableError(`range ${start}-${last} is not valid`, size);
  }
  if (last >= size || (start >= size && size > 0)) {
    throw new RangeNotSatisfiableError(
      `range ${start}-${last} is outside the file (${size} bytes)`,
      size,
    );
  }
  return last;
}
