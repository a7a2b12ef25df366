// Original file: proto/p2p/v1/p2p.proto

import type { Long } from '@grpc/proto-loader';

export interface PingRequest {
  'peerId'?: (string);
  'sentAtMs'?: (number | string | Long);
}

export interface PingRequest__Output {
  'peerId': (string);
  'sentAtMs': (number);
}
