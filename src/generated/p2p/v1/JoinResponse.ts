// Original file: proto/p2p/v1/p2p.proto

import type { PeerInfo as _p2p_v1_PeerInfo, PeerInfo__Output as _p2p_v1_PeerInfo__Output } from '../../p2p/v1/PeerInfo.js';

export interface JoinResponse {
  'accepted'?: (boolean);
  'reason'?: (string);
  'peer'?: (_p2p_v1_PeerInfo | null);
  'peers'?: (_p2p_v1_PeerInfo)[];
  'observedHost'?: (string);
}

export interface JoinResponse__Output {
  'accepted': (boolean);
  'reason': (string);
  'peer': (_p2p_v1_PeerInfo__Output | null);
  'peers': (_p2p_v1_PeerInfo__Output)[];
  'observedHost': (string);
}
