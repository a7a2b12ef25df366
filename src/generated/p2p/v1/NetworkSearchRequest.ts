// Original file: proto/p2p/v1/p2p.proto


export interface NetworkSearchRequest {
  'query'?: (string);
  'ttl'?: (number);
  'timeoutMs'?: (number);
}

export interface NetworkSearchRequest__Output {
  'query': (string);
  'ttl': (number);
  'timeoutMs': (number);
}
