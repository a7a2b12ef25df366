// Original file: proto/p2p/v1/p2p.proto

import type { TransferProgress as _p2p_v1_TransferProgress, TransferProgress__Output as _p2p_v1_TransferProgress__Output } from '../../p2p/v1/TransferProgress.js';

export interface ListTransfersResponse {
  'transfers'?: (_p2p_v1_TransferProgress)[];
}

export interface ListTransfersResponse__Output {
  'transfers': (_p2p_v1_TransferProgress__Output)[];
}
