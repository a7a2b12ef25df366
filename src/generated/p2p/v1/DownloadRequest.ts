// Original file: proto/p2p/v1/p2p.proto

import type { Long } from '@grpc/proto-loader';

export interface DownloadRequest {
  'sha256'?: (string);
  'offset'?: (number | string | Long);
  'length'?: (number | string | Long);
}

export interface DownloadRequest__Output {
  'sha256': (string);
  'offset': (number);
  'length': (number);
}
