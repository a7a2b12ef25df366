// Liveness, Prometheus metrics, the API description and the front page.
import { join } from 'node:path';
import type { Core } from '../../core.js';
import { UI_STATIC } from '../ui-assets.js';
import { defineRoute, type Route, type SchemaObject } from '../route-table.js';

const TEXT = { type: 'string' };

/** `describe()` builds the OpenAPI document of every mounted route (this one included). */
export function opsRoutes(core: Core, describe: () => SchemaObject): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'health',
      tag: 'ops',
      summary: 'Liveness; open without a token',
      responses: {
        200: { description: 'Alive', content: { 'application/json': { type: 'object' } } },
      },
      handler: () => ({ status: 'ok' }),
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      tag: 'ops',
      summary: 'Prometheus metrics of this daemon',
      responses: {
        200: { description: 'Text exposition format', content: { 'text/plain': TEXT } },
      },
      handler: async (_input, _req, res) => {
        const { registry } = core.metrics;
        res.type(registry.contentType).send(await registry.metrics());
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/openapi.json',
      operationId: 'openapi',
      tag: 'ops',
      summary: 'This document (OpenAPI 3.1)',
      responses: {
        200: {
          description: 'The API description',
          content: { 'application/json': { type: 'object' } },
        },
      },
      handler: () => describe(),
    }),
    defineRoute({
      method: 'get',
      path: '/',
      operationId: 'home',
      tag: 'ops',
      summary: 'The web UI (built only on this API and its event stream)',
      responses: { 200: { description: 'HTML', content: { 'text/html': TEXT } } },
      handler: (_input, _req, res) => {
        res.sendFile(join(UI_STATIC, 'index.html'));
      },
    }),
  ];
}
