// Original file: proto/p2p/v1/p2p.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ConnectRequest as _p2p_v1_ConnectRequest, ConnectRequest__Output as _p2p_v1_ConnectRequest__Output } from '../../p2p/v1/ConnectRequest.js';
import type { ConnectResponse as _p2p_v1_ConnectResponse, ConnectResponse__Output as _p2p_v1_ConnectResponse__Output } from '../../p2p/v1/ConnectResponse.js';
import type { DataChunk as _p2p_v1_DataChunk, DataChunk__Output as _p2p_v1_DataChunk__Output } from '../../p2p/v1/DataChunk.js';
import type { DialBackRequest as _p2p_v1_DialBackRequest, DialBackRequest__Output as _p2p_v1_DialBackRequest__Output } from '../../p2p/v1/DialBackRequest.js';
import type { DialBackResponse as _p2p_v1_DialBackResponse, DialBackResponse__Output as _p2p_v1_DialBackResponse__Output } from '../../p2p/v1/DialBackResponse.js';
import type { DialRequest as _p2p_v1_DialRequest, DialRequest__Output as _p2p_v1_DialRequest__Output } from '../../p2p/v1/DialRequest.js';
import type { DownloadRequest as _p2p_v1_DownloadRequest, DownloadRequest__Output as _p2p_v1_DownloadRequest__Output } from '../../p2p/v1/DownloadRequest.js';
import type { FileInfo as _p2p_v1_FileInfo, FileInfo__Output as _p2p_v1_FileInfo__Output } from '../../p2p/v1/FileInfo.js';
import type { GetFileRequest as _p2p_v1_GetFileRequest, GetFileRequest__Output as _p2p_v1_GetFileRequest__Output } from '../../p2p/v1/GetFileRequest.js';
import type { GetPeersRequest as _p2p_v1_GetPeersRequest, GetPeersRequest__Output as _p2p_v1_GetPeersRequest__Output } from '../../p2p/v1/GetPeersRequest.js';
import type { GetPeersResponse as _p2p_v1_GetPeersResponse, GetPeersResponse__Output as _p2p_v1_GetPeersResponse__Output } from '../../p2p/v1/GetPeersResponse.js';
import type { GetRoutesRequest as _p2p_v1_GetRoutesRequest, GetRoutesRequest__Output as _p2p_v1_GetRoutesRequest__Output } from '../../p2p/v1/GetRoutesRequest.js';
import type { GetRoutesResponse as _p2p_v1_GetRoutesResponse, GetRoutesResponse__Output as _p2p_v1_GetRoutesResponse__Output } from '../../p2p/v1/GetRoutesResponse.js';
import type { JoinRequest as _p2p_v1_JoinRequest, JoinRequest__Output as _p2p_v1_JoinRequest__Output } from '../../p2p/v1/JoinRequest.js';
import type { JoinResponse as _p2p_v1_JoinResponse, JoinResponse__Output as _p2p_v1_JoinResponse__Output } from '../../p2p/v1/JoinResponse.js';
import type { LeaveRequest as _p2p_v1_LeaveRequest, LeaveRequest__Output as _p2p_v1_LeaveRequest__Output } from '../../p2p/v1/LeaveRequest.js';
import type { LeaveResponse as _p2p_v1_LeaveResponse, LeaveResponse__Output as _p2p_v1_LeaveResponse__Output } from '../../p2p/v1/LeaveResponse.js';
import type { ListenRequest as _p2p_v1_ListenRequest, ListenRequest__Output as _p2p_v1_ListenRequest__Output } from '../../p2p/v1/ListenRequest.js';
import type { PingRequest as _p2p_v1_PingRequest, PingRequest__Output as _p2p_v1_PingRequest__Output } from '../../p2p/v1/PingRequest.js';
import type { PingResponse as _p2p_v1_PingResponse, PingResponse__Output as _p2p_v1_PingResponse__Output } from '../../p2p/v1/PingResponse.js';
import type { SearchHit as _p2p_v1_SearchHit, SearchHit__Output as _p2p_v1_SearchHit__Output } from '../../p2p/v1/SearchHit.js';
import type { SearchRequest as _p2p_v1_SearchRequest, SearchRequest__Output as _p2p_v1_SearchRequest__Output } from '../../p2p/v1/SearchRequest.js';
import type { UploadRequest as _p2p_v1_UploadRequest, UploadRequest__Output as _p2p_v1_UploadRequest__Output } from '../../p2p/v1/UploadRequest.js';
import type { UploadResponse as _p2p_v1_UploadResponse, UploadResponse__Output as _p2p_v1_UploadResponse__Output } from '../../p2p/v1/UploadResponse.js';

