// This peer's neighbors: list, connect, disconnect.
import { z } from 'zod';
import type { Core } from '../../core.js';
import { PEER_ID_PATTERN } from '../../config/schema.js';
import { defineRoute, json, problem, type Route } from '../route-table.js';
import { NeighborListSchema, NeighborSchema, toNeighborJson } from '../schemas.js';

const ConnectBody = z.strictObject({
  address: z.string().describe('gRPC address of the peer to join, host:port'),
});

const ById = z.strictObject({
  id: z.string().regex(PEER_ID_PATTERN, 'must be 1-64 characters of A-Z a-z 0-9 _ -'),
});

export function peerRoutes(core: Core): Route[] {
  const { overlay } = core;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/peers',
      operationId: 'listPeers',
      tag: 'peers',
      summary: 'Neighbors, with their state and last round-trip time',
      responses: { 200: json('The neighbors, oldest first', NeighborListSchema) },
      handler: () => ({ peers: overlay.neighbors().map(toNeighborJson) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/peers',
      operationId: 'connectPeer',
      tag: 'peers',
      summary: 'Join the peer at an address as a neighbor',
      description:
        'Answers once the peer accepted. A refusal says why: this peer itself (400), the same ' +
        'id as this peer or a neighbor (409), unreachable, full, not a p2pd peer or another ' +
        'protocol version (503).',
      body: ConnectBody,
      responses: {
        201: json('The new neighbor (or the existing one at that address)', NeighborSchema),
        400: problem('A malformed address, or the address of this peer itself'),
        409: problem('The peer uses the id of this peer or of another neighbor'),
        503: problem('Unreachable, refused (full), not a p2pd peer, or an incompatible version'),
        504: problem('The peer did not answer in time'),
      },
      handler: async ({ body }, _req, res) => {
        const neighbor = await overlay.connect(body.address);
        res.status(201);
        return toNeighborJson(neighbor);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/peers/:id',
      operationId: 'disconnectPeer',
      tag: 'peers',
      summary: 'Drop a neighbor, telling it so',
      description: 'It is not accepted back for overlay.maxDialBackoffMs.',
      params: ById,
      responses: {
        204: { description: 'Dropped' },
        400: problem('A malformed id'),
        404: problem('No neighbor has this id'),
      },
      handler: async ({ params }, _req, res) => {
        await overlay.disconnect(params.id);
        res.status(204).end();
      },
    }),
  ];
}
