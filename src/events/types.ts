// Every event type the daemon emits, declared once with its payload.
// NATS, SSE and WatchEvents all carry these as envelopes.

export interface FileEventData {
  sha256: string;
  name: string;
  size: number;
}

export interface PeerEventData {
  peerId: string;
  address: string;
  reason?: string;
}

export interface EventPayloads {
  'daemon.started': { version: string; grpcAddress: string; restAddress: string };
  'daemon.stopping': { reason: string };
  'peer.joined': PeerEventData & { direction: 'inbound' | 'outbound' };
  'peer.left': PeerEventData;
  'peer.failed': PeerEventData;
  'file.added': FileEventData;
  'file.changed': FileEventData & { previousSha256: string };
  'file.removed': FileEventData;
  'index.scanned': { files: number; bytes: number; hashedBytes: number; durationMs: number };
  'search.completed': { queryId: string; query: string; hits: number; durationMs: number };
  /** Once per query per peer that processes it; `from` is the neighbor it came from. */
  'search.served': {
    queryId: string;
    query: string;
    origin: string;
    from: string;
    hits: number;
    hops: number;
  };
  'download.started': { transferId: string; sha256: string; name: string; size: number };
  'download.progress': {
    transferId: string;
    sha256: string;
    bytesDone: number;
    size: number;
    rateBps: number;
  };
  'download.completed': { transferId: string; sha256: string; name: string; size: number };
  'download.failed': { transferId: string; sha256: string; reason: string };
  'upload.received': { sha256: string; name: string; size: number; from: string };
  'upload.sent': { sha256: string; name: string; size: number; to: string };
}

export type EventType = keyof EventPayloads;

interface Envelope<T extends EventType> {
  /** Unique per peer and sortable: later events have larger ids. */
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

export const EVENT_TYPES: readonly EventType[] = [
  'daemon.started',
  'daemon.stopping',
  'peer.joined',
  'peer.left',
  'peer.failed',
  'file.added',
  'file.changed',
  'file.removed',
  'index.scanned',
  'search.completed',
  'search.served',
  'download.started',
  'download.progress',
  'download.completed',
  'download.failed',
  'upload.received',
  'upload.sent',
];