export interface PeerServiceClient extends grpc.Client {
  Connect(argument: _p2p_v1_ConnectRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ConnectResponse__Output>): grpc.ClientUnaryCall;
  Connect(argument: _p2p_v1_ConnectRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_ConnectResponse__Output>): grpc.ClientUnaryCall;
  Connect(argument: _p2p_v1_ConnectRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ConnectResponse__Output>): grpc.ClientUnaryCall;
  Connect(argument: _p2p_v1_ConnectRequest, callback: grpc.requestCallback<_p2p_v1_ConnectResponse__Output>): grpc.ClientUnaryCall;
  connect(argument: _p2p_v1_ConnectRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ConnectResponse__Output>): grpc.ClientUnaryCall;
  connect(argument: _p2p_v1_ConnectRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_ConnectResponse__Output>): grpc.ClientUnaryCall;
  connect(argument: _p2p_v1_ConnectRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_ConnectResponse__Output>): grpc.ClientUnaryCall;
  connect(argument: _p2p_v1_ConnectRequest, callback: grpc.requestCallback<_p2p_v1_ConnectResponse__Output>): grpc.ClientUnaryCall;
  
  DialBack(argument: _p2p_v1_DialBackRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_DialBackResponse__Output>): grpc.ClientUnaryCall;
  DialBack(argument: _p2p_v1_DialBackRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_DialBackResponse__Output>): grpc.ClientUnaryCall;
  DialBack(argument: _p2p_v1_DialBackRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_DialBackResponse__Output>): grpc.ClientUnaryCall;
  DialBack(argument: _p2p_v1_DialBackRequest, callback: grpc.requestCallback<_p2p_v1_DialBackResponse__Output>): grpc.ClientUnaryCall;
  dialBack(argument: _p2p_v1_DialBackRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_DialBackResponse__Output>): grpc.ClientUnaryCall;
  dialBack(argument: _p2p_v1_DialBackRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_DialBackResponse__Output>): grpc.ClientUnaryCall;
  dialBack(argument: _p2p_v1_DialBackRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_DialBackResponse__Output>): grpc.ClientUnaryCall;
  dialBack(argument: _p2p_v1_DialBackRequest, callback: grpc.requestCallback<_p2p_v1_DialBackResponse__Output>): grpc.ClientUnaryCall;
  
