// Original file: proto/p2p/v1/p2p.proto

import type { FileInfo as _p2p_v1_FileInfo, FileInfo__Output as _p2p_v1_FileInfo__Output } from '../../p2p/v1/FileInfo.js';

export interface ListFilesResponse {
  'files'?: (_p2p_v1_FileInfo)[];
  'total'?: (number);
}

export interface ListFilesResponse__Output {
  'files': (_p2p_v1_FileInfo__Output)[];
  'total': (number);
}
