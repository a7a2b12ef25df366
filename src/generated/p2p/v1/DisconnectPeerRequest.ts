// Original file: proto/p2p/v1/p2p.proto


export interface DisconnectPeerRequest {
  'peerId'?: (string);
}

export interface DisconnectPeerRequest__Output {
  'peerId': (string);
}
