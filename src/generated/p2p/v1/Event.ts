// Original file: proto/p2p/v1/p2p.proto


export interface Event {
  'id'?: (string);
  'type'?: (string);
  'time'?: (string);
  'peer'?: (string);
  'dataJson'?: (string);
}

export interface Event__Output {
  'id': (string);
  'type': (string);
  'time': (string);
  'peer': (string);
  'dataJson': (string);
}
