// Conditional and range requests (RFC 9110 §13, §14) for one representation
// of a known size and strong ETag. Multiple satisfiable ranges are answered
// with the whole body (200), which the RFC allows; it keeps the server free
// of multipart/byteranges.

export type RangeAnswer =
  /** No usable Range (absent, another unit, malformed, or several ranges): send it all. */
  | { kind: 'full' }
  /** 206 with these inclusive bounds. */
  | { kind: 'partial'; start: number; end: number }
  /** 416 with `Content-Range: bytes * /size`. */
  | { kind: 'unsatisfiable' };

const SPEC = /^(\d*)-(\d*)$/;

export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return { kind: 'full' };
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'full' };
  const satisfiable: { start: number; end: number }[] = [];
  let specs = 0;
  for (const raw of header.slice(eq + 1).split(',')) {
    const spec = raw.trim();
    if (spec === '') continue; // the list syntax allows empty elements
    specs++;
    const m = SPEC.exec(spec);
    if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
    // Digits beyond 2^53 lose precision but stay huge, which is all that matters here.
    const first = m[1] === '' ? undefined : Number(m[1]);
    const last = m[2] === '' ? undefined : Number(m[2]);
    if (first === undefined) {
      // Suffix range: the last `last` bytes.
      if (last! > 0 && size > 0)
        satisfiable.push({ start: Math.max(0, size - last!), end: size - 1 });
      else if (last! > 0) return { kind: 'full' }; // an empty body is all of it
      continue;
    }
    if (last !== undefined && last < first) return { kind: 'full' }; // invalid: ignore the header
    if (first < size) satisfiable.push({ start: first, end: Math.min(last ?? size - 1, size - 1) });
  }
  if (specs === 0) return { kind: 'full' };
  if (satisfiable.length === 0) return { kind: 'unsatisfiable' };
  if (satisfiable.length > 1) return { kind: 'full' };
  return { kind: 'partial', ...satisfiable[0]! };
}

/**
 * Whether `If-None-Match` lists the ETag (weak comparison) or is `*`: then
 * the answer is 304. Evaluated here rather than with Express's `req.fresh`,
 * which ignores it when the request says `Cache-Control: no-cache`, as
 * fetch() does for every conditional request.
 */
export function ifNoneMatchHits(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return (ifNoneMatch.match(/(?:W\/)?"[^"]*"/g) ?? []).some(
    (tag) => tag.replace(/^W\//, '') === opaque,
  );
}

/**
 * Whether an `If-Range` validator lets the Range apply: only our strong ETag
 * does; a date cannot match since no Last-Modified is sent.
 */
export function ifRangeMatches(ifRange: string | undefined, etag: string): boolean {
  return ifRange === undefined || ifRange.trim() === etag;
}
