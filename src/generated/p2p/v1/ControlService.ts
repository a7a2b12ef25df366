// Original file: proto/p2p/v1/p2p.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ConnectPeerRequest as _p2p_v1_ConnectPeerRequest, ConnectPeerRequest__Output as _p2p_v1_ConnectPeerRequest__Output } from '../../p2p/v1/ConnectPeerRequest.js';
import type { ConnectPeerResponse as _p2p_v1_ConnectPeerResponse, ConnectPeerResponse__Output as _p2p_v1_ConnectPeerResponse__Output } from '../../p2p/v1/ConnectPeerResponse.js';
import type { DisconnectPeerRequest as _p2p_v1_DisconnectPeerRequest, DisconnectPeerRequest__Output as _p2p_v1_DisconnectPeerRequest__Output } from '../../p2p/v1/DisconnectPeerRequest.js';
import type { DisconnectPeerResponse as _p2p_v1_DisconnectPeerResponse, DisconnectPeerResponse__Output as _p2p_v1_DisconnectPeerResponse__Output } from '../../p2p/v1/DisconnectPeerResponse.js';
import type { Event as _p2p_v1_Event, Event__Output as _p2p_v1_Event__Output } from '../../p2p/v1/Event.js';
import type { FetchRequest as _p2p_v1_FetchRequest, FetchRequest__Output as _p2p_v1_FetchRequest__Output } from '../../p2p/v1/FetchRequest.js';
import type { GetLimitsRequest as _p2p_v1_GetLimitsRequest, GetLimitsRequest__Output as _p2p_v1_GetLimitsRequest__Output } from '../../p2p/v1/GetLimitsRequest.js';
import type { Limits as _p2p_v1_Limits, Limits__Output as _p2p_v1_Limits__Output } from '../../p2p/v1/Limits.js';
import type { ListFilesRequest as _p2p_v1_ListFilesRequest, ListFilesRequest__Output as _p2p_v1_ListFilesRequest__Output } from '../../p2p/v1/ListFilesRequest.js';
import type { ListFilesResponse as _p2p_v1_ListFilesResponse, ListFilesResponse__Output as _p2p_v1_ListFilesResponse__Output } from '../../p2p/v1/ListFilesResponse.js';
import type { ListPeersRequest as _p2p_v1_ListPeersRequest, ListPeersRequest__Output as _p2p_v1_ListPeersRequest__Output } from '../../p2p/v1/ListPeersRequest.js';
import type { ListPeersResponse as _p2p_v1_ListPeersResponse, ListPeersResponse__Output as _p2p_v1_ListPeersResponse__Output } from '../../p2p/v1/ListPeersResponse.js';
import type { ListTransfersRequest as _p2p_v1_ListTransfersRequest, ListTransfersRequest__Output as _p2p_v1_ListTransfersRequest__Output } from '../../p2p/v1/ListTransfersRequest.js';
import type { ListTransfersResponse as _p2p_v1_ListTransfersResponse, ListTransfersResponse__Output as _p2p_v1_ListTransfersResponse__Output } from '../../p2p/v1/ListTransfersResponse.js';
import type { NetworkSearchHit as _p2p_v1_NetworkSearchHit, NetworkSearchHit__Output as _p2p_v1_NetworkSearchHit__Output } from '../../p2p/v1/NetworkSearchHit.js';
import type { NetworkSearchRequest as _p2p_v1_NetworkSearchRequest, NetworkSearchRequest__Output as _p2p_v1_NetworkSearchRequest__Output } from '../../p2p/v1/NetworkSearchRequest.js';
import type { PushRequest as _p2p_v1_PushRequest, PushRequest__Output as _p2p_v1_PushRequest__Output } from '../../p2p/v1/PushRequest.js';
import type { SetLimitsRequest as _p2p_v1_SetLimitsRequest, SetLimitsRequest__Output as _p2p_v1_SetLimitsRequest__Output } from '../../p2p/v1/SetLimitsRequest.js';
import type { StatusRequest as _p2p_v1_StatusRequest, StatusRequest__Output as _p2p_v1_StatusRequest__Output } from '../../p2p/v1/StatusRequest.js';
import type { StatusResponse as _p2p_v1_StatusResponse, StatusResponse__Output as _p2p_v1_StatusResponse__Output } from '../../p2p/v1/StatusResponse.js';
import type { TransferProgress as _p2p_v1_TransferProgress, TransferProgress__Output as _p2p_v1_TransferProgress__Output } from '../../p2p/v1/TransferProgress.js';
import type { WatchEventsRequest as _p2p_v1_WatchEventsRequest, WatchEventsRequest__Output as _p2p_v1_WatchEventsRequest__Output } from '../../p2p/v1/WatchEventsRequest.js';

