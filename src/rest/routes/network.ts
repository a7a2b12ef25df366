// The overlay around this peer as a picture needs it: neighbors with their
// round-trip times, and the peers each neighbor reports (GetPeers).
import { z } from 'zod';
import type { Core } from '../../core.js';
import type { NetworkMap } from '../../overlay/network-map.js';
import { defineRoute, json, type Route } from '../route-table.js';
import { NeighborSchema, PeerInfoSchema, toNeighborJson } from '../schemas.js';

const ReportingNeighborSchema = NeighborSchema.extend({
  reported: z
    .array(PeerInfoSchema)
    .describe('The peers it reports: its own neighbors first, then healthy peers it knows'),
  error: z.string().optional().describe('Why its report is missing (GetPeers failed)'),
}).meta({ id: 'ReportingNeighbor' });

export const NetworkMapSchema = z
  .object({
    self: PeerInfoSchema,
    neighbors: z.array(ReportingNeighborSchema),
    atMs: z.number().describe('When the reports were gathered, ms since epoch'),
  })
  .meta({ id: 'NetworkMap' });

function toNetworkMapJson(map: NetworkMap): z.output<typeof NetworkMapSchema> {
  return {
    self: { ...map.self },
    atMs: map.atMs,
    neighbors: map.neighbors.map((n) => ({
      ...toNeighborJson(n),
      reported: n.reported.map((p) => ({ ...p })),
      ...(n.error !== undefined ? { error: n.error } : {}),
    })),
  };
}

export function networkRoutes(core: Core): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/network',
      operationId: 'getNetworkMap',
      tag: 'peers',
      summary: 'This peer, its neighbors and the peers they report: a map of the overlay',
      description:
        'Asks each neighbor for its peers (GetPeers, with a deadline); the reports are reused ' +
        'for a few seconds while the neighbors stay the same, round-trip times are always ' +
        'current. A neighbor that did not answer has `error` and no `reported` peers.',
      responses: { 200: json('The map', NetworkMapSchema) },
      handler: async () => toNetworkMapJson(await core.overlay.networkMap()),
    }),
  ];
}
