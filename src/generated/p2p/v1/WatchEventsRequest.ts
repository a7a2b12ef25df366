// Original file: proto/p2p/v1/p2p.proto


export interface WatchEventsRequest {
  'types'?: (string)[];
  'afterId'?: (string);
}

export interface WatchEventsRequest__Output {
  'types': (string)[];
  'afterId': (string);
}
