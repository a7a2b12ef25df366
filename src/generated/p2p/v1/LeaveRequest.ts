// Original file: proto/p2p/v1/p2p.proto


export interface LeaveRequest {
  'peerId'?: (string);
}

export interface LeaveRequest__Output {
  'peerId': (string);
}
