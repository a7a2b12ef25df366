// Original file: proto/p2p/v1/p2p.proto

import type { Neighbor as _p2p_v1_Neighbor, Neighbor__Output as _p2p_v1_Neighbor__Output } from '../../p2p/v1/Neighbor.js';

export interface ConnectPeerResponse {
  'peer'?: (_p2p_v1_Neighbor | null);
}

export interface ConnectPeerResponse__Output {
  'peer': (_p2p_v1_Neighbor__Output | null);
}
