// The route table's request validation, on a bare app: the mechanism later
// routes (peers, transfers, pushes) rely on for JSON bodies.
import { expect } from 'chai';
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { z } from 'zod';
import { buildOpenApi } from '../../src/rest/openapi.js';
import { notFound, problemHandler } from '../../src/rest/problem.js';
import { defineRoute, json, mountRoutes } from '../../src/rest/route-table.js';
import { expectProblem, http } from '../fixtures/http.js';

const Connect = z.strictObject({
  address: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port'),
  tags: z.array(z.string()).max(3).optional(),
});
const Connected = z.object({ connected: z.string(), tags: z.array(z.string()) });

const routes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/things/:id',
    operationId: 'connectThing',
    tag: 'test',
    summary: 'Echoes a validated JSON body',
    params: z.strictObject({ id: z.string().regex(/^\d+$/) }),
    body: Connect,
    bodyLimit: 1024,
    responses: { 200: json('Echo', Connected) },
    handler: ({ params, body }) => ({
      connected: `${params.id}@${body.address}`,
      tags: body.tags ?? [],
    }),
  }),
];

describe('REST route table', () => {
  let server: Server;
  let url: string;
  const post = (body: string, type = 'application/json', path = '/api/v1/things/7') =>
    http(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': type }, body });

  before(async () => {
    const app = express();
    mountRoutes(app, routes);
    app.use(notFound);
    app.use(problemHandler(pino({ level: 'silent' })));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('hands the handler the parsed, validated body and params', async () => {
    const res = await post(JSON.stringify({ address: 'peer.example:50051', tags: ['a'] }));
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ connected: '7@peer.example:50051', tags: ['a'] });
  });

  it('answers invalid JSON with a 400 problem', async () => {
    await expectProblem(await post('{"address": '), 400, 'INVALID_ARGUMENT');
    await expectProblem(await post(''), 400, 'INVALID_ARGUMENT');
  });

  it('answers a body failing the schema with a 400 naming the field', async () => {
    const wrong = await expectProblem(await post(JSON.stringify({ address: 'nope' })), 400);
    expect(wrong.detail).to.include('body.address').and.include('host:port');
    const extra = await expectProblem(
      await post(JSON.stringify({ address: 'a:1', admin: true })),
      400,
    );
    expect(extra.detail).to.include('admin');
    const many = await expectProblem(
      await post(JSON.stringify({ address: 'a:1', tags: ['1', '2', '3', '4'] })),
      400,
    );
    expect(many.detail).to.include('body.tags');
    await expectProblem(await post('[1,2]'), 400);
    await expectProblem(await post('null'), 400);
  });

  it('answers a non-JSON body with 400, a bad path parameter with 400 naming it', async () => {
    await expectProblem(await post('address=a:1', 'application/x-www-form-urlencoded'), 400);
    const bad = await expectProblem(
      await post(JSON.stringify({ address: 'a:1' }), 'application/json', '/api/v1/things/x'),
      400,
    );
    expect(bad.detail).to.include('path.id');
  });

  it('answers a JSON body over the limit with 413', async () => {
    const big = JSON.stringify({ address: 'a:1', pad: 'x'.repeat(2000) });
    await expectProblem(await post(big), 413, 'TOO_LARGE');
  });

  it('documents the JSON body from the same schema', () => {
    const doc = buildOpenApi(routes, {
      title: 't',
      version: '1.0.0',
      description: 'd',
      bearer: false,
    });
    const op = (doc.paths as Record<string, Record<string, Record<string, unknown>>>)[
      '/api/v1/things/{id}'
    ]!.post!;
    expect(op.requestBody).to.deep.equal({
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: {
              address: { type: 'string', pattern: '^[^\\s:]+:\\d{1,5}$' },
              tags: { type: 'array', maxItems: 3, items: { type: 'string' } },
            },
            required: ['address'],
            additionalProperties: false,
          },
        },
      },
    });
  });
});
