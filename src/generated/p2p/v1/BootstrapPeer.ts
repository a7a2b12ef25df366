// Original file: proto/p2p/v1/p2p.proto

import type { Long } from '@grpc/proto-loader';

export interface BootstrapPeer {
  'address'?: (string);
  'state'?: (string);
  'failures'?: (number);
  'lastError'?: (string);
  'nextDialMs'?: (number | string | Long);
}

export interface BootstrapPeer__Output {
  'address': (string);
  'state': (string);
  'failures': (number);
  'lastError': (string);
  'nextDialMs': (number);
}
