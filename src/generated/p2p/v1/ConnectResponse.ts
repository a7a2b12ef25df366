// Original file: proto/p2p/v1/p2p.proto


export interface ConnectResponse {
  'host'?: (string);
}

export interface ConnectResponse__Output {
  'host': (string);
}
