// Original file: proto/p2p/v1/p2p.proto


export interface LeaveResponse {
}

export interface LeaveResponse__Output {
}
