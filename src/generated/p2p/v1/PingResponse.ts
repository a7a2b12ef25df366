// Original file: proto/p2p/v1/p2p.proto

import type { PeerInfo as _p2p_v1_PeerInfo, PeerInfo__Output as _p2p_v1_PeerInfo__Output } from '../../p2p/v1/PeerInfo.js';
import type { Long } from '@grpc/proto-loader';

export interface PingResponse {
  'peer'?: (_p2p_v1_PeerInfo | null);
  'sentAtMs'?: (number | string | Long);
  'observedHost'?: (string);
}

export interface PingResponse__Output {
  'peer': (_p2p_v1_PeerInfo__Output | null);
  'sentAtMs': (number);
  'observedHost': (string);
}
