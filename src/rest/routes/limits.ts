// Bandwidth limits: read them with the rates now, change them at run time.
// Parsing and checking the rates is the core's (the same words as gRPC's
// SetLimits and the config file); this only translates.
import { z } from 'zod';
import type { Core } from '../../core.js';
import { defineRoute, json, problem, type Route } from '../route-table.js';
import { LimitsSchema } from '../schemas.js';

const rate = z
  .union([z.string().max(64), z.number()])
  .describe(
    'A rate like "5MiB/s", "500KiB/s", "10Mbit/s", bytes/s as a number, or 0 / "unlimited"',
  );

const LimitsChangeSchema = z
  .strictObject({
    upload: rate.optional(),
    download: rate.optional(),
    perPeerUpload: rate.optional(),
    perPeerDownload: rate.optional(),
  })
  .meta({ id: 'LimitsChange', description: 'Fields left out stay as they are' });

export function limitRoutes(core: Core): Route[] {
  const { bandwidth } = core.transfers;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/limits',
      operationId: 'getLimits',
      tag: 'transfers',
      summary: 'The bandwidth limits in force, and the upload and download rates now',
      responses: { 200: json('The limits', LimitsSchema) },
      handler: () => bandwidth.view(),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/limits',
      operationId: 'setLimits',
      tag: 'transfers',
      summary: 'Change bandwidth limits at run time',
      description:
        'Running transfers keep to the new limits within a second. A field that is not a ' +
        'rate refuses the whole change (400, naming the field), and nothing changes. A change ' +
        'emits `limits.changed`. The config file keeps its own values for the next start.',
      body: LimitsChangeSchema,
      bodyLimit: 4096,
      responses: {
        200: json('The limits now', LimitsSchema),
        400: problem('A field is not a rate, negative, below 1 KiB/s or above 100 GiB/s'),
      },
      handler: ({ body }) => {
        bandwidth.update(body);
        return bandwidth.view();
      },
    }),
  ];
}
