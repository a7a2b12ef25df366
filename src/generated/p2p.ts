import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { BootstrapPeer as _p2p_v1_BootstrapPeer, BootstrapPeer__Output as _p2p_v1_BootstrapPeer__Output } from './p2p/v1/BootstrapPeer.js';
import type { ConnectPeerRequest as _p2p_v1_ConnectPeerRequest, ConnectPeerRequest__Output as _p2p_v1_ConnectPeerRequest__Output } from './p2p/v1/ConnectPeerRequest.js';
import type { ConnectPeerResponse as _p2p_v1_ConnectPeerResponse, ConnectPeerResponse__Output as _p2p_v1_ConnectPeerResponse__Output } from './p2p/v1/ConnectPeerResponse.js';
import type { ConnectRequest as _p2p_v1_ConnectRequest, ConnectRequest__Output as _p2p_v1_ConnectRequest__Output } from './p2p/v1/ConnectRequest.js';
import type { ConnectResponse as _p2p_v1_ConnectResponse, ConnectResponse__Output as _p2p_v1_ConnectResponse__Output } from './p2p/v1/ConnectResponse.js';
import type { ControlServiceClient as _p2p_v1_ControlServiceClient, ControlServiceDefinition as _p2p_v1_ControlServiceDefinition } from './p2p/v1/ControlService.js';
import type { DataChunk as _p2p_v1_DataChunk, DataChunk__Output as _p2p_v1_DataChunk__Output } from './p2p/v1/DataChunk.js';
import type { DialBackRequest as _p2p_v1_DialBackRequest, DialBackRequest__Output as _p2p_v1_DialBackRequest__Output } from './p2p/v1/DialBackRequest.js';
import type { DialBackResponse as _p2p_v1_DialBackResponse, DialBackResponse__Output as _p2p_v1_DialBackResponse__Output } from './p2p/v1/DialBackResponse.js';
import type { DialRequest as _p2p_v1_DialRequest, DialRequest__Output as _p2p_v1_DialRequest__Output } from './p2p/v1/DialRequest.js';
import type { DisconnectPeerRequest as _p2p_v1_DisconnectPeerRequest, DisconnectPeerRequest__Output as _p2p_v1_DisconnectPeerRequest__Output } from './p2p/v1/DisconnectPeerRequest.js';
import type { DisconnectPeerResponse as _p2p_v1_DisconnectPeerResponse, DisconnectPeerResponse__Output as _p2p_v1_DisconnectPeerResponse__Output } from './p2p/v1/DisconnectPeerResponse.js';
import type { DownloadRequest as _p2p_v1_DownloadRequest, DownloadRequest__Output as _p2p_v1_DownloadRequest__Output } from './p2p/v1/DownloadRequest.js';
import type { Event as _p2p_v1_Event, Event__Output as _p2p_v1_Event__Output } from './p2p/v1/Event.js';
import type { FetchRequest as _p2p_v1_FetchRequest, FetchRequest__Output as _p2p_v1_FetchRequest__Output } from './p2p/v1/FetchRequest.js';
import type { FileInfo as _p2p_v1_FileInfo, FileInfo__Output as _p2p_v1_FileInfo__Output } from './p2p/v1/FileInfo.js';
import type { GetFileRequest as _p2p_v1_GetFileRequest, GetFileRequest__Output as _p2p_v1_GetFileRequest__Output } from './p2p/v1/GetFileRequest.js';
import type { GetLimitsRequest as _p2p_v1_GetLimitsRequest, GetLimitsRequest__Output as _p2p_v1_GetLimitsRequest__Output } from './p2p/v1/GetLimitsRequest.js';
import type { GetPeersRequest as _p2p_v1_GetPeersRequest, GetPeersRequest__Output as _p2p_v1_GetPeersRequest__Output } from './p2p/v1/GetPeersRequest.js';
import type { GetPeersResponse as _p2p_v1_GetPeersResponse, GetPeersResponse__Output as _p2p_v1_GetPeersResponse__Output } from './p2p/v1/GetPeersResponse.js';
import type { GetRoutesRequest as _p2p_v1_GetRoutesRequest, GetRoutesRequest__Output as _p2p_v1_GetRoutesRequest__Output } from './p2p/v1/GetRoutesRequest.js';
import type { GetRoutesResponse as _p2p_v1_GetRoutesResponse, GetRoutesResponse__Output as _p2p_v1_GetRoutesResponse__Output } from './p2p/v1/GetRoutesResponse.js';
import type { JoinRequest as _p2p_v1_JoinRequest, JoinRequest__Output as _p2p_v1_JoinRequest__Output } from './p2p/v1/JoinRequest.js';
import type { JoinResponse as _p2p_v1_JoinResponse, JoinResponse__Output as _p2p_v1_JoinResponse__Output } from './p2p/v1/JoinResponse.js';
import type { LeaveRequest as _p2p_v1_LeaveRequest, LeaveRequest__Output as _p2p_v1_LeaveRequest__Output } from './p2p/v1/LeaveRequest.js';
import type { LeaveResponse as _p2p_v1_LeaveResponse, LeaveResponse__Output as _p2p_v1_LeaveResponse__Output } from './p2p/v1/LeaveResponse.js';
import type { Limits as _p2p_v1_Limits, Limits__Output as _p2p_v1_Limits__Output } from './p2p/v1/Limits.js';
import type { ListFilesRequest as _p2p_v1_ListFilesRequest, ListFilesRequest__Output as _p2p_v1_ListFilesRequest__Output } from './p2p/v1/ListFilesRequest.js';
import type { ListFilesResponse as _p2p_v1_ListFilesResponse, ListFilesResponse__Output as _p2p_v1_ListFilesResponse__Output } from './p2p/v1/ListFilesResponse.js';
import type { ListPeersRequest as _p2p_v1_ListPeersRequest, ListPeersRequest__Output as _p2p_v1_ListPeersRequest__Output } from './p2p/v1/ListPeersRequest.js';
import type { ListPeersResponse as _p2p_v1_ListPeersResponse, ListPeersResponse__Output as _p2p_v1_ListPeersResponse__Output } from './p2p/v1/ListPeersResponse.js';
import type { ListTransfersRequest as _p2p_v1_ListTransfersRequest, ListTransfersRequest__Output as _p2p_v1_ListTransfersRequest__Output } from './p2p/v1/ListTransfersRequest.js';
import type { ListTransfersResponse as _p2p_v1_ListTransfersResponse, ListTransfersResponse__Output as _p2p_v1_ListTransfersResponse__Output } from './p2p/v1/ListTransfersResponse.js';
import type { ListenRequest as _p2p_v1_ListenRequest, ListenRequest__Output as _p2p_v1_ListenRequest__Output } from './p2p/v1/ListenRequest.js';
import type { LogStatus as _p2p_v1_LogStatus, LogStatus__Output as _p2p_v1_LogStatus__Output } from './p2p/v1/LogStatus.js';
import type { Neighbor as _p2p_v1_Neighbor, Neighbor__Output as _p2p_v1_Neighbor__Output } from './p2p/v1/Neighbor.js';
import type { NetworkSearchHit as _p2p_v1_NetworkSearchHit, NetworkSearchHit__Output as _p2p_v1_NetworkSearchHit__Output } from './p2p/v1/NetworkSearchHit.js';
import type { NetworkSearchRequest as _p2p_v1_NetworkSearchRequest, NetworkSearchRequest__Output as _p2p_v1_NetworkSearchRequest__Output } from './p2p/v1/NetworkSearchRequest.js';
import type { PeerInfo as _p2p_v1_PeerInfo, PeerInfo__Output as _p2p_v1_PeerInfo__Output } from './p2p/v1/PeerInfo.js';
import type { PeerServiceClient as _p2p_v1_PeerServiceClient, PeerServiceDefinition as _p2p_v1_PeerServiceDefinition } from './p2p/v1/PeerService.js';
import type { PingRequest as _p2p_v1_PingRequest, PingRequest__Output as _p2p_v1_PingRequest__Output } from './p2p/v1/PingRequest.js';
import type { PingResponse as _p2p_v1_PingResponse, PingResponse__Output as _p2p_v1_PingResponse__Output } from './p2p/v1/PingResponse.js';
import type { PushRequest as _p2p_v1_PushRequest, PushRequest__Output as _p2p_v1_PushRequest__Output } from './p2p/v1/PushRequest.js';
import type { SearchHit as _p2p_v1_SearchHit, SearchHit__Output as _p2p_v1_SearchHit__Output } from './p2p/v1/SearchHit.js';
import type { SearchRequest as _p2p_v1_SearchRequest, SearchRequest__Output as _p2p_v1_SearchRequest__Output } from './p2p/v1/SearchRequest.js';
import type { SetLimitsRequest as _p2p_v1_SetLimitsRequest, SetLimitsRequest__Output as _p2p_v1_SetLimitsRequest__Output } from './p2p/v1/SetLimitsRequest.js';
import type { StatusRequest as _p2p_v1_StatusRequest, StatusRequest__Output as _p2p_v1_StatusRequest__Output } from './p2p/v1/StatusRequest.js';
import type { StatusResponse as _p2p_v1_StatusResponse, StatusResponse__Output as _p2p_v1_StatusResponse__Output } from './p2p/v1/StatusResponse.js';
import type { TransferProgress as _p2p_v1_TransferProgress, TransferProgress__Output as _p2p_v1_TransferProgress__Output } from './p2p/v1/TransferProgress.js';
import type { TransferSource as _p2p_v1_TransferSource, TransferSource__Output as _p2p_v1_TransferSource__Output } from './p2p/v1/TransferSource.js';
import type { UploadHeader as _p2p_v1_UploadHeader, UploadHeader__Output as _p2p_v1_UploadHeader__Output } from './p2p/v1/UploadHeader.js';
import type { UploadRequest as _p2p_v1_UploadRequest, UploadRequest__Output as _p2p_v1_UploadRequest__Output } from './p2p/v1/UploadRequest.js';
import type { UploadResponse as _p2p_v1_UploadResponse, UploadResponse__Output as _p2p_v1_UploadResponse__Output } from './p2p/v1/UploadResponse.js';
import type { WatchEventsRequest as _p2p_v1_WatchEventsRequest, WatchEventsRequest__Output as _p2p_v1_WatchEventsRequest__Output } from './p2p/v1/WatchEventsRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  p2p: {
    v1: {
      BootstrapPeer: MessageTypeDefinition<_p2p_v1_BootstrapPeer, _p2p_v1_BootstrapPeer__Output>
      ConnectPeerRequest: MessageTypeDefinition<_p2p_v1_ConnectPeerRequest, _p2p_v1_ConnectPeerRequest__Output>
      ConnectPeerResponse: MessageTypeDefinition<_p2p_v1_ConnectPeerResponse, _p2p_v1_ConnectPeerResponse__Output>
      ConnectRequest: MessageTypeDefinition<_p2p_v1_ConnectRequest, _p2p_v1_ConnectRequest__Output>
      ConnectResponse: MessageTypeDefinition<_p2p_v1_ConnectResponse, _p2p_v1_ConnectResponse__Output>
      ControlService: SubtypeConstructor<typeof grpc.Client, _p2p_v1_ControlServiceClient> & { service: _p2p_v1_ControlServiceDefinition }
      DataChunk: MessageTypeDefinition<_p2p_v1_DataChunk, _p2p_v1_DataChunk__Output>
      DialBackRequest: MessageTypeDefinition<_p2p_v1_DialBackRequest, _p2p_v1_DialBackRequest__Output>
      DialBackResponse: MessageTypeDefinition<_p2p_v1_DialBackResponse, _p2p_v1_DialBackResponse__Output>
      DialRequest: MessageTypeDefinition<_p2p_v1_DialRequest, _p2p_v1_DialRequest__Output>
      DisconnectPeerRequest: MessageTypeDefinition<_p2p_v1_DisconnectPeerRequest, _p2p_v1_DisconnectPeerRequest__Output>
      DisconnectPeerResponse: MessageTypeDefinition<_p2p_v1_DisconnectPeerResponse, _p2p_v1_DisconnectPeerResponse__Output>
      DownloadRequest: MessageTypeDefinition<_p2p_v1_DownloadRequest, _p2p_v1_DownloadRequest__Output>
      Event: MessageTypeDefinition<_p2p_v1_Event, _p2p_v1_Event__Output>
      FetchRequest: MessageTypeDefinition<_p2p_v1_FetchRequest, _p2p_v1_FetchRequest__Output>
      FileInfo: MessageTypeDefinition<_p2p_v1_FileInfo, _p2p_v1_FileInfo__Output>
      GetFileRequest: MessageTypeDefinition<_p2p_v1_GetFileRequest, _p2p_v1_GetFileRequest__Output>
      GetLimitsRequest: MessageTypeDefinition<_p2p_v1_GetLimitsRequest, _p2p_v1_GetLimitsRequest__Output>
      GetPeersRequest: MessageTypeDefinition<_p2p_v1_GetPeersRequest, _p2p_v1_GetPeersRequest__Output>
      GetPeersResponse: MessageTypeDefinition<_p2p_v1_GetPeersResponse, _p2p_v1_GetPeersResponse__Output>
      GetRoutesRequest: MessageTypeDefinition<_p2p_v1_GetRoutesRequest, _p2p_v1_GetRoutesRequest__Output>
      GetRoutesResponse: MessageTypeDefinition<_p2p_v1_GetRoutesResponse, _p2p_v1_GetRoutesResponse__Output>
      JoinRequest: MessageTypeDefinition<_p2p_v1_JoinRequest, _p2p_v1_JoinRequest__Output>
      JoinResponse: MessageTypeDefinition<_p2p_v1_JoinResponse, _p2p_v1_JoinResponse__Output>
      LeaveRequest: MessageTypeDefinition<_p2p_v1_LeaveRequest, _p2p_v1_LeaveRequest__Output>
      LeaveResponse: MessageTypeDefinition<_p2p_v1_LeaveResponse, _p2p_v1_LeaveResponse__Output>
      Limits: MessageTypeDefinition<_p2p_v1_Limits, _p2p_v1_Limits__Output>
      ListFilesRequest: MessageTypeDefinition<_p2p_v1_ListFilesRequest, _p2p_v1_ListFilesRequest__Output>
      ListFilesResponse: MessageTypeDefinition<_p2p_v1_ListFilesResponse, _p2p_v1_ListFilesResponse__Output>
      ListPeersRequest: MessageTypeDefinition<_p2p_v1_ListPeersRequest, _p2p_v1_ListPeersRequest__Output>
      ListPeersResponse: MessageTypeDefinition<_p2p_v1_ListPeersResponse, _p2p_v1_ListPeersResponse__Output>
      ListTransfersRequest: MessageTypeDefinition<_p2p_v1_ListTransfersRequest, _p2p_v1_ListTransfersRequest__Output>
      ListTransfersResponse: MessageTypeDefinition<_p2p_v1_ListTransfersResponse, _p2p_v1_ListTransfersResponse__Output>
      ListenRequest: MessageTypeDefinition<_p2p_v1_ListenRequest, _p2p_v1_ListenRequest__Output>
      LogStatus: MessageTypeDefinition<_p2p_v1_LogStatus, _p2p_v1_LogStatus__Output>
      Neighbor: MessageTypeDefinition<_p2p_v1_Neighbor, _p2p_v1_Neighbor__Output>
      NetworkSearchHit: MessageTypeDefinition<_p2p_v1_NetworkSearchHit, _p2p_v1_NetworkSearchHit__Output>
      NetworkSearchRequest: MessageTypeDefinition<_p2p_v1_NetworkSearchRequest, _p2p_v1_NetworkSearchRequest__Output>
      PeerInfo: MessageTypeDefinition<_p2p_v1_PeerInfo, _p2p_v1_PeerInfo__Output>
      PeerService: SubtypeConstructor<typeof grpc.Client, _p2p_v1_PeerServiceClient> & { service: _p2p_v1_PeerServiceDefinition }
      PingRequest: MessageTypeDefinition<_p2p_v1_PingRequest, _p2p_v1_PingRequest__Output>
      PingResponse: MessageTypeDefinition<_p2p_v1_PingResponse, _p2p_v1_PingResponse__Output>
      PushRequest: MessageTypeDefinition<_p2p_v1_PushRequest, _p2p_v1_PushRequest__Output>
      SearchHit: MessageTypeDefinition<_p2p_v1_SearchHit, _p2p_v1_SearchHit__Output>
      SearchRequest: MessageTypeDefinition<_p2p_v1_SearchRequest, _p2p_v1_SearchRequest__Output>
      SetLimitsRequest: MessageTypeDefinition<_p2p_v1_SetLimitsRequest, _p2p_v1_SetLimitsRequest__Output>
      StatusRequest: MessageTypeDefinition<_p2p_v1_StatusRequest, _p2p_v1_StatusRequest__Output>
      StatusResponse: MessageTypeDefinition<_p2p_v1_StatusResponse, _p2p_v1_StatusResponse__Output>
      TransferProgress: MessageTypeDefinition<_p2p_v1_TransferProgress, _p2p_v1_TransferProgress__Output>
      TransferSource: MessageTypeDefinition<_p2p_v1_TransferSource, _p2p_v1_TransferSource__Output>
      UploadHeader: MessageTypeDefinition<_p2p_v1_UploadHeader, _p2p_v1_UploadHeader__Output>
      UploadRequest: MessageTypeDefinition<_p2p_v1_UploadRequest, _p2p_v1_UploadRequest__Output>
      UploadResponse: MessageTypeDefinition<_p2p_v1_UploadResponse, _p2p_v1_UploadResponse__Output>
      WatchEventsRequest: MessageTypeDefinition<_p2p_v1_WatchEventsRequest, _p2p_v1_WatchEventsRequest__Output>
    }
  }
}

