// Original file: proto/p2p/v1/p2p.proto


export interface FetchRequest {
  'sha256'?: (string);
  'name'?: (string);
  'sources'?: (string)[];
}

export interface FetchRequest__Output {
  'sha256': (string);
  'name': (string);
  'sources': (string)[];
}