  Download(argument: _p2p_v1_DownloadRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_DataChunk__Output>;
  Download(argument: _p2p_v1_DownloadRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_DataChunk__Output>;
  download(argument: _p2p_v1_DownloadRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_DataChunk__Output>;
  download(argument: _p2p_v1_DownloadRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_DataChunk__Output>;
  
  DownloadRanges(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_p2p_v1_DownloadRequest, _p2p_v1_DataChunk__Output>;
  DownloadRanges(options?: grpc.CallOptions): grpc.ClientDuplexStream<_p2p_v1_DownloadRequest, _p2p_v1_DataChunk__Output>;
  downloadRanges(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_p2p_v1_DownloadRequest, _p2p_v1_DataChunk__Output>;
  downloadRanges(options?: grpc.CallOptions): grpc.ClientDuplexStream<_p2p_v1_DownloadRequest, _p2p_v1_DataChunk__Output>;
  
  GetFile(argument: _p2p_v1_GetFileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_FileInfo__Output>): grpc.ClientUnaryCall;
  GetFile(argument: _p2p_v1_GetFileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_FileInfo__Output>): grpc.ClientUnaryCall;
  GetFile(argument: _p2p_v1_GetFileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_FileInfo__Output>): grpc.ClientUnaryCall;
  GetFile(argument: _p2p_v1_GetFileRequest, callback: grpc.requestCallback<_p2p_v1_FileInfo__Output>): grpc.ClientUnaryCall;
  getFile(argument: _p2p_v1_GetFileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_FileInfo__Output>): grpc.ClientUnaryCall;
  getFile(argument: _p2p_v1_GetFileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_FileInfo__Output>): grpc.ClientUnaryCall;
  getFile(argument: _p2p_v1_GetFileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_FileInfo__Output>): grpc.ClientUnaryCall;
  getFile(argument: _p2p_v1_GetFileRequest, callback: grpc.requestCallback<_p2p_v1_FileInfo__Output>): grpc.ClientUnaryCall;
  
  GetPeers(argument: _p2p_v1_GetPeersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_GetPeersResponse__Output>): grpc.ClientUnaryCall;
  GetPeers(argument: _p2p_v1_GetPeersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_GetPeersResponse__Output>): grpc.ClientUnaryCall;
  GetPeers(argument: _p2p_v1_GetPeersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_GetPeersResponse__Output>): grpc.ClientUnaryCall;
  GetPeers(argument: _p2p_v1_GetPeersRequest, callback: grpc.requestCallback<_p2p_v1_GetPeersResponse__Output>): grpc.ClientUnaryCall;
  getPeers(argument: _p2p_v1_GetPeersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_GetPeersResponse__Output>): grpc.ClientUnaryCall;
  getPeers(argument: _p2p_v1_GetPeersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_GetPeersResponse__Output>): grpc.ClientUnaryCall;
  getPeers(argument: _p2p_v1_GetPeersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_GetPeersResponse__Output>): grpc.ClientUnaryCall;
  getPeers(argument: _p2p_v1_GetPeersRequest, callback: grpc.requestCallback<_p2p_v1_GetPeersResponse__Output>): grpc.ClientUnaryCall;
  
  GetRoutes(argument: _p2p_v1_GetRoutesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_GetRoutesResponse__Output>): grpc.ClientUnaryCall;
  GetRoutes(argument: _p2p_v1_GetRoutesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_GetRoutesResponse__Output>): grpc.ClientUnaryCall;
  GetRoutes(argument: _p2p_v1_GetRoutesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_GetRoutesResponse__Output>): grpc.ClientUnaryCall;
  GetRoutes(argument: _p2p_v1_GetRoutesRequest, callback: grpc.requestCallback<_p2p_v1_GetRoutesResponse__Output>): grpc.ClientUnaryCall;
  getRoutes(argument: _p2p_v1_GetRoutesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_GetRoutesResponse__Output>): grpc.ClientUnaryCall;
  getRoutes(argument: _p2p_v1_GetRoutesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_GetRoutesResponse__Output>): grpc.ClientUnaryCall;
  getRoutes(argument: _p2p_v1_GetRoutesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_GetRoutesResponse__Output>): grpc.ClientUnaryCall;
  getRoutes(argument: _p2p_v1_GetRoutesRequest, callback: grpc.requestCallback<_p2p_v1_GetRoutesResponse__Output>): grpc.ClientUnaryCall;
  
  Join(argument: _p2p_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _p2p_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _p2p_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _p2p_v1_JoinRequest, callback: grpc.requestCallback<_p2p_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _p2p_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _p2p_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _p2p_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _p2p_v1_JoinRequest, callback: grpc.requestCallback<_p2p_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  
  Leave(argument: _p2p_v1_LeaveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_LeaveResponse__Output>): grpc.ClientUnaryCall;
  Leave(argument: _p2p_v1_LeaveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_LeaveResponse__Output>): grpc.ClientUnaryCall;
  Leave(argument: _p2p_v1_LeaveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_LeaveResponse__Output>): grpc.ClientUnaryCall;
  Leave(argument: _p2p_v1_LeaveRequest, callback: grpc.requestCallback<_p2p_v1_LeaveResponse__Output>): grpc.ClientUnaryCall;
  leave(argument: _p2p_v1_LeaveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_LeaveResponse__Output>): grpc.ClientUnaryCall;
  leave(argument: _p2p_v1_LeaveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_LeaveResponse__Output>): grpc.ClientUnaryCall;
  leave(argument: _p2p_v1_LeaveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_LeaveResponse__Output>): grpc.ClientUnaryCall;
  leave(argument: _p2p_v1_LeaveRequest, callback: grpc.requestCallback<_p2p_v1_LeaveResponse__Output>): grpc.ClientUnaryCall;
  
  Listen(argument: _p2p_v1_ListenRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_DialRequest__Output>;
  Listen(argument: _p2p_v1_ListenRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_DialRequest__Output>;
  listen(argument: _p2p_v1_ListenRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_DialRequest__Output>;
  listen(argument: _p2p_v1_ListenRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_DialRequest__Output>;
  
  Ping(argument: _p2p_v1_PingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_PingResponse__Output>): grpc.ClientUnaryCall;
  Ping(argument: _p2p_v1_PingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_PingResponse__Output>): grpc.ClientUnaryCall;
  Ping(argument: _p2p_v1_PingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_PingResponse__Output>): grpc.ClientUnaryCall;
  Ping(argument: _p2p_v1_PingRequest, callback: grpc.requestCallback<_p2p_v1_PingResponse__Output>): grpc.ClientUnaryCall;
  ping(argument: _p2p_v1_PingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_PingResponse__Output>): grpc.ClientUnaryCall;
  ping(argument: _p2p_v1_PingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_PingResponse__Output>): grpc.ClientUnaryCall;
  ping(argument: _p2p_v1_PingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_PingResponse__Output>): grpc.ClientUnaryCall;
  ping(argument: _p2p_v1_PingRequest, callback: grpc.requestCallback<_p2p_v1_PingResponse__Output>): grpc.ClientUnaryCall;
  
  Search(argument: _p2p_v1_SearchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_SearchHit__Output>;
  Search(argument: _p2p_v1_SearchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_SearchHit__Output>;
  search(argument: _p2p_v1_SearchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_SearchHit__Output>;
  search(argument: _p2p_v1_SearchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_p2p_v1_SearchHit__Output>;
  
  Upload(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_UploadResponse__Output>): grpc.ClientWritableStream<_p2p_v1_UploadRequest>;
  Upload(metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_UploadResponse__Output>): grpc.ClientWritableStream<_p2p_v1_UploadRequest>;
  Upload(options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_UploadResponse__Output>): grpc.ClientWritableStream<_p2p_v1_UploadRequest>;
  Upload(callback: grpc.requestCallback<_p2p_v1_UploadResponse__Output>): grpc.ClientWritableStream<_p2p_v1_UploadRequest>;
  upload(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_UploadResponse__Output>): grpc.ClientWritableStream<_p2p_v1_UploadRequest>;
  upload(metadata: grpc.Metadata, callback: grpc.requestCallback<_p2p_v1_UploadResponse__Output>): grpc.ClientWritableStream<_p2p_v1_UploadRequest>;
  upload(options: grpc.CallOptions, callback: grpc.requestCallback<_p2p_v1_UploadResponse__Output>): grpc.ClientWritableStream<_p2p_v1_UploadRequest>;
  upload(callback: grpc.requestCallback<_p2p_v1_UploadResponse__Output>): grpc.ClientWritableStream<_p2p_v1_UploadRequest>;
  
}

export interface PeerServiceHandlers extends grpc.UntypedServiceImplementation {
  Connect: grpc.handleUnaryCall<_p2p_v1_ConnectRequest__Output, _p2p_v1_ConnectResponse>;
  
  DialBack: grpc.handleUnaryCall<_p2p_v1_DialBackRequest__Output, _p2p_v1_DialBackResponse>;
  
  Download: grpc.handleServerStreamingCall<_p2p_v1_DownloadRequest__Output, _p2p_v1_DataChunk>;
  
  DownloadRanges: grpc.handleBidiStreamingCall<_p2p_v1_DownloadRequest__Output, _p2p_v1_DataChunk>;
  
  GetFile: grpc.handleUnaryCall<_p2p_v1_GetFileRequest__Output, _p2p_v1_FileInfo>;
  
  GetPeers: grpc.handleUnaryCall<_p2p_v1_GetPeersRequest__Output, _p2p_v1_GetPeersResponse>;
  
  GetRoutes: grpc.handleUnaryCall<_p2p_v1_GetRoutesRequest__Output, _p2p_v1_GetRoutesResponse>;
  
  Join: grpc.handleUnaryCall<_p2p_v1_JoinRequest__Output, _p2p_v1_JoinResponse>;
  
  Leave: grpc.handleUnaryCall<_p2p_v1_LeaveRequest__Output, _p2p_v1_LeaveResponse>;
  
  Listen: grpc.handleServerStreamingCall<_p2p_v1_ListenRequest__Output, _p2p_v1_DialRequest>;
  
  Ping: grpc.handleUnaryCall<_p2p_v1_PingRequest__Output, _p2p_v1_PingResponse>;
  
  Search: grpc.handleServerStreamingCall<_p2p_v1_SearchRequest__Output, _p2p_v1_SearchHit>;
  
  Upload: grpc.handleClientStreamingCall<_p2p_v1_UploadRequest__Output, _p2p_v1_UploadResponse>;
  
}

export interface PeerServiceDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<_p2p_v1_ConnectRequest, _p2p_v1_ConnectResponse, _p2p_v1_ConnectRequest__Output, _p2p_v1_ConnectResponse__Output>
  DialBack: MethodDefinition<_p2p_v1_DialBackRequest, _p2p_v1_DialBackResponse, _p2p_v1_DialBackRequest__Output, _p2p_v1_DialBackResponse__Output>
  Download: MethodDefinition<_p2p_v1_DownloadRequest, _p2p_v1_DataChunk, _p2p_v1_DownloadRequest__Output, _p2p_v1_DataChunk__Output>
  DownloadRanges: MethodDefinition<_p2p_v1_DownloadRequest, _p2p_v1_DataChunk, _p2p_v1_DownloadRequest__Output, _p2p_v1_DataChunk__Output>
  GetFile: MethodDefinition<_p2p_v1_GetFileRequest, _p2p_v1_FileInfo, _p2p_v1_GetFileRequest__Output, _p2p_v1_FileInfo__Output>
  GetPeers: MethodDefinition<_p2p_v1_GetPeersRequest, _p2p_v1_GetPeersResponse, _p2p_v1_GetPeersRequest__Output, _p2p_v1_GetPeersResponse__Output>
  GetRoutes: MethodDefinition<_p2p_v1_GetRoutesRequest, _p2p_v1_GetRoutesResponse, _p2p_v1_GetRoutesRequest__Output, _p2p_v1_GetRoutesResponse__Output>
  Join: MethodDefinition<_p2p_v1_JoinRequest, _p2p_v1_JoinResponse, _p2p_v1_JoinRequest__Output, _p2p_v1_JoinResponse__Output>
  Leave: MethodDefinition<_p2p_v1_LeaveRequest, _p2p_v1_LeaveResponse, _p2p_v1_LeaveRequest__Output, _p2p_v1_LeaveResponse__Output>
  Listen: MethodDefinition<_p2p_v1_ListenRequest, _p2p_v1_DialRequest, _p2p_v1_ListenRequest__Output, _p2p_v1_DialRequest__Output>
  Ping: MethodDefinition<_p2p_v1_PingRequest, _p2p_v1_PingResponse, _p2p_v1_PingRequest__Output, _p2p_v1_PingResponse__Output>
  Search: MethodDefinition<_p2p_v1_SearchRequest, _p2p_v1_SearchHit, _p2p_v1_SearchRequest__Output, _p2p_v1_SearchHit__Output>
  Upload: MethodDefinition<_p2p_v1_UploadRequest, _p2p_v1_UploadResponse, _p2p_v1_UploadRequest__Output, _p2p_v1_UploadResponse__Output>
}
