// Fetches and pushes: start one (202 with its id), list them, follow one,
// cancel one. The transfer core does the work; progress is polled here (or
// followed live as download.* events on /api/v1/events).
import { z } from 'zod';
import type { Core } from '../../core.js';
import type { ChunkSourceMap, TransferSnapshot } from '../../transfer/types.js';
import { defineRoute, json, problem, type Route } from '../route-table.js';
import { Sha256Schema } from '../schemas.js';

const TransferSourceSchema = z
  .object({
    peerId: z.string().describe('Peer id when known, else empty'),
    address: z.string(),
    bytes: z.int().describe('Bytes this source delivered (less chunks of it found wrong)'),
    chunks: z.int().describe('Chunks this source delivered (less those found wrong)'),
    failed: z.boolean().describe('Dropped from this fetch (lied or kept failing)'),
    error: z.string().optional().describe('Why it was dropped'),
    partial: z.boolean().describe('Still fetching the file itself: it serves the chunks it has'),
    uploadedBytes: z
      .int()
      .describe('Bytes this peer served to that peer (any file, since the daemon started)'),
  })
  .meta({ id: 'TransferSource' });

export const TransferSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['fetch', 'push']),
    state: z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']),
    sha256: z.string().describe('Empty while a fetch by name is still searching'),
    name: z.string(),
    size: z.int(),
    bytesDone: z.int(),
    rateBps: z.number().describe('Bytes per second over the last few seconds'),
    etaMs: z.int().describe('Estimated ms to completion, -1 when unknown'),
    sources: z.array(TransferSourceSchema),
    error: z.string().describe('Why it failed, when it did'),
    path: z.string().describe('Where a fetched file landed, or what the receiver stored a push as'),
    peer: z.string().describe('Push target'),
    note: z.string().describe('What was decided on your behalf, e.g. which hash a name picked'),
    startedAt: z.number().describe('ms since epoch'),
    finishedAt: z.number().optional().describe('ms since epoch'),
  })
  .meta({ id: 'Transfer' }) satisfies z.ZodType<TransferSnapshot>;

export const ChunkSourceMapSchema = z
  .object({
    count: z.int().describe('Chunks in the file; 0 before the metadata is known, and for pushes'),
    sources: z
      .array(z.object({ peerId: z.string(), address: z.string() }))
      .describe('The sources, in the order `runs` refers to them'),
    runs: z
      .array(z.tuple([z.int(), z.int()]))
      .describe(
        'Consecutive chunks of one origin as [origin, chunks]: an index into `sources`, ' +
          '-1 not yet delivered, -2 found verified on disk (an earlier run). Counts add up to `count`.',
      ),
  })
  .meta({ id: 'ChunkSourceMap' }) satisfies z.ZodType<ChunkSourceMap>;

const TransferListSchema = z
  .object({ transfers: z.array(TransferSchema) })
  .meta({ id: 'TransferList' });

const FetchBody = z
  .strictObject({
    sha256: Sha256Schema.optional(),
    name: z.string().min(1).max(1024).optional().describe('A name to search the network for'),
    sources: z
      .array(z.string())
      .max(32)
      .optional()
      .describe('Addresses (host:port) of peers that have the file; else found by search'),
  })
  .refine((b) => b.sha256 !== undefined || b.name !== undefined, 'give a sha256 or a name')
  .meta({ id: 'FetchRequest' });

const PushBody = z
  .strictObject({
    sha256: Sha256Schema.optional(),
    name: z.string().min(1).max(1024).optional().describe('A name in this peer share'),
    peer: z.string().min(1).describe('The target: host:port, or a neighbor id'),
  })
  .refine((b) => b.sha256 !== undefined || b.name !== undefined, 'give a sha256 or a name')
  .meta({ id: 'PushRequest' });

const ById = z.strictObject({
  id: z
    .string()
    .regex(/^[fp]-[0-9a-f]{12}$/, 'must be a transfer id like f-0123456789ab')
    .describe('Transfer id'),
});

const LOCATION = {
  Location: { description: "The transfer's URL", schema: { type: 'string' } },
};

export function transferRoutes(core: Core): Route[] {
  const { transfers } = core;
  const accepted = (
    id: string,
    res: { status(n: number): unknown; location(u: string): unknown },
  ) => {
    res.status(202);
    res.location(`/api/v1/transfers/${encodeURIComponent(id)}`);
    return transfers.get(id);
  };
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/transfers',
      operationId: 'startFetch',
      tag: 'transfers',
      summary: 'Fetch a file from the network into this peer',
      description:
        'By sha256 (from the given sources, or found by network search) or by name (the hash ' +
        'most peers hold is picked, and `note` says so). The whole file is verified (and chunks: ' +
        'spot checks as they arrive, all of them if the whole fails); it lands in the download ' +
        'folder under a name that never overwrites. A fetch of a hash already under way answers ' +
        'with that transfer.',
      body: FetchBody,
      responses: {
        202: { description: 'Started (or queued)', schema: TransferSchema, headers: LOCATION },
        400: problem('A malformed hash, name or source address'),
      },
      handler: ({ body }, _req, res) => {
        const handle = transfers.fetch(body);
        return accepted(handle.id, res);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/transfers',
      operationId: 'listTransfers',
      tag: 'transfers',
      summary: 'Fetches and pushes, running and recently finished',
      responses: { 200: json('The transfers', TransferListSchema) },
      handler: () => ({ transfers: transfers.list() }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/transfers/:id',
      operationId: 'getTransfer',
      tag: 'transfers',
      summary: 'Progress of one transfer: bytes, rate, ETA, per-source counts',
      params: ById,
      responses: {
        200: json('The transfer', TransferSchema),
        400: problem('Not a transfer id (f-… or p-… and 12 hex digits)'),
        404: problem('No transfer has this id'),
      },
      handler: ({ params }) => transfers.get(params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/transfers/:id/chunks',
      operationId: 'getTransferChunks',
      tag: 'transfers',
      summary: 'Which source delivered each chunk of a fetch: a piece bar',
      params: ById,
      responses: {
        200: json('The chunk map', ChunkSourceMapSchema),
        400: problem('Not a transfer id (f-… or p-… and 12 hex digits)'),
        404: problem('No transfer has this id'),
      },
      handler: ({ params }) => transfers.chunks(params.id),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/transfers/:id',
      operationId: 'cancelTransfer',
      tag: 'transfers',
      summary: 'Cancel a transfer; a fetch loses its partial state',
      description:
        'A running transfer stops shortly after (its state turns `cancelled`); a finished one ' +
        'is left as it is.',
      params: ById,
      responses: {
        202: json('Cancelling (or already finished)', TransferSchema),
        400: problem('Not a transfer id (f-… or p-… and 12 hex digits)'),
        404: problem('No transfer has this id'),
      },
      handler: ({ params }, _req, res) => {
        const snapshot = transfers.cancel(params.id);
        res.status(202);
        return snapshot;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/pushes',
      operationId: 'startPush',
      tag: 'transfers',
      summary: 'Upload one of this peer files to another peer',
      description:
        'The receiver checks its policy (enabled, allowed peers, size, quota) before taking a ' +
        'byte, and the size and hash after; a refusal fails the transfer with its reason.',
      body: PushBody,
      responses: {
        202: { description: 'Started', schema: TransferSchema, headers: LOCATION },
        400: problem('A malformed hash, name or peer'),
        404: problem('No shared file has this hash or name, or no neighbor this id'),
      },
      handler: ({ body }, _req, res) => {
        const handle = transfers.push(body);
        return accepted(handle.id, res);
      },
    }),
  ];
}
