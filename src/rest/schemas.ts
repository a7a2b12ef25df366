// JSON shapes of the REST API, as zod schemas the OpenAPI document is built
// from, and the conversions from core values to them.
import { z } from 'zod';
import type { NodeStatus } from '../core.js';
import type { FileEntry } from '../index/types.js';

export const ProblemSchema = z
  .object({
    type: z.string().describe('urn:p2pd:problem:<code>, stable per condition'),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    code: z.string().describe('The error code, e.g. NOT_FOUND'),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export const Sha256Schema = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal characters')
  .describe('Hex SHA-256 of the content: the identity of a file');

export const FileSummarySchema = z
  .object({
    sha256: z.string(),
    names: z.array(z.string()).describe('Every relative path with this content, sorted'),
    size: z.int(),
    mtimeMs: z.number().describe('Newest modification time among the names, ms since epoch'),
    chunkSize: z.int().describe('Bytes per chunk hash'),
  })
  .meta({ id: 'FileSummary' });

export const FileDetailSchema = FileSummarySchema.extend({
  chunkHashes: z.array(z.string()).describe('Hex SHA-256 of each chunk, in order'),
}).meta({ id: 'FileDetail' });

export const FileListSchema = z
  .object({
    files: z.array(FileSummarySchema),
    total: z.int().describe('Matches before paging'),
    limit: z.int(),
    offset: z.int(),
  })
  .meta({ id: 'FileList' });

export const AddedFileSchema = z
  .object({
    name: z.string().describe('The name the file was stored under (a taken name gets " (n)")'),
    file: FileDetailSchema,
  })
  .meta({ id: 'AddedFile' });

export const StatusSchema = z
  .object({
    id: z.string(),
    version: z.string(),
    grpcAddress: z.string(),
    restAddress: z.string(),
    uptimeMs: z.number(),
    peers: z.int(),
    files: z.int(),
    bytesShared: z.int(),
    sharedDir: z.string(),
    indexing: z.boolean(),
    natsState: z.enum(['disabled', 'connecting', 'connected', 'disconnected']),
  })
  .meta({ id: 'Status' }) satisfies z.ZodType<NodeStatus>;

export type FileSummary = z.output<typeof FileSummarySchema>;
export type FileDetail = z.output<typeof FileDetailSchema>;

export function toFileSummary(entry: FileEntry): FileSummary {
  const { sha256, names, size, mtimeMs, chunkSize } = entry;
  return { sha256, names, size, mtimeMs, chunkSize };
}

export function toFileDetail(entry: FileEntry): FileDetail {
  return { ...toFileSummary(entry), chunkHashes: entry.chunkHashes };
}
