// What the transfer core tells the facades about a fetch or a push.
import type { P2pError } from '../errors.js';

export type TransferKind = 'fetch' | 'push';
export type TransferState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface SourceView {
  /** Peer id when known (from a search hit), else ''. */
  peerId: string;
  address: string;
  /** Bytes this source delivered (less chunks of it found wrong). */
  bytes: number;
  /** Chunks this source delivered (less those found wrong). */
  chunks: number;
  /** Dropped for this transfer (lied, or kept failing). */
  failed: boolean;
  /** Still fetching the file itself: it serves the chunks it has. */
  partial: boolean;
  /** Bytes this peer served to it (any file, since start). */
  uploadedBytes: number;
  /** Why it was dropped. */
  error?: string;
}

/** A point-in-time view of one transfer, as every facade shows it. */
export interface TransferSnapshot {
  id: string;
  kind: TransferKind;
  state: TransferState;
  sha256: string;
  name: string;
  size: number;
  bytesDone: number;
  /** Bytes per second over the last few seconds. */
  rateBps: number;
  /** Estimated ms to completion, -1 when unknown. */
  etaMs: number;
  sources: SourceView[];
  /** Why it failed, in words a person understands. */
  error: string;
  /** Where the file landed (fetch), or what the receiver stored it as (push). */
  path: string;
  /** Push target (address). */
  peer: string;
  /** Something worth telling the user, e.g. which hash a fetch by name picked. */
  note: string;
  startedAt: number;
  finishedAt?: number;
}

export interface TransferOutcome {
  snapshot: TransferSnapshot;
  /** Why it did not complete. */
  error?: P2pError;
}

/** A fetch as a facade asks for it. */
export interface FetchInput {
  /** Content hash to fetch ... */
  sha256?: string;
  /** ... or a name to search the network for. */
  name?: string;
  /** Peer addresses (host:port) known to have the file; otherwise found by search. */
  sources?: string[];
}

export interface PushInput {
  /** A local file by hash ... */
  sha256?: string;
  /** ... or by its name in the share. */
  name?: string;
  /** The target peer: host:port, or a neighbor id when the overlay can resolve it. */
  peer: string;
}

/** A peer that holds a file, as a network search reports it. */
export interface SourceHit {
  peerId: string;
  address: string;
  sha256: string;
  name: string;
  size: number;
}

export type SourceQuery = { sha256: string } | { name: string };

/**
 * Finds peers holding a file by hash or by name. Provided by the overlay;
 * until it is there, fetches need explicit sources.
 */
export type FindSources = (query: SourceQuery, signal: AbortSignal) => Promise<SourceHit[]>;

/** Turns a neighbor id into its address (overlay); undefined when unknown. */
export type ResolvePeer = (idOrAddress: string) => string | undefined;

export const TERMINAL_STATES: ReadonlySet<TransferState> = new Set([
  'completed',
  'failed',
  'cancelled',
]);

/** A chunk no source has delivered yet. */
export const CHUNK_MISSING = -1;
/** A chunk found verified on disk (an earlier run of the fetch). */
export const CHUNK_KEPT = -2;

/** Where each chunk of a fetch came from, like the piece bar of a BitTorrent client. */
export interface ChunkSourceMap {
  /** Chunks in the file; 0 before the metadata is known, and for pushes. */
  count: number;
  /** The fetch's sources, in the order `runs` refers to them. */
  sources: { peerId: string; address: string }[];
  /**
   * Consecutive chunks with the same origin, as [origin, chunks]: the origin is an index
   * into `sources`, CHUNK_MISSING or CHUNK_KEPT. The counts add up to `count`.
   */
  runs: [number, number][];
}
