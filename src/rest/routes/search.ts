// Network search: the aggregated result as JSON, or each hit as a
// Server-Sent Event as it arrives (`Accept: text/event-stream`).
import type { Response } from 'express';
import { z } from 'zod';
import type { Core } from '../../core.js';
import { defineRoute, json, problem, type Route } from '../route-table.js';
import { SearchResultSchema, toNetworkHit, type NetworkHitJson } from '../schemas.js';

/** An optional integer query parameter in [min, max]: plain decimal digits only. */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.int().min(min).max(max))
    .optional();

/** Writes one SSE event, waiting for the socket to drain so a slow reader bounds memory. */
async function sendEvent(res: Response, event: string, data: unknown): Promise<void> {
  if (res.destroyed || res.writableEnded) return; // the client went away
  if (res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export function searchRoutes(core: Core): Route[] {
  const { overlay } = core;
  const { maxTtl, defaultTtl, maxTimeoutMs, defaultTimeoutMs, maxQueryLength } = core.config.search;
  const SearchQuery = z.strictObject({
    q: z
      .string()
      .optional()
      .describe(`Keywords, every one must prefix a word of a name; 1-${maxQueryLength} characters`),
    ttl: wholeNumber(0, maxTtl).describe(
      `Hops the query travels, 0-${maxTtl}; 0 searches this peer only (default ${defaultTtl})`,
    ),
    timeout_ms: wholeNumber(1, maxTimeoutMs).describe(
      `How long to collect hits, 1-${maxTimeoutMs} ms (default ${defaultTimeoutMs})`,
    ),
  });
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/search',
      operationId: 'searchNetwork',
      tag: 'search',
      summary: 'Search every peer within the TTL for files matching the keywords',
      description:
        'Hits are deduplicated by peer and file. With `Accept: text/event-stream` each hit is ' +
        'sent as it arrives: an `event: started` (queryId, query, ttl, timeoutMs), one ' +
        '`event: hit` per hit (a NetworkHit), then `event: done` (queryId, hits, durationMs).',
      query: SearchQuery,
      responses: {
        200: {
          ...json('The whole result, once the search ended', SearchResultSchema),
          content: { 'text/event-stream': { type: 'string' } },
        },
        400: problem('An empty or too long query, a TTL or timeout out of range'),
      },
      handler: async ({ query }, req, res) => {
        const stopped = new AbortController();
        res.on('close', () => {
          if (!res.writableEnded) stopped.abort();
        });
        // Validated here, so a bad request is a 400 before any event is sent.
        const run = overlay.search(query.q ?? '', {
          ttl: query.ttl,
          timeoutMs: query.timeout_ms,
          signal: stopped.signal,
        });
        const started = performance.now();
        const head = { queryId: run.queryId, query: (query.q ?? '').trim(), ttl: run.ttl };
        if (req.accepts(['application/json', 'text/event-stream']) === 'text/event-stream') {
          res.status(200).set({
            'Content-Type': 'text/event-stream; charset=utf-8',
            'Cache-Control': 'no-store',
            'X-Accel-Buffering': 'no',
          });
          res.flushHeaders();
          await sendEvent(res, 'started', { ...head, timeoutMs: run.timeoutMs });
          let hits = 0;
          for await (const hit of run) {
            hits++;
            await sendEvent(res, 'hit', toNetworkHit(hit));
          }
          const durationMs = Math.round(performance.now() - started);
          await sendEvent(res, 'done', { queryId: run.queryId, hits, durationMs });
          res.end();
          return undefined;
        }
        const hits: NetworkHitJson[] = [];
        for await (const hit of run) hits.push(toNetworkHit(hit));
        const durationMs = Math.round(performance.now() - started);
        return { ...head, timeoutMs: run.timeoutMs, hits, durationMs };
      },
    }),
  ];
}
