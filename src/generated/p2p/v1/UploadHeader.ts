// Original file: proto/p2p/v1/p2p.proto

import type { PeerInfo as _p2p_v1_PeerInfo, PeerInfo__Output as _p2p_v1_PeerInfo__Output } from '../../p2p/v1/PeerInfo.js';
import type { Long } from '@grpc/proto-loader';

export interface UploadHeader {
  'name'?: (string);
  'size'?: (number | string | Long);
  'sha256'?: (string);
  'sender'?: (_p2p_v1_PeerInfo | null);
}

export interface UploadHeader__Output {
  'name': (string);
  'size': (number);
  'sha256': (string);
  'sender': (_p2p_v1_PeerInfo__Output | null);
}
