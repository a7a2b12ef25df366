// JSON shapes of the REST API, as zod schemas the OpenAPI document is built
// from, and the conversions from core values to them.
import { z } from 'zod';
import type { NodeStatus } from '../core.js';
import type { FileEntry } from '../index/types.js';
import type { NeighborView, NetworkHit, PeerRecord } from '../overlay/types.js';

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

export const LogStatusSchema = z
  .object({
    file: z.string().describe('The log file being written'),
    writable: z
      .boolean()
      .describe('False while writes fail (e.g. a full disk): lines are dropped meanwhile'),
    droppedLines: z.int().min(0).describe('Log lines lost since start'),
    error: z.string().optional().describe('The last write error, e.g. ENOSPC, while not writable'),
  })
  .meta({ id: 'LogStatus' });

const bytesPerSecond = z.int().min(0);

export const LimitsSchema = z
  .object({
    upload: bytesPerSecond.describe(
      'All uploads together (served Downloads, pushes), bytes/s; 0: unlimited',
    ),
    download: bytesPerSecond.describe(
      'All downloads together (fetches, pushes taken in), bytes/s; 0: unlimited',
    ),
    perPeerUpload: bytesPerSecond.describe('To one remote peer (by host), bytes/s; 0: unlimited'),
    perPeerDownload: bytesPerSecond.describe(
      'From one remote peer (by host), bytes/s; 0: unlimited',
    ),
    upRate: bytesPerSecond.describe('Bytes/s sent over the last few seconds'),
    downRate: bytesPerSecond.describe('Bytes/s received over the last few seconds'),
  })
  .meta({ id: 'Limits' });

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
    log: LogStatusSchema,
    bootstrap: z.array(
      z
        .object({
          address: z.string(),
          state: z.enum(['connected', 'pending', 'failing']),
          failures: z.int(),
          lastError: z.string(),
          nextDialMs: z.number().meta({ description: 'Epoch ms of the next dial; 0 when due' }),
        })
        .meta({ id: 'BootstrapPeer' }),
    ),
    addressSource: z.enum(['advertise', 'bind', 'route', 'observed', 'loopback']).meta({
      description:
        'Where grpcAddress came from: configured, the bound host, the route to a bootstrap peer, ' +
        'as other peers see this one, or loopback (unreachable from other hosts)',
    }),
    fingerprint: z.string().meta({
      description:
        "This peer's identity: the SHA-256 of its public key, base32 (kept in <dataDir>/identity/key.pem)",
      example: 'BGYU2CHZ3PQZ6-XVHGJ5G4Q42HD-ZB4UCTHFZBDKP-D36KAXSCQSVWA',
    }),
    network: z.string().meta({
      description:
        'public, private <id> (network.secret is set), or plaintext (grpc.plaintextPeers: no TLS between peers)',
    }),
    limits: LimitsSchema,
    reachability: z.enum(['reachable', 'unreachable', 'unknown']).meta({
      description:
        'Whether other peers can dial grpcAddress, as neighbors found by dialing it back: unreachable ' +
        'means behind NAT or a firewall (it is then reached through `via`)',
    }),
    via: z.array(z.string()).meta({
      description: 'When unreachable: the neighbors holding its Listen streams (host:port)',
    }),
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

export const PeerInfoSchema = z
  .object({
    id: z.string(),
    address: z.string().describe('Advertised gRPC address, host:port'),
    protocolVersion: z.int().describe('0 when not known (a peer only heard of)'),
    version: z.string().describe('Daemon version, informational'),
    fingerprint: z
      .string()
      .optional()
      .describe(
        "The peer's key fingerprint (its identity): proven by the peer for a neighbor, " +
          'as reported by others otherwise; absent when not known',
      ),
    reachability: z
      .enum(['reachable', 'unreachable', 'unknown'])
      .optional()
      .describe('Whether the peer can be dialed, as it advertises (absent: unknown)'),
    via: z
      .array(z.string())
      .optional()
      .describe('For an unreachable peer: neighbors of it through which it is reached'),
  })
  .meta({ id: 'PeerInfo' }) satisfies z.ZodType<PeerRecord>;

export const NeighborSchema = PeerInfoSchema.extend({
  state: z.enum(['connected', 'suspect']).describe('suspect: a ping was missed'),
  rttMs: z.int().describe('Last round-trip time, ms; -1 before the first ping'),
  sinceMs: z.number().describe('When it became a neighbor, ms since epoch'),
  direction: z.enum(['inbound', 'outbound']),
}).meta({ id: 'Neighbor' });

export type NeighborJson = z.output<typeof NeighborSchema>;

/** A neighbor as one flat object (the peer's fields, then the relationship's). */
export function toNeighborJson(n: NeighborView): NeighborJson {
  const { peer, state, rttMs, sinceMs, direction } = n;
  return { ...peer, state, rttMs, sinceMs, direction };
}

export const NeighborListSchema = z
  .object({ peers: z.array(NeighborSchema) })
  .meta({ id: 'NeighborList' });

export const NetworkHitSchema = z
  .object({
    file: FileSummarySchema,
    peer: PeerInfoSchema.describe('The peer holding the file'),
    hops: z.int().describe('Distance of that peer from this one'),
    latencyMs: z.int().describe('Since the search started'),
  })
  .meta({ id: 'NetworkHit' });

export const SearchResultSchema = z
  .object({
    queryId: z.string(),
    query: z.string(),
    ttl: z.int(),
    timeoutMs: z.int(),
    hits: z.array(NetworkHitSchema).describe('One per peer and file, in arrival order'),
    durationMs: z.int(),
  })
  .meta({ id: 'SearchResult' });

export type NetworkHitJson = z.output<typeof NetworkHitSchema>;

export function toNetworkHit(hit: NetworkHit): NetworkHitJson {
  const { sha256, names, size, mtimeMs, chunkSize } = hit.file;
  return {
    file: { sha256, names, size, mtimeMs, chunkSize },
    peer: { ...hit.peer },
    hops: hit.hops,
    latencyMs: hit.latencyMs,
  };
}
