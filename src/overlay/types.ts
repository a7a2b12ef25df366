// What the overlay knows about peers and queries, and the transport it calls.
// Nothing here knows gRPC: src/grpc implements OverlayTransport.

/** Who a peer is and where it can be reached. */
export interface PeerRecord {
  id: string;
  /** Advertised gRPC address, host:port. */
  address: string;
  protocolVersion: number;
  /** Daemon version, informational. */
  version: string;
  /**
   * The fingerprint of the peer's key: proven by the peer itself for a neighbor,
   * as another peer reports it for an advert ('' when unknown or plaintext).
   */
  fingerprint?: string;
  /** Whether other peers can dial `address` (as the peer learned it); absent means unknown. */
  reachability?: Reachability;
  /** For an unreachable peer: dialable neighbors that can ask it to dial out (its Listen streams). */
  via?: string[];
}

/** Whether a peer's address can be dialed, as a neighbor's dial-back found. */
export type Reachability = 'reachable' | 'unreachable' | 'unknown';

export type Direction = 'inbound' | 'outbound';

/** One neighbor as ListPeers shows it. */
export interface NeighborView {
  peer: PeerRecord;
  /** `suspect` once a ping was missed, until one is answered again. */
  state: 'connected' | 'suspect';
  /** Last round-trip time, ms; -1 before the first ping. */
  rttMs: number;
  /** Epoch ms the neighbor joined. */
  sinceMs: number;
  direction: Direction;
}

/** A shared file as search hits describe it (no chunk hashes). */
export interface RemoteFile {
  sha256: string;
  names: string[];
  size: number;
  mtimeMs: number;
  chunkSize: number;
}

/** A query as it travels between peers. */
export interface SearchMessage {
  queryId: string;
  query: string;
  /** Hops left; 0 means answer locally only. */
  ttl: number;
  /** Hops travelled so far. */
  hops: number;
  origin: PeerRecord;
  /** Id of the neighbor this copy came from ('' at the origin). */
  senderId: string;
  /** Forward to every neighbor, ignoring routing tables (exhaustive, for comparison). */
  flood: boolean;
  /** Holder ids this copy is routed towards; [] = any the receiver knows (route-plan.ts). */
  targets: number[];
}

/** One hit as it travels back along the query's path. */
export interface SearchHitMessage {
  queryId: string;
  /** The peer holding the file. */
  peer: PeerRecord;
  file: RemoteFile;
  /** Distance of that peer from the origin. */
  hops: number;
}

/** A hit as the origin reports it. */
export interface NetworkHit extends SearchHitMessage {
  /** Since the search started, ms. */
  latencyMs: number;
}

export interface SearchOptions {
  /** Hops the query travels; undefined means search.defaultTtl; 0 searches this peer only. */
  ttl?: number;
  /** How long to collect hits, ms; undefined means search.defaultTimeoutMs. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Flood this query even where routing tables would prune it. */
  flood?: boolean;
}

/** A running search: its hits as they arrive, and what it was started with. */
export interface SearchRun extends AsyncGenerator<NetworkHit> {
  queryId: string;
  ttl: number;
  timeoutMs: number;
}

export interface SearchSummary {
  queryId: string;
  query: string;
  hits: NetworkHit[];
  durationMs: number;
}

/** Peer data as it comes off the wire, before validation. */
export type UncheckedPeer =
  (Partial<Omit<PeerRecord, 'reachability'>> & { reachability?: string }) | null | undefined;

/** A hit as it comes off the wire, before validation. */
export interface UncheckedHit {
  queryId: string;
  peer: UncheckedPeer;
  file: Partial<RemoteFile> | null | undefined;
  hops: number;
}

/** A query as it comes off the wire, before validation. */
export interface UncheckedSearch extends Omit<SearchMessage, 'origin'> {
  origin: UncheckedPeer;
}

/** This peer's answer to a Join. */
export interface JoinAnswer {
  accepted: boolean;
  reason: string;
  peer: PeerRecord;
  peers: PeerRecord[];
}

