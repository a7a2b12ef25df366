// Original file: proto/p2p/v1/p2p.proto

import type { Long } from '@grpc/proto-loader';

export interface LogStatus {
  'file'?: (string);
  'writable'?: (boolean);
  'droppedLines'?: (number | string | Long);
  'error'?: (string);
}

export interface LogStatus__Output {
  'file': (string);
  'writable': (boolean);
  'droppedLines': (number);
  'error': (string);
}
