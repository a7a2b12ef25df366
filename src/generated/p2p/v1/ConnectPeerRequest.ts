// Original file: proto/p2p/v1/p2p.proto


export interface ConnectPeerRequest {
  'address'?: (string);
}

export interface ConnectPeerRequest__Output {
  'address': (string);
}
