// Original file: proto/p2p/v1/p2p.proto


export interface DialBackResponse {
  'reachable'?: (boolean);
  'address'?: (string);
  'error'?: (string);
}

export interface DialBackResponse__Output {
  'reachable': (boolean);
  'address': (string);
  'error': (string);
}
