// Original file: proto/p2p/v1/p2p.proto


export interface GetFileRequest {
  'sha256'?: (string);
  'fetcher'?: (string);
  'omitHashes'?: (boolean);
}

export interface GetFileRequest__Output {
  'sha256': (string);
  'fetcher': (string);
  'omitHashes': (boolean);
}
