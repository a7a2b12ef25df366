// Original file: proto/p2p/v1/p2p.proto

import type { Long } from '@grpc/proto-loader';

export interface DataChunk {
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
}

export interface DataChunk__Output {
  'offset': (number);
  'data': (Buffer);
}
