// Core values to wire messages.
import type { NodeStatus } from '../core.js';
import type { FileInfo } from '../generated/p2p/v1/FileInfo.js';
import type { StatusResponse } from '../generated/p2p/v1/StatusResponse.js';
import type { FileEntry } from '../index/types.js';

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
  };
}
