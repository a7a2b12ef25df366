// Original file: proto/p2p/v1/p2p.proto


export interface StatusRequest {
}

export interface StatusRequest__Output {
}
