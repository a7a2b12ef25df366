// Original file: proto/p2p/v1/p2p.proto

import type { LogStatus as _p2p_v1_LogStatus, LogStatus__Output as _p2p_v1_LogStatus__Output } from '../../p2p/v1/LogStatus.js';
import type { BootstrapPeer as _p2p_v1_BootstrapPeer, BootstrapPeer__Output as _p2p_v1_BootstrapPeer__Output } from '../../p2p/v1/BootstrapPeer.js';
import type { Limits as _p2p_v1_Limits, Limits__Output as _p2p_v1_Limits__Output } from '../../p2p/v1/Limits.js';
import type { Long } from '@grpc/proto-loader';

export interface StatusResponse {
  'id'?: (string);
  'version'?: (string);
  'grpcAddress'?: (string);
  'restAddress'?: (string);
  'uptimeMs'?: (number | string | Long);
  'peers'?: (number);
  'files'?: (number);
  'bytesShared'?: (number | string | Long);
  'sharedDir'?: (string);
  'indexing'?: (boolean);
  'natsState'?: (string);
  'log'?: (_p2p_v1_LogStatus | null);
  'bootstrap'?: (_p2p_v1_BootstrapPeer)[];
  'addressSource'?: (string);
  'fingerprint'?: (string);
  'network'?: (string);
  'limits'?: (_p2p_v1_Limits | null);
  'reachability'?: (string);
  'via'?: (string)[];
}

export interface StatusResponse__Output {
  'id': (string);
  'version': (string);
  'grpcAddress': (string);
  'restAddress': (string);
  'uptimeMs': (number);
  'peers': (number);
  'files': (number);
  'bytesShared': (number);
  'sharedDir': (string);
  'indexing': (boolean);
  'natsState': (string);
  'log': (_p2p_v1_LogStatus__Output | null);
  'bootstrap': (_p2p_v1_BootstrapPeer__Output)[];
  'addressSource': (string);
  'fingerprint': (string);
  'network': (string);
  'limits': (_p2p_v1_Limits__Output | null);
  'reachability': (string);
  'via': (string)[];
}
