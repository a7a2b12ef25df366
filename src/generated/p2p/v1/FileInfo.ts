// Original file: proto/p2p/v1/p2p.proto

import type { Long } from '@grpc/proto-loader';

export interface FileInfo {
  'sha256'?: (string);
  'names'?: (string)[];
  'size'?: (number | string | Long);
  'mtimeMs'?: (number | string | Long);
  'chunkSize'?: (number);
  'chunkHashes'?: (string)[];
  'have'?: (Buffer | Uint8Array | string);
  'partial'?: (boolean);
  'holders'?: (string)[];
  'sent'?: (Buffer | Uint8Array | string);
}

export interface FileInfo__Output {
  'sha256': (string);
  'names': (string)[];
  'size': (number);
  'mtimeMs': (number);
  'chunkSize': (number);
  'chunkHashes': (string)[];
  'have': (Buffer);
  'partial': (boolean);
  'holders': (string)[];
  'sent': (Buffer);
}
