// Original file: proto/p2p/v1/p2p.proto

import type { UploadHeader as _p2p_v1_UploadHeader, UploadHeader__Output as _p2p_v1_UploadHeader__Output } from '../../p2p/v1/UploadHeader.js';

export interface UploadRequest {
  'header'?: (_p2p_v1_UploadHeader | null);
  'data'?: (Buffer | Uint8Array | string);
  'part'?: "header"|"data";
}

export interface UploadRequest__Output {
  'header'?: (_p2p_v1_UploadHeader__Output | null);
  'data'?: (Buffer);
  'part'?: "header"|"data";
}
