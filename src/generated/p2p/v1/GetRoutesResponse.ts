// Original file: proto/p2p/v1/p2p.proto

import type { Long } from '@grpc/proto-loader';

export interface GetRoutesResponse {
  'version'?: (number | string | Long);
  'unchanged'?: (boolean);
  'positions'?: (number);
  'hashes'?: (number);
  'maxPrefix'?: (number);
  'table'?: (Buffer | Uint8Array | string);
  'holders'?: (Buffer | Uint8Array | string);
  'maxHolders'?: (number);
  'baseVersion'?: (number | string | Long);
  'removedHolders'?: (Buffer | Uint8Array | string);
  'incomplete'?: (boolean);
}

export interface GetRoutesResponse__Output {
  'version': (number);
  'unchanged': (boolean);
  'positions': (number);
  'hashes': (number);
  'maxPrefix': (number);
  'table': (Buffer);
  'holders': (Buffer);
  'maxHolders': (number);
  'baseVersion': (number);
  'removedHolders': (Buffer);
  'incomplete': (boolean);
}
