// Original file: proto/p2p/v1/p2p.proto


export interface DisconnectPeerResponse {
}

export interface DisconnectPeerResponse__Output {
}
