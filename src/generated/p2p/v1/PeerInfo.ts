// Original file: proto/p2p/v1/p2p.proto


export interface PeerInfo {
  'id'?: (string);
  'address'?: (string);
  'protocolVersion'?: (number);
  'version'?: (string);
  'fingerprint'?: (string);
  'reachability'?: (string);
  'via'?: (string)[];
}

export interface PeerInfo__Output {
  'id': (string);
  'address': (string);
  'protocolVersion': (number);
  'version': (string);
  'fingerprint': (string);
  'reachability': (string);
  'via': (string)[];
}
