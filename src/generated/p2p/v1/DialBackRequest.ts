// Original file: proto/p2p/v1/p2p.proto


export interface DialBackRequest {
  'port'?: (number);
}

export interface DialBackRequest__Output {
  'port': (number);
}
