// Original file: proto/p2p/v1/p2p.proto


export interface ListPeersRequest {
}

export interface ListPeersRequest__Output {
}
