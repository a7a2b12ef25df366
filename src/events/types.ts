// Every event type the daemon emits, declared once with its payload: the TypeScript
// types and the AsyncAPI document both come from these schemas. NATS, SSE and
// WatchEvents all carry these as envelopes.
import { z } from 'zod';

const sha256 = z.string().describe('Hex SHA-256 of the content: the identity of a file');
const bytes = z.int().min(0);

const FileEventData = z.object({
  sha256,
  name: z.string().describe('Relative POSIX path in the shared folder'),
  size: bytes,
});

const PeerEventData = z.object({
  peerId: z.string().describe('The neighbor'),
  address: z.string().describe('Its gRPC address, host:port'),
  reason: z.string().optional().describe('Why it left or failed'),
});

const TransferRef = z.object({
  transferId: z.string().describe('The transfer, as GET /api/v1/transfers/:id names it'),
  sha256,
});

/** Each type: what it means (the AsyncAPI summary) and its `data`. */
export const EVENT_DATA = {
  'daemon.started': z
    .object({
      version: z.string(),
      grpcAddress: z.string().describe('The address other peers dial'),
      restAddress: z.string(),
    })
    .describe('The daemon is up. Always its first event: the events of startup follow it'),
  'daemon.stopping': z
    .object({ reason: z.string() })
    .describe('The daemon is shutting down; its last event'),
  'peer.joined': PeerEventData.extend({
    direction: z.enum(['inbound', 'outbound']).describe('Who dialled whom'),
  }).describe('A neighbor was added'),
  'peer.left': PeerEventData.describe('A neighbor said goodbye or was disconnected'),
  'peer.failed': PeerEventData.describe('A neighbor stopped answering and was dropped'),
  'reachability.changed': z
    .object({
      reachability: z
        .enum(['reachable', 'unreachable', 'unknown'])
        .describe(
          "Whether other peers can dial this peer's address, as neighbors' dial-backs found",
        ),
      previous: z.enum(['reachable', 'unreachable', 'unknown']),
      address: z.string().describe('The address that was dialled back'),
      via: z
        .array(z.string())
        .describe(
          'When unreachable: neighbors holding its Listen streams, through which it is reached',
        ),
    })
    .describe('This peer found out whether it can be dialed (it is behind NAT, or no longer)'),
  'file.added': FileEventData.describe('A file appeared in the share'),
  'file.changed': FileEventData.extend({ previousSha256: sha256 }).describe(
    'A file in the share has new content',
  ),
  'file.removed': FileEventData.describe('A file left the share'),
  'index.scanned': z
    .object({
      files: bytes,
      bytes,
      hashedBytes: bytes.describe('Bytes read and hashed (the rest came from the cache)'),
      durationMs: z.number().min(0),
    })
    .describe('A full scan of the share finished'),
  'search.completed': z
    .object({
      queryId: z.string(),
      query: z.string(),
      hits: bytes,
      durationMs: z.number().min(0),
    })
    .describe('A search this peer started is over'),
  'search.served': z
    .object({
      queryId: z.string(),
      query: z.string(),
      origin: z.string().describe('The peer that started the search'),
      from: z.string().describe('The neighbor it came from'),
      hits: bytes.describe('Hits from this peer'),
      hops: bytes,
    })
    .describe('This peer answered a search (once per query)'),
  'download.started': TransferRef.extend({ name: z.string(), size: bytes }).describe(
    'A fetch began',
  ),
  'download.progress': TransferRef.extend({
    bytesDone: bytes,
    size: bytes,
    rateBps: z.number().min(0),
  }).describe('A fetch moved on (at most a few per second; the first dropped when NATS is away)'),
  'download.completed': TransferRef.extend({ name: z.string(), size: bytes }).describe(
    'A fetch is verified and in place',
  ),
  'download.failed': TransferRef.extend({ reason: z.string() }).describe(
    'A fetch failed or was cancelled',
  ),
  'upload.received': FileEventData.extend({
    from: z.string().describe('The peer that pushed it'),
  }).describe('A file pushed by another peer landed here'),
  'upload.sent': FileEventData.extend({
    to: z.string().describe('The peer it went to'),
  }).describe('A push to another peer completed'),
  'limits.changed': z
    .object({
      upload: bytes.describe('All uploads together, bytes/s; 0: unlimited'),
      download: bytes.describe('All downloads together, bytes/s; 0: unlimited'),
      perPeerUpload: bytes.describe('To one remote peer, bytes/s; 0: unlimited'),
      perPeerDownload: bytes.describe('From one remote peer, bytes/s; 0: unlimited'),
    })
    .describe('The bandwidth limits were changed while the daemon runs (REST, ControlService)'),
} as const;

export type EventType = keyof typeof EVENT_DATA;

export type EventPayloads = { [K in EventType]: z.infer<(typeof EVENT_DATA)[K]> };

interface Envelope<T extends EventType> {
  /**
   * Unique across peers, sortable in emission order per peer: a subscriber that may see
   * an event twice (a retried publish) drops repeats by it.
   */
  id: string;
  type: T;
  /** RFC 3339 time of emission. */
  time: string;
  /** Id of the peer that emitted it. */
  peer: string;
  data: EventPayloads[T];
}

/** One event; without a type argument, a union that narrows `data` on `type`. */
export type EventEnvelope<T extends EventType = EventType> = { [K in T]: Envelope<K> }[T];

export const EVENT_TYPES = Object.keys(EVENT_DATA) as readonly EventType[];
