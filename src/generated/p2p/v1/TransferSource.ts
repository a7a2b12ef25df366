// Original file: proto/p2p/v1/p2p.proto

import type { Long } from '@grpc/proto-loader';

export interface TransferSource {
  'peerId'?: (string);
  'address'?: (string);
  'bytes'?: (number | string | Long);
  'chunks'?: (number);
  'failed'?: (boolean);
  'uploadedBytes'?: (number | string | Long);
  'partial'?: (boolean);
}

export interface TransferSource__Output {
  'peerId': (string);
  'address': (string);
  'bytes': (number);
  'chunks': (number);
  'failed': (boolean);
  'uploadedBytes': (number);
  'partial': (boolean);
}
