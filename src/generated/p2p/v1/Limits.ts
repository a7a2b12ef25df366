// Original file: proto/p2p/v1/p2p.proto

import type { Long } from '@grpc/proto-loader';

export interface Limits {
  'upload'?: (number | string | Long);
  'download'?: (number | string | Long);
  'perPeerUpload'?: (number | string | Long);
  'perPeerDownload'?: (number | string | Long);
  'upRate'?: (number | string | Long);
  'downRate'?: (number | string | Long);
}

export interface Limits__Output {
  'upload': (number);
  'download': (number);
  'perPeerUpload': (number);
  'perPeerDownload': (number);
  'upRate': (number);
  'downRate': (number);
}
