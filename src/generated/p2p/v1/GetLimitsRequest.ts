// Original file: proto/p2p/v1/p2p.proto


export interface GetLimitsRequest {
}

export interface GetLimitsRequest__Output {
}
