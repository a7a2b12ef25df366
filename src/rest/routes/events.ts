// The event bus as Server-Sent Events: one subscriber among NATS and WatchEvents.
import { once } from 'node:events';
import type { Response } from 'express';
import { z } from 'zod';
import type { Core } from '../../core.js';
import { buildAsyncApi } from '../../events/asyncapi.js';
import { parseAfterId, parseTypeFilters, watchEvents } from '../../events/watch.js';
import { defineRoute, problem, type Route } from '../route-table.js';

/** Comments that keep proxies from closing an idle stream and reveal a dead client. */
const HEARTBEAT_MS = 15_000;

const EventsQuery = z.strictObject({
  types: z
    .union([z.string().max(2000), z.array(z.string().max(2000)).max(32)])
    .optional()
    .describe('Filters, comma-separated or repeated: file.added, download.*, peer.>, *.completed'),
  after: z
    .string()
    .optional()
    .describe('Resume after this event id, like the Last-Event-ID header (which wins)'),
});

/** Writes one chunk, waiting for the socket when the client reads slowly. */
async function write(res: Response, chunk: string): Promise<void> {
  if (res.write(chunk)) return;
  await Promise.race([once(res, 'drain'), once(res, 'close')]);
}

export function eventRoutes(core: Core): Route[] {
  let asyncApi: Record<string, unknown> | undefined;
  const url = core.config.nats.url;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/asyncapi.json',
      operationId: 'asyncapi',
      tag: 'events',
      summary: 'The NATS side: subjects, the envelope and every event type (AsyncAPI 3)',
      responses: {
        200: {
          description: 'The AsyncAPI document',
          content: { 'application/json': { type: 'object' } },
        },
      },
      handler: () =>
        (asyncApi ??= buildAsyncApi({
          version: core.status().version,
          servers: url === undefined ? [] : typeof url === 'string' ? [url] : url,
        })),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/events',
      operationId: 'watchEvents',
      tag: 'events',
      summary: 'Every event as it happens (Server-Sent Events), the envelopes NATS carries',
      description:
        'Each message is `id: <event id>` and `data: <envelope JSON>` ({id, type, time, peer, ' +
        'data}). A client that reconnects with `Last-Event-ID` gets what it missed from the ' +
        'bounded in-memory history (the last 1000 events), then live events. A `: watching` ' +
        'comment marks the moment the stream is subscribed. The stream ends after ' +
        '`daemon.stopping`; a reader that falls too far behind is cut and should reconnect.',
      query: EventsQuery,
      responses: {
        200: {
          description: 'An endless event stream',
          content: { 'text/event-stream': { type: 'string' } },
        },
        400: problem('A malformed filter, one that matches no event type, or a bad event id'),
      },
      handler: async ({ query }, req, res) => {
        const types = parseTypeFilters(query.types);
        const afterId = parseAfterId(
          req.get('Last-Event-ID') ?? query.after,
          'Last-Event-ID (or after)',
        );
        res.status(200).set({
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-cache, no-transform',
          'X-Accel-Buffering': 'no',
        });
        res.flushHeaders();
        const abort = new AbortController();
        res.once('close', () => abort.abort());
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
        try {
          const watch = watchEvents(core.events, {
            types,
            afterId,
            signal: abort.signal,
            onSubscribed: () => res.write(': watching\n\n'),
          });
          for await (const event of watch) {
            await write(res, `id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`);
          }
        } finally {
          clearInterval(heartbeat);
        }
        res.end();
      },
    }),
  ];
}
