// Original file: proto/p2p/v1/p2p.proto

import type { FileInfo as _p2p_v1_FileInfo, FileInfo__Output as _p2p_v1_FileInfo__Output } from '../../p2p/v1/FileInfo.js';
import type { PeerInfo as _p2p_v1_PeerInfo, PeerInfo__Output as _p2p_v1_PeerInfo__Output } from '../../p2p/v1/PeerInfo.js';
import type { Long } from '@grpc/proto-loader';

export interface NetworkSearchHit {
  'file'?: (_p2p_v1_FileInfo | null);
  'peer'?: (_p2p_v1_PeerInfo | null);
  'hops'?: (number);
  'latencyMs'?: (number | string | Long);
}

export interface NetworkSearchHit__Output {
  'file': (_p2p_v1_FileInfo__Output | null);
  'peer': (_p2p_v1_PeerInfo__Output | null);
  'hops': (number);
  'latencyMs': (number);
}
