// Core values to wire messages.
import type { NodeStatus } from '../core.js';
import type { FileInfo } from '../generated/p2p/v1/FileInfo.js';
import type { Neighbor } from '../generated/p2p/v1/Neighbor.js';
import type { NetworkSearchHit } from '../generated/p2p/v1/NetworkSearchHit.js';
import type { PeerInfo } from '../generated/p2p/v1/PeerInfo.js';
import type { SearchHit } from '../generated/p2p/v1/SearchHit.js';
import type { SearchRequest__Output } from '../generated/p2p/v1/SearchRequest.js';
import type { StatusResponse } from '../generated/p2p/v1/StatusResponse.js';
import type { FileEntry } from '../index/types.js';
import type {
  NeighborView,
  NetworkHit,
  PeerRecord,
  RemoteFile,
  SearchHitMessage,
  UncheckedSearch,
} from '../overlay/types.js';

export function toFileInfo(entry: FileEntry, withChunks = false): FileInfo {
  return {
    sha256: entry.sha256,
    names: entry.names,
    size: entry.size,
    mtimeMs: entry.mtimeMs,
    chunkSize: entry.chunkSize,
    chunkHashes: withChunks ? entry.chunkHashes : [],
  };
}

export function toStatusResponse(s: NodeStatus): StatusResponse {
  return {
    id: s.id,
    version: s.version,
    grpcAddress: s.grpcAddress,
    restAddress: s.restAddress,
    uptimeMs: s.uptimeMs,
    peers: s.peers,
    files: s.files,
    bytesShared: s.bytesShared,
    sharedDir: s.sharedDir,
    indexing: s.indexing,
    natsState: s.natsState,
    log: {
      file: s.log.file,
      writable: s.log.writable,
      droppedLines: s.log.droppedLines,
      error: s.log.error ?? '',
    },
    bootstrap: s.bootstrap.map((b) => ({ ...b })),
    addressSource: s.addressSource,
    fingerprint: s.fingerprint,
    network: s.network,
    limits: { ...s.limits },
    reachability: s.reachability,
    via: s.via,
  };
}

export function toPeerInfo(p: PeerRecord): PeerInfo {
  return {
    id: p.id,
    address: p.address,
    protocolVersion: p.protocolVersion,
    version: p.version,
    fingerprint: p.fingerprint ?? '',
    reachability: p.reachability ?? 'unknown',
    via: p.via ?? [],
  };
}

export function toNeighbor(n: NeighborView): Neighbor {
  return {
    peer: toPeerInfo(n.peer),
    state: n.state,
    rttMs: n.rttMs,
    sinceMs: n.sinceMs,
    direction: n.direction,
  };
}

function toRemoteFileInfo(f: RemoteFile): FileInfo {
  return {
    sha256: f.sha256,
    names: f.names,
    size: f.size,
    mtimeMs: f.mtimeMs,
    chunkSize: f.chunkSize,
    chunkHashes: [],
  };
}

export function toSearchHit(h: SearchHitMessage): SearchHit {
  return {
    queryId: h.queryId,
    peer: toPeerInfo(h.peer),
    file: toRemoteFileInfo(h.file),
    hops: h.hops,
  };
}

export function toNetworkSearchHit(h: NetworkHit): NetworkSearchHit {
  return {
    file: toRemoteFileInfo(h.file),
    peer: toPeerInfo(h.peer),
    hops: h.hops,
    latencyMs: h.latencyMs,
  };
}

/** A wire SearchRequest as the overlay takes it; the overlay validates every field. */
export function fromSearchRequest(r: SearchRequest__Output): UncheckedSearch {
  return {
    queryId: r.queryId,
    query: r.query,
    ttl: r.ttl,
    hops: r.hops,
    origin: r.origin,
    senderId: r.senderId,
    flood: r.flood,
    targets: r.targets,
  };
}
