// This daemon's status.
import type { Core } from '../../core.js';
import { defineRoute, json, type Route } from '../route-table.js';
import { StatusSchema } from '../schemas.js';

export function statusRoutes(core: Core): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/status',
      operationId: 'getStatus',
      tag: 'status',
      summary: 'Id, addresses, version, uptime and counts of this peer',
      responses: { 200: json('The status', StatusSchema) },
      handler: () => core.status(),
    }),
  ];
}
