// Original file: proto/p2p/v1/p2p.proto

import type { TransferSource as _p2p_v1_TransferSource, TransferSource__Output as _p2p_v1_TransferSource__Output } from '../../p2p/v1/TransferSource.js';
import type { Long } from '@grpc/proto-loader';

export interface TransferProgress {
  'id'?: (string);
  'kind'?: (string);
  'state'?: (string);
  'sha256'?: (string);
  'name'?: (string);
  'size'?: (number | string | Long);
  'bytesDone'?: (number | string | Long);
  'rateBps'?: (number | string);
  'etaMs'?: (number | string | Long);
  'sources'?: (_p2p_v1_TransferSource)[];
  'error'?: (string);
  'path'?: (string);
  'peer'?: (string);
  'note'?: (string);
  'startedAtMs'?: (number | string | Long);
  'finishedAtMs'?: (number | string | Long);
}

export interface TransferProgress__Output {
  'id': (string);
  'kind': (string);
  'state': (string);
  'sha256': (string);
  'name': (string);
  'size': (number);
  'bytesDone': (number);
  'rateBps': (number);
  'etaMs': (number);
  'sources': (_p2p_v1_TransferSource__Output)[];
  'error': (string);
  'path': (string);
  'peer': (string);
  'note': (string);
  'startedAtMs': (number);
  'finishedAtMs': (number);
}
