// Original file: proto/p2p/v1/p2p.proto

import type { Neighbor as _p2p_v1_Neighbor, Neighbor__Output as _p2p_v1_Neighbor__Output } from '../../p2p/v1/Neighbor.js';

export interface ListPeersResponse {
  'peers'?: (_p2p_v1_Neighbor)[];
}

export interface ListPeersResponse__Output {
  'peers': (_p2p_v1_Neighbor__Output)[];
}