/** Another peer's answer to our Join, unchecked. */
export interface JoinReply {
  accepted: boolean;
  /** Why not, when refused. */
  reason: string;
  /** The answering peer. */
  peer: UncheckedPeer;
  /** Other peers worth dialling. */
  peers: UncheckedPeer[];
  /** The host our call came from, as the answering peer saw it ('' from older peers). */
  observedHost: string;
  /** The key the answering peer proved in the TLS handshake ('' on a plaintext wire). */
  fingerprint: string;
}

/** Another peer's answer to our Ping, unchecked. */
export interface PingReply {
  peer: UncheckedPeer;
  /** As in JoinReply. */
  observedHost: string;
  fingerprint: string;
}

/** What the overlay needs of the peer wire: which key each peer id belongs to. */
export interface PeerKeys {
  /** On a plaintext wire nobody proves a key, and ids are believed as before. */
  readonly plaintext: boolean;
  /** This peer's own key fingerprint. */
  readonly fingerprint: string;
  /** Binds `id` to the key that proved it (pinned on first contact); answers why not. */
  bind(id: string, fingerprint: string): string | undefined;
  /** From now on, expect this key at this address ('' forgets). */
  expect(address: string, fingerprint: string): void;
}

/** Who is calling, as the transport saw the connection. */
export interface CallerInfo {
  /** The IP the call came from ('' when unknown, e.g. in-process). */
  host: string;
  /** The key the caller proved over TLS; '' on a plaintext wire. */
  fingerprint?: string;
}

/** A GetRoutes answer (route-table.ts says what the table holds). */
export interface RoutesAnswer {
  version: number;
  /** The asker's version is current; `table` is empty. */
  unchanged: boolean;
  positions: number;
  hashes: number;
  maxPrefix: number;
  /** zlib-deflated, one distance byte per position. */
  table: Uint8Array;
  /** Holder lists (holder-table.ts wire form); empty when unchanged or not kept. */
  holders: Uint8Array;
  /** Holders listed per key; 0 when the peer keeps no holder lists. */
  maxHolders: number;
  /** Nonzero: a delta against this version (routes-delta.ts); 0: whole tables. */
  baseVersion: number;
  /** With baseVersion: holder entries gone. */
  removedHolders: Uint8Array;
  /**
   * The answering peer has new neighbors whose tables it has not merged yet:
   * what lies behind them is missing, so it cannot rule a query out.
   */
  incomplete: boolean;
}

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * The peer wire as the overlay uses it. Failures throw the error classes of
 * src/errors.ts: UnavailableError (unreachable, or not a p2pd peer),
 * TimeoutError, NotFoundError (the peer does not count us as a neighbor), ...
 */
export interface OverlayTransport {
  join(address: string, self: PeerRecord, options: CallOptions): Promise<JoinReply>;
  leave(address: string, selfId: string, options: CallOptions): Promise<void>;
  /** Resolves with the answering peer and how it sees us. */
  ping(address: string, selfId: string, options: CallOptions): Promise<PingReply>;
  getPeers(
    address: string,
    selfId: string,
    max: number,
    options: CallOptions,
  ): Promise<UncheckedPeer[]>;
  /** Hits as they arrive; ends when the peer ends its stream, throws when the call fails. */
  search(
    address: string,
    request: SearchMessage,
    options: { deadline: number; signal: AbortSignal },
  ): AsyncIterable<UncheckedHit>;
  /** The peer's routing tables unless `haveVersion` is current (then waiting up to `waitMs` for a change). */
  getRoutes(
    address: string,
    selfId: string,
    haveVersion: number,
    waitMs: number,
    options: CallOptions,
  ): Promise<RoutesAnswer>;
  /** Closes the connection to one address (a dropped neighbor, a failed dial). */
  disconnect(address: string): void;
  /** Closes every connection. */
  close(): void;
}
