// Original file: proto/p2p/v1/p2p.proto

import type { PeerInfo as _p2p_v1_PeerInfo, PeerInfo__Output as _p2p_v1_PeerInfo__Output } from '../../p2p/v1/PeerInfo.js';
import type { Long } from '@grpc/proto-loader';

export interface Neighbor {
  'peer'?: (_p2p_v1_PeerInfo | null);
  'state'?: (string);
  'rttMs'?: (number | string | Long);
  'sinceMs'?: (number | string | Long);
  'direction'?: (string);
}

export interface Neighbor__Output {
  'peer': (_p2p_v1_PeerInfo__Output | null);
  'state': (string);
  'rttMs': (number);
  'sinceMs': (number);
  'direction': (string);
}
