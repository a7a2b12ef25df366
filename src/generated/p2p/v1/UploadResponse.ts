// Original file: proto/p2p/v1/p2p.proto

import type { FileInfo as _p2p_v1_FileInfo, FileInfo__Output as _p2p_v1_FileInfo__Output } from '../../p2p/v1/FileInfo.js';

export interface UploadResponse {
  'file'?: (_p2p_v1_FileInfo | null);
  'storedAs'?: (string);
}

export interface UploadResponse__Output {
  'file': (_p2p_v1_FileInfo__Output | null);
  'storedAs': (string);
}
