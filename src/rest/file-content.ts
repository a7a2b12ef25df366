// A shared file's bytes over HTTP: conditional requests on the content hash,
// single byte ranges, HEAD, and headers that keep a browser from running
// what a peer shared.
import { basename, extname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { RangeNotSatisfiableError } from '../errors.js';
import type { FileIndex } from '../index/file-index.js';
import { ifNoneMatchHits, ifRangeMatches, parseRange } from './http-conditions.js';

/** `inline` with an ASCII fallback and the exact UTF-8 name (RFC 6266 / 8187). */
export function contentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const exact = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `inline; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

export async function sendFileContent(
  index: FileIndex,
  sha256: string,
  req: Request,
  res: Response,
): Promise<void> {
  const entry = index.require(sha256);
  // The hash is the content, so it is a strong validator as is.
  const etag = `"${entry.sha256}"`;
  res.setHeader('ETag', etag);
  res.setHeader('Accept-Ranges', 'bytes');
  if (ifNoneMatchHits(req.get('If-None-Match'), etag)) {
    res.status(304).end();
    return;
  }
  const range = ifRangeMatches(req.get('If-Range'), etag)
    ? parseRange(req.get('Range'), entry.size)
    : ({ kind: 'full' } as const);
  if (range.kind === 'unsatisfiable') {
    throw new RangeNotSatisfiableError(
      `${req.get('Range')} is outside the file (${entry.size} bytes)`,
      entry.size,
    );
  }
  const { start, end } = range.kind === 'partial' ? range : { start: 0, end: entry.size - 1 };
  // Opened before the representation headers are set, so a file gone since
  // it was indexed is a clean 404 problem.
  const opened =
    req.method === 'HEAD' ? undefined : await index.openRange(entry.sha256, start, end);
  const name = entry.names[0]!;
  res.type(extname(name) || 'application/octet-stream');
  res.setHeader('Content-Disposition', contentDisposition(basename(name)));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', 'sandbox');
  if (range.kind === 'partial') {
    res.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${entry.size}`);
  }
  res.setHeader('Content-Length', end - start + 1);
  if (!opened) {
    res.end();
    return;
  }
  try {
    await pipeline(opened.stream, res);
  } catch (err) {
    // The client hung up: nothing to answer. A read error propagates, and
    // the error handler cuts the connection so the body is seen as short.
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
  }
}
