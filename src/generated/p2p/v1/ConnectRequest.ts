// Original file: proto/p2p/v1/p2p.proto


export interface ConnectRequest {
  'target'?: (string);
  'token'?: (Buffer | Uint8Array | string);
  'port'?: (number);
  'relay'?: (boolean);
  'punchPort'?: (number);
}

export interface ConnectRequest__Output {
  'target': (string);
  'token': (Buffer);
  'port': (number);
  'relay': (boolean);
  'punchPort': (number);
}