export interface ControlServiceClient extends grpc.Client {
  ConnectPeer(argument: _p2p_v1_ConnectPeerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ConnectPeerResponse__Output>): grpc.ClientUnaryCall;
  ConnectPeer(argument: _p2p_v1_ConnectPeerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_ConnectPeerResponse__Output>): grpc.ClientUnaryCall;
  ConnectPeer(argument: _p2p_v1_ConnectPeerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ConnectPeerResponse__Output>): grpc.ClientUnaryCall;
  ConnectPeer(argument: _p2p_v1_ConnectPeerRequest, callback: grpc.requestCallback<_p2p_v1_ConnectPeerResponse__Output>): grpc.ClientUnaryCall;
  connectPeer(argument: _p2p_v1_ConnectPeerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ConnectPeerResponse__Output>): grpc.ClientUnaryCall;
  connectPeer(argument: _p2p_v1_ConnectPeerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_ConnectPeerResponse__Output>): grpc.ClientUnaryCall;
  connectPeer(argument: _p2p_v1_ConnectPeerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ConnectPeerResponse__Output>): grpc.ClientUnaryCall;
  connectPeer(argument: _p2p_v1_ConnectPeerRequest, callback: grpc.requestCallback<_p2p_v1_ConnectPeerResponse__Output>): grpc.ClientUnaryCall;
  
  DisconnectPeer(argument: _p2p_v1_DisconnectPeerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_DisconnectPeerResponse__Output>): grpc.ClientUnaryCall;
  DisconnectPeer(argument: _p2p_v1_DisconnectPeerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_DisconnectPeerResponse__Output>): grpc.ClientUnaryCall;
  DisconnectPeer(argument: _p2p_v1_DisconnectPeerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_DisconnectPeerResponse__Output>): grpc.ClientUnaryCall;
  DisconnectPeer(argument: _p2p_v1_DisconnectPeerRequest, callback: grpc.requestCallback<_p2p_v1_DisconnectPeerResponse__Output>): grpc.ClientUnaryCall;
  disconnectPeer(argument: _p2p_v1_DisconnectPeerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_DisconnectPeerResponse__Output>): grpc.ClientUnaryCall;
  disconnectPeer(argument: _p2p_v1_DisconnectPeerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_DisconnectPeerResponse__Output>): grpc.ClientUnaryCall;
  disconnectPeer(argument: _p2p_v1_DisconnectPeerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_DisconnectPeerResponse__Output>): grpc.ClientUnaryCall;
  disconnectPeer(argument: _p2p_v1_DisconnectPeerRequest, callback: grpc.requestCallback<_p2p_v1_DisconnectPeerResponse__Output>): grpc.ClientUnaryCall;
  
