// Original file: proto/p2p/v1/p2p.proto

import type { PeerInfo as _p2p_v1_PeerInfo, PeerInfo__Output as _p2p_v1_PeerInfo__Output } from '../../p2p/v1/PeerInfo.js';

export interface SearchRequest {
  'queryId'?: (string);
  'query'?: (string);
  'ttl'?: (number);
  'hops'?: (number);
  'origin'?: (_p2p_v1_PeerInfo | null);
  'senderId'?: (string);
  'flood'?: (boolean);
  'targets'?: (number)[];
}

export interface SearchRequest__Output {
  'queryId': (string);
  'query': (string);
  'ttl': (number);
  'hops': (number);
  'origin': (_p2p_v1_PeerInfo__Output | null);
  'senderId': (string);
  'flood': (boolean);
  'targets': (number)[];
}
