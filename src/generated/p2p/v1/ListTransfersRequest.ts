// Original file: proto/p2p/v1/p2p.proto


export interface ListTransfersRequest {
}

export interface ListTransfersRequest__Output {
}
