// Original file: proto/p2p/v1/p2p.proto

import type { PeerInfo as _p2p_v1_PeerInfo, PeerInfo__Output as _p2p_v1_PeerInfo__Output } from '../../p2p/v1/PeerInfo.js';

export interface ListenRequest {
  'peer'?: (_p2p_v1_PeerInfo | null);
}

export interface ListenRequest__Output {
  'peer': (_p2p_v1_PeerInfo__Output | null);
}
