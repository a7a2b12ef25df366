// Original file: proto/p2p/v1/p2p.proto

import type { Long } from '@grpc/proto-loader';

export interface GetRoutesResponse {
  'version'?: (number | string | Long);
  'unchanged'?: (boolean);
  'positions'?: (number);
  'hashes'?: (number);
  'maxPrefix'?: (number);
  'table'?: (Buffer | Uint8Array | string);
}

export interface GetRoutesResponse__Output {
  'version': (number);
  'unchanged': (boolean);
  'positions': (number);
  'hashes': (number);
  'maxPrefix': (number);
  'table': (Buffer);
}
