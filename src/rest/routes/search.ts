// Network search: the aggregated result as JSON, or each hit as a
// Server-Sent Event as it arrives (`Accept: text/event-stream`).
import { z } from 'zod';
import type { Core } from '../../core.js';
import { InvalidArgumentError, toP2pError } from '../../errors.js';
import type { SearchRun } from '../../overlay/types.js';
import { problemOf } from '../problem.js';
import { defineRoute, describeIssues, json, problem, type Route } from '../route-table.js';
import { SearchResultSchema, toNetworkHit, type NetworkHitJson } from '../schemas.js';
import { openEventStream, sendEvent } from '../sse.js';

/** A whole number in [min, max] from a query string, or undefined when absent. */
function wholeNumber(name: string, raw: string | undefined, min: number, max: number) {
  if (raw === undefined) return undefined;
  const parsed = z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.int().min(min).max(max))
    .safeParse(raw);
  if (!parsed.success) {
    throw new InvalidArgumentError(describeIssues(`query.${name}`, parsed.error));
  }
  return parsed.data;
}

export function searchRoutes(core: Core): Route[] {
  const { overlay } = core;
  const { maxTtl, defaultTtl, maxTimeoutMs, defaultTimeoutMs, maxQueryLength } = core.config.search;
  // ttl and timeout_ms are checked in the handler, so that an event-stream
  // client (EventSource cannot read a 400 body) gets its problem as an event.
  const SearchQuery = z.strictObject({
    q: z
      .string()
      .optional()
      .describe(`Keywords, every one must prefix a word of a name; 1-${maxQueryLength} characters`),
    ttl: z
      .string()
      .optional()
      .meta({ type: 'integer', minimum: 0, maximum: maxTtl })
      .describe(`Hops the query travels; 0 searches this peer only (default ${defaultTtl})`),
    timeout_ms: z
      .string()
      .optional()
      .meta({ type: 'integer', minimum: 1, maximum: maxTimeoutMs })
      .describe(`How long to collect hits, ms (default ${defaultTimeoutMs})`),
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
        '`event: hit` per hit (a NetworkHit), then `event: done` (queryId, hits, durationMs); ' +
        'a bad request is then answered with one `event: problem` (a Problem) instead of a 400.',
      query: SearchQuery,
      responses: {
        200: {
          ...json('The whole result, once the search ended', SearchResultSchema),
          content: { 'text/event-stream': { type: 'string' } },
        },
        400: problem('An empty or too long query, a TTL or timeout out of range'),
      },
      handler: async ({ query }, req, res) => {
        const stream =
          req.accepts(['application/json', 'text/event-stream']) === 'text/event-stream';
        const stopped = new AbortController();
        res.on('close', () => {
          if (!res.writableEnded) stopped.abort();
        });
        let run: SearchRun;
        try {
          run = overlay.search(query.q ?? '', {
            ttl: wholeNumber('ttl', query.ttl, 0, maxTtl),
            timeoutMs: wholeNumber('timeout_ms', query.timeout_ms, 1, maxTimeoutMs),
            signal: stopped.signal,
          });
        } catch (err) {
          if (!stream) throw err;
          openEventStream(res);
          await sendEvent(res, 'problem', problemOf(toP2pError(err)));
          res.end();
          return undefined;
        }
        const started = performance.now();
        const head = {
          queryId: run.queryId,
          query: (query.q ?? '').trim(),
          ttl: run.ttl,
          timeoutMs: run.timeoutMs,
        };
        if (!stream) {
          const hits: NetworkHitJson[] = [];
          for await (const hit of run) hits.push(toNetworkHit(hit));
          return { ...head, hits, durationMs: Math.round(performance.now() - started) };
        }
        openEventStream(res);
        await sendEvent(res, 'started', head);
        let hits = 0;
        try {
          for await (const hit of run) {
            hits++;
            await sendEvent(res, 'hit', toNetworkHit(hit));
          }
          const durationMs = Math.round(performance.now() - started);
          await sendEvent(res, 'done', { queryId: run.queryId, hits, durationMs });
        } catch (err) {
          await sendEvent(res, 'problem', problemOf(toP2pError(err)));
        }
        res.end();
        return undefined;
      },
    }),
  ];
}
