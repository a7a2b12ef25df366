// Original file: proto/p2p/v1/p2p.proto


export interface DialRequest {
  'token'?: (Buffer | Uint8Array | string);
  'host'?: (string);
  'port'?: (number);
  'localPort'?: (number);
}

export interface DialRequest__Output {
  'token': (Buffer);
  'host': (string);
  'port': (number);
  'localPort': (number);
}