  Fetch(argument: _p2p_v1_FetchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_TransferProgress__Output>;
  Fetch(argument: _p2p_v1_FetchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_TransferProgress__Output>;
  fetch(argument: _p2p_v1_FetchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_TransferProgress__Output>;
  fetch(argument: _p2p_v1_FetchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_TransferProgress__Output>;
  
  GetLimits(argument: _p2p_v1_GetLimitsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_Limits__Output>): grpc.ClientUnaryCall;
  GetLimits(argument: _p2p_v1_GetLimitsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_Limits__Output>): grpc.ClientUnaryCall;
  GetLimits(argument: _p2p_v1_GetLimitsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_Limits__Output>): grpc.ClientUnaryCall;
  GetLimits(argument: _p2p_v1_GetLimitsRequest, callback: grpc.requestCallback<_p2p_v1_Limits__Output>): grpc.ClientUnaryCall;
  getLimits(argument: _p2p_v1_GetLimitsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_Limits__Output>): grpc.ClientUnaryCall;
  getLimits(argument: _p2p_v1_GetLimitsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_Limits__Output>): grpc.ClientUnaryCall;
  getLimits(argument: _p2p_v1_GetLimitsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_Limits__Output>): grpc.ClientUnaryCall;
  getLimits(argument: _p2p_v1_GetLimitsRequest, callback: grpc.requestCallback<_p2p_v1_Limits__Output>): grpc.ClientUnaryCall;
  
  ListFiles(argument: _p2p_v1_ListFilesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ListFilesResponse__Output>): grpc.ClientUnaryCall;
  ListFiles(argument: _p2p_v1_ListFilesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_ListFilesResponse__Output>): grpc.ClientUnaryCall;
  ListFiles(argument: _p2p_v1_ListFilesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ListFilesResponse__Output>): grpc.ClientUnaryCall;
  ListFiles(argument: _p2p_v1_ListFilesRequest, callback: grpc.requestCallback<_p2p_v1_ListFilesResponse__Output>): grpc.ClientUnaryCall;
  listFiles(argument: _p2p_v1_ListFilesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ListFilesResponse__Output>): grpc.ClientUnaryCall;
  listFiles(argument: _p2p_v1_ListFilesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_ListFilesResponse__Output>): grpc.ClientUnaryCall;
  listFiles(argument: _p2p_v1_ListFilesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ListFilesResponse__Output>): grpc.ClientUnaryCall;
  listFiles(argument: _p2p_v1_ListFilesRequest, callback: grpc.requestCallback<_p2p_v1_ListFilesResponse__Output>): grpc.ClientUnaryCall;
  
  ListPeers(argument: _p2p_v1_ListPeersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ListPeersResponse__Output>): grpc.ClientUnaryCall;
  ListPeers(argument: _p2p_v1_ListPeersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_ListPeersResponse__Output>): grpc.ClientUnaryCall;
  ListPeers(argument: _p2p_v1_ListPeersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ListPeersResponse__Output>): grpc.ClientUnaryCall;
  ListPeers(argument: _p2p_v1_ListPeersRequest, callback: grpc.requestCallback<_p2p_v1_ListPeersResponse__Output>): grpc.ClientUnaryCall;
  listPeers(argument: _p2p_v1_ListPeersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ListPeersResponse__Output>): grpc.ClientUnaryCall;
  listPeers(argument: _p2p_v1_ListPeersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_ListPeersResponse__Output>): grpc.ClientUnaryCall;
  listPeers(argument: _p2p_v1_ListPeersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ListPeersResponse__Output>): grpc.ClientUnaryCall;
  listPeers(argument: _p2p_v1_ListPeersRequest, callback: grpc.requestCallback<_p2p_v1_ListPeersResponse__Output>): grpc.ClientUnaryCall;
  
  ListTransfers(argument: _p2p_v1_ListTransfersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ListTransfersResponse__Output>): grpc.ClientUnaryCall;
  ListTransfers(argument: _p2p_v1_ListTransfersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_ListTransfersResponse__Output>): grpc.ClientUnaryCall;
  ListTransfers(argument: _p2p_v1_ListTransfersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ListTransfersResponse__Output>): grpc.ClientUnaryCall;
  ListTransfers(argument: _p2p_v1_ListTransfersRequest, callback: grpc.requestCallback<_p2p_v1_ListTransfersResponse__Output>): grpc.ClientUnaryCall;
  listTransfers(argument: _p2p_v1_ListTransfersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ListTransfersResponse__Output>): grpc.ClientUnaryCall;
  listTransfers(argument: _p2p_v1_ListTransfersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_ListTransfersResponse__Output>): grpc.ClientUnaryCall;
  listTransfers(argument: _p2p_v1_ListTransfersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ListTransfersResponse__Output>): grpc.ClientUnaryCall;
  listTransfers(argument: _p2p_v1_ListTransfersRequest, callback: grpc.requestCallback<_p2p_v1_ListTransfersResponse__Output>): grpc.ClientUnaryCall;
  
  Push(argument: _p2p_v1_PushRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_TransferProgress__Output>;
  Push(argument: _p2p_v1_PushRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_TransferProgress__Output>;
  push(argument: _p2p_v1_PushRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_TransferProgress__Output>;
  push(argument: _p2p_v1_PushRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_TransferProgress__Output>;
  
  Search(argument: _p2p_v1_NetworkSearchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_NetworkSearchHit__Output>;
  Search(argument: _p2p_v1_NetworkSearchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_NetworkSearchHit__Output>;
  search(argument: _p2p_v1_NetworkSearchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_NetworkSearchHit__Output>;
  search(argument: _p2p_v1_NetworkSearchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_NetworkSearchHit__Output>;
  
  SetLimits(argument: _p2p_v1_SetLimitsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_Limits__Output>): grpc.ClientUnaryCall;
  SetLimits(argument: _p2p_v1_SetLimitsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_Limits__Output>): grpc.ClientUnaryCall;
  SetLimits(argument: _p2p_v1_SetLimitsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_Limits__Output>): grpc.ClientUnaryCall;
  SetLimits(argument: _p2p_v1_SetLimitsRequest, callback: grpc.requestCallback<_p2p_v1_Limits__Output>): grpc.ClientUnaryCall;
  setLimits(argument: _p2p_v1_SetLimitsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_Limits__Output>): grpc.ClientUnaryCall;
  setLimits(argument: _p2p_v1_SetLimitsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_Limits__Output>): grpc.ClientUnaryCall;
  setLimits(argument: _p2p_v1_SetLimitsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_Limits__Output>): grpc.ClientUnaryCall;
  setLimits(argument: _p2p_v1_SetLimitsRequest, callback: grpc.requestCallback<_p2p_v1_Limits__Output>): grpc.ClientUnaryCall;
  
  Status(argument: _p2p_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _p2p_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _p2p_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _p2p_v1_StatusRequest, callback: grpc.requestCallback<_p2p_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _p2p_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _p2p_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _p2p_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _p2p_v1_StatusRequest, callback: grpc.requestCallback<_p2p_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  
  WatchEvents(argument: _p2p_v1_WatchEventsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_Event__Output>;
  WatchEvents(argument: _p2p_v1_WatchEventsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_Event__Output>;
  watchEvents(argument: _p2p_v1_WatchEventsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_Event__Output>;
  watchEvents(argument: _p2p_v1_WatchEventsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_Event__Output>;
  
}

export interface ControlServiceHandlers extends grpc.UntypedServiceImplementation {
  ConnectPeer: grpc.handleUnaryCall<_p2p_v1_ConnectPeerRequest__Output, _p2p_v1_ConnectPeerResponse>;
  
  DisconnectPeer: grpc.handleUnaryCall<_p2p_v1_DisconnectPeerRequest__Output, _p2p_v1_DisconnectPeerResponse>;
  
  Fetch: grpc.handleServerStreamingCall<_p2p_v1_FetchRequest__Output, _p2p_v1_TransferProgress>;
  
  GetLimits: grpc.handleUnaryCall<_p2p_v1_GetLimitsRequest__Output, _p2p_v1_Limits>;
  
  ListFiles: grpc.handleUnaryCall<_p2p_v1_ListFilesRequest__Output, _p2p_v1_ListFilesResponse>;
  
  ListPeers: grpc.handleUnaryCall<_p2p_v1_ListPeersRequest__Output, _p2p_v1_ListPeersResponse>;
  
  ListTransfers: grpc.handleUnaryCall<_p2p_v1_ListTransfersRequest__Output, _p2p_v1_ListTransfersResponse>;
  
  Push: grpc.handleServerStreamingCall<_p2p_v1_PushRequest__Output, _p2p_v1_TransferProgress>;
  
  Search: grpc.handleServerStreamingCall<_p2p_v1_NetworkSearchRequest__Output, _p2p_v1_NetworkSearchHit>;
  
  SetLimits: grpc.handleUnaryCall<_p2p_v1_SetLimitsRequest__Output, _p2p_v1_Limits>;
  
  Status: grpc.handleUnaryCall<_p2p_v1_StatusRequest__Output, _p2p_v1_StatusResponse>;
  
  WatchEvents: grpc.handleServerStreamingCall<_p2p_v1_WatchEventsRequest__Output, _p2p_v1_Event>;
  
}

export interface ControlServiceDefinition extends grpc.ServiceDefinition {
  ConnectPeer: MethodDefinition<_p2p_v1_ConnectPeerRequest, _p2p_v1_ConnectPeerResponse, _p2p_v1_ConnectPeerRequest__Output, _p2p_v1_ConnectPeerResponse__Output>
  DisconnectPeer: MethodDefinition<_p2p_v1_DisconnectPeerRequest, _p2p_v1_DisconnectPeerResponse, _p2p_v1_DisconnectPeerRequest__Output, _p2p_v1_DisconnectPeerResponse__Output>
  Fetch: MethodDefinition<_p2p_v1_FetchRequest, _p2p_v1_TransferProgress, _p2p_v1_FetchRequest__Output, _p2p_v1_TransferProgress__Output>
  GetLimits: MethodDefinition<_p2p_v1_GetLimitsRequest, _p2p_v1_Limits, _p2p_v1_GetLimitsRequest__Output, _p2p_v1_Limits__Output>
  ListFiles: MethodDefinition<_p2p_v1_ListFilesRequest, _p2p_v1_ListFilesResponse, _p2p_v1_ListFilesRequest__Output, _p2p_v1_ListFilesResponse__Output>
  ListPeers: MethodDefinition<_p2p_v1_ListPeersRequest, _p2p_v1_ListPeersResponse, _p2p_v1_ListPeersRequest__Output, _p2p_v1_ListPeersResponse__Output>
  ListTransfers: MethodDefinition<_p2p_v1_ListTransfersRequest, _p2p_v1_ListTransfersResponse, _p2p_v1_ListTransfersRequest__Output, _p2p_v1_ListTransfersResponse__Output>
  Push: MethodDefinition<_p2p_v1_PushRequest, _p2p_v1_TransferProgress, _p2p_v1_PushRequest__Output, _p2p_v1_TransferProgress__Output>
  Search: MethodDefinition<_p2p_v1_NetworkSearchRequest, _p2p_v1_NetworkSearchHit, _p2p_v1_NetworkSearchRequest__Output, _p2p_v1_NetworkSearchHit__Output>
  SetLimits: MethodDefinition<_p2p_v1_SetLimitsRequest, _p2p_v1_Limits, _p2p_v1_SetLimitsRequest__Output, _p2p_v1_Limits__Output>
  Status: MethodDefinition<_p2p_v1_StatusRequest, _p2p_v1_StatusResponse, _p2p_v1_StatusRequest__Output, _p2p_v1_StatusResponse__Output>
  WatchEvents: MethodDefinition<_p2p_v1_WatchEventsRequest, _p2p_v1_Event, _p2p_v1_WatchEventsRequest__Output, _p2p_v1_Event__Output>
}
