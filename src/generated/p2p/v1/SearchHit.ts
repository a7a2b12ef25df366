// Original file: proto/p2p/v1/p2p.proto

import type { PeerInfo as _p2p_v1_PeerInfo, PeerInfo__Output as _p2p_v1_PeerInfo__Output } from '../../p2p/v1/PeerInfo.js';
import type { FileInfo as _p2p_v1_FileInfo, FileInfo__Output as _p2p_v1_FileInfo__Output } from '../../p2p/v1/FileInfo.js';

export interface SearchHit {
  'queryId'?: (string);
  'peer'?: (_p2p_v1_PeerInfo | null);
  'file'?: (_p2p_v1_FileInfo | null);
  'hops'?: (number);
}

export interface SearchHit__Output {
  'queryId': (string);
  'peer': (_p2p_v1_PeerInfo__Output | null);
  'file': (_p2p_v1_FileInfo__Output | null);
  'hops': (number);
}
