// Original file: proto/p2p/v1/p2p.proto


export interface ConnectResponse {
}

export interface ConnectResponse__Output {
}
