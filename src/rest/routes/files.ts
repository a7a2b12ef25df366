// The local index: list, metadata, content, and adding a file to the share.
import { z } from 'zod';
import type { Core } from '../../core.js';
import { DEFAULT_PAGE, MAX_PAGE, MAX_QUERY_LENGTH } from '../../index/file-index.js';
import { sendFileContent } from '../file-content.js';
import { defineRoute, json, problem, queryInt, type Route } from '../route-table.js';
import {
  AddedFileSchema,
  FileDetailSchema,
  FileListSchema,
  Sha256Schema,
  toFileDetail,
  toFileSummary,
} from '../schemas.js';
import { refuseFormBody } from '../request-guard.js';
import { receiveUpload } from '../upload-body.js';

const ListQuery = z.strictObject({
  q: z
    .string()
    .max(MAX_QUERY_LENGTH)
    .optional()
    .describe('Keywords; each must prefix a word of a name (case- and accent-insensitive)'),
  // 0 is the default, as in gRPC, where an unset limit cannot be told from 0.
  limit: queryInt(0, MAX_PAGE, DEFAULT_PAGE).describe(
    `Page size, 0 means the default (${DEFAULT_PAGE})`,
  ),
  offset: queryInt(0, Number.MAX_SAFE_INTEGER, 0),
});

const ByHash = z.strictObject({ sha256: Sha256Schema });

const UploadQuery = z.strictObject({
  name: z
    .string()
    .optional()
    .describe('Relative path to store the file under; required for a raw body'),
});

const BYTES = { type: 'string', contentMediaType: 'application/octet-stream' };
/** A file's bytes are typed by its name's extension (`text/plain` for .txt), octet-stream without one. */
const FILE_BYTES = {
  'application/octet-stream': BYTES,
  '*/*': { ...BYTES, contentMediaType: '*/*' },
};

export function fileRoutes(core: Core): Route[] {
  const { index } = core;
  const maxUploadBytes = core.config.rest.maxUploadBytes;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/files',
      operationId: 'listFiles',
      tag: 'files',
      summary: 'Shared files matching every keyword, sorted by name, paged',
      query: ListQuery,
      responses: {
        200: json('A page of files (without chunk hashes)', FileListSchema),
        400: problem('A bad query, limit or offset'),
      },
      handler: ({ query }) => {
        const { q, offset } = query;
        const limit = query.limit || DEFAULT_PAGE;
        const { files, total } = index.list({ query: q, limit, offset });
        return { files: files.map(toFileSummary), total, limit, offset };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/files/:sha256',
      operationId: 'getFile',
      tag: 'files',
      summary: 'Metadata of a shared file, with its chunk hashes',
      params: ByHash,
      responses: {
        200: json('The file', FileDetailSchema),
        400: problem('A malformed hash'),
        404: problem('No shared file has this hash'),
      },
      handler: ({ params }) => toFileDetail(index.require(params.sha256)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/files/:sha256/content',
      operationId: 'getFileContent',
      tag: 'files',
      summary: 'The bytes of a shared file',
      description:
        'Supports HEAD, `If-None-Match` (the ETag is the quoted sha256), `If-Range` and a single ' +
        '`Range: bytes=` range (206). Several ranges are answered with the whole file (200); ' +
        'a range past the end gets 416 with `Content-Range: bytes */<size>`.',
      params: ByHash,
      responses: {
        200: { description: 'The whole file', content: FILE_BYTES },
        206: { description: 'The requested range', content: FILE_BYTES },
        304: { description: 'Not modified (If-None-Match)' },
        400: problem('A malformed hash'),
        404: problem('No shared file has this hash'),
        416: problem('The range is outside the file'),
      },
      handler: ({ params }, req, res) => sendFileContent(index, params.sha256, req, res),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/files',
      operationId: 'addFile',
      tag: 'files',
      summary: "Add a file to this peer's share",
      description:
        'A raw body named by `?name=`, or multipart/form-data with one file part, named by ' +
        "`?name=`, else a `name` field sent before the file, else the part's filename. " +
        'A taken name (by a file or a folder) gets " (n)" added, its stem cut to fit 255 bytes; ' +
        'nothing is ever overwritten. The same bytes again under a name that holds them are not ' +
        'stored twice: the answer is that file, 200. Folders in the name are created inside the ' +
        'share only, after resolving links.',
      query: UploadQuery,
      streamedBody: {
        description: `The file, at most ${maxUploadBytes} bytes (rest.maxUploadBytes)`,
        content: {
          'application/octet-stream': BYTES,
          'multipart/form-data': {
            type: 'object',
            properties: { name: { type: 'string' }, file: BYTES },
            required: ['file'],
          },
        },
      },
      responses: {
        200: {
          description: 'Already shared under that name (the same bytes): nothing was added',
          schema: AddedFileSchema,
        },
        201: {
          description: 'Stored and indexed',
          schema: AddedFileSchema,
          headers: {
            Location: { description: "The new file's metadata URL", schema: { type: 'string' } },
          },
        },
        400: problem('A bad name or a malformed body'),
        403: problem(
          'A body a web form could send (multipart, text/plain, urlencoded or untyped) without X-Requested-With',
        ),
        409: problem('A file is in the way of a folder the name needs'),
        413: problem(
          'The body is larger than rest.maxUploadBytes, or the name in the form is too long',
        ),
        414: problem('The ?name= is too long (1024 bytes, or 255 for one part)'),
        507: problem('No space left on the disk'),
      },
      handler: async ({ query }, req, res) => {
        refuseFormBody(req);
        const { entry, name, existing } = await receiveUpload(
          req,
          res,
          { maxBytes: maxUploadBytes, name: query.name },
          (target, source) => index.addFile(target, source, maxUploadBytes),
        );
        if (!existing) res.status(201).location(`/api/v1/files/${entry.sha256}`);
        return { name, file: toFileDetail(entry) };
      },
    }),
  ];
}
