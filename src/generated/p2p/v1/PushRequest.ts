// Original file: proto/p2p/v1/p2p.proto


export interface PushRequest {
  'sha256'?: (string);
  'name'?: (string);
  'peer'?: (string);
}

export interface PushRequest__Output {
  'sha256': (string);
  'name': (string);
  'peer': (string);
}
