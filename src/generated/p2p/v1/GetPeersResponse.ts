// Original file: proto/p2p/v1/p2p.proto

import type { PeerInfo as _p2p_v1_PeerInfo, PeerInfo__Output as _p2p_v1_PeerInfo__Output } from '../../p2p/v1/PeerInfo.js';

export interface GetPeersResponse {
  'peers'?: (_p2p_v1_PeerInfo)[];
}

export interface GetPeersResponse__Output {
  'peers': (_p2p_v1_PeerInfo__Output)[];
}
