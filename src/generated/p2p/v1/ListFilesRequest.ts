// Original file: proto/p2p/v1/p2p.proto


export interface ListFilesRequest {
  'query'?: (string);
  'limit'?: (number);
  'offset'?: (number);
}

export interface ListFilesRequest__Output {
  'query': (string);
  'limit': (number);
  'offset': (number);
}
