// Original file: proto/p2p/v1/p2p.proto


export interface SetLimitsRequest {
  'upload'?: (string);
  'download'?: (string);
  'perPeerUpload'?: (string);
  'perPeerDownload'?: (string);
}

export interface SetLimitsRequest__Output {
  'upload': (string);
  'download': (string);
  'perPeerUpload': (string);
  'perPeerDownload': (string);
}
