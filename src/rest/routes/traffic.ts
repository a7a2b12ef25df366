// Samples of what this peer is moving, for live charts: byte counters (total,
// per peer), running transfers and neighbor round-trip times. As JSON once,
// or with `Accept: text/event-stream` one sample per interval until the
// client goes away: a page that is hidden closes the stream and costs nothing.
import { z } from 'zod';
import type { Core } from '../../core.js';
import { TERMINAL_STATES } from '../../transfer/types.js';
import { defineRoute, json, problem, queryInt, type Route } from '../route-table.js';
import { openEventStream, sendEvent } from '../sse.js';

const PeerTrafficSchema = z
  .object({
    peerId: z.string().describe('Peer id when known, else empty'),
    address: z.string(),
    upBytes: z.int().describe('Bytes pushed to it'),
    downBytes: z.int().describe('Verified bytes fetched from it'),
  })
  .meta({ id: 'PeerTraffic' });

export const TrafficSampleSchema = z
  .object({
    atMs: z.number().describe('When the sample was taken, ms since epoch'),
    upBytes: z.int().describe('Bytes sent since start: Download streams served and pushes'),
    downBytes: z.int().describe('Verified bytes fetched since start'),
    peers: z.array(PeerTrafficSchema).describe('Counters per remote peer'),
    transfers: z
      .array(
        z.object({
          id: z.string(),
          kind: z.enum(['fetch', 'push']),
          name: z.string(),
          bytesDone: z.int(),
          rateBps: z.number(),
        }),
      )
      .describe('Transfers running or queued'),
    neighbors: z
      .array(z.object({ id: z.string(), rttMs: z.int().describe('-1 before the first ping') }))
      .describe('Round-trip time of each neighbor'),
  })
  .meta({ id: 'TrafficSample' });

type TrafficSample = z.output<typeof TrafficSampleSchema>;

const TrafficQuery = z.strictObject({
  interval_ms: queryInt(250, 60_000, 1000).describe(
    'With text/event-stream: ms between samples (250-60000, default 1000)',
  ),
});

function sample(core: Core): TrafficSample {
  const { upBytes, downBytes, peers } = core.transfers.traffic.totals();
  return {
    atMs: Date.now(),
    upBytes,
    downBytes,
    peers,
    transfers: core.transfers
      .list()
      .filter((t) => !TERMINAL_STATES.has(t.state))
      .map(({ id, kind, name, bytesDone, rateBps }) => ({ id, kind, name, bytesDone, rateBps })),
    neighbors: core.overlay.neighbors().map((n) => ({ id: n.peer.id, rttMs: n.rttMs })),
  };
}

export function trafficRoutes(core: Core): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/traffic',
      operationId: 'sampleTraffic',
      tag: 'transfers',
      summary: 'Byte counters, running transfers and neighbor round-trip times, for charts',
      description:
        'Counters only grow; a rate is the difference of two samples over their time apart. ' +
        'With `Accept: text/event-stream`, an `event: sample` (a TrafficSample) at once and ' +
        'then every `interval_ms` until the client closes the stream.',
      query: TrafficQuery,
      responses: {
        200: {
          ...json('One sample', TrafficSampleSchema),
          content: { 'text/event-stream': { type: 'string' } },
        },
        400: problem('interval_ms out of range'),
      },
      handler: async ({ query }, req, res) => {
        if (req.accepts(['application/json', 'text/event-stream']) !== 'text/event-stream') {
          return sample(core);
        }
        openEventStream(res);
        const closed = new Promise<void>((resolve) => res.once('close', resolve));
        let open = true;
        void closed.then(() => (open = false));
        while (open) {
          await sendEvent(res, 'sample', sample(core));
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            closed,
            new Promise<void>((resolve) => (timer = setTimeout(resolve, query.interval_ms))),
          ]);
          clearTimeout(timer);
        }
        res.end();
        return undefined;
      },
    }),
  ];
}
