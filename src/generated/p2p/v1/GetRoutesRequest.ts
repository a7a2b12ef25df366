// Original file: proto/p2p/v1/p2p.proto

import type { Long } from '@grpc/proto-loader';

export interface GetRoutesRequest {
  'peerId'?: (string);
  'haveVersion'?: (number | string | Long);
  'waitMs'?: (number);
}

export interface GetRoutesRequest__Output {
  'peerId': (string);
  'haveVersion': (number);
  'waitMs': (number);
}
