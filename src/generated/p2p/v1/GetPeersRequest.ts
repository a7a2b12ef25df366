// Original file: proto/p2p/v1/p2p.proto


export interface GetPeersRequest {
  'peerId'?: (string);
  'max'?: (number);
}

export interface GetPeersRequest__Output {
  'peerId': (string);
  'max': (number);
}
