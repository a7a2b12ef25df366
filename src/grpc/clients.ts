// Typed gRPC clients: the CLI and tests use ControlService, peers use PeerService.
import {
  credentials,
  type ChannelCredentials,
  type ChannelOptions,
  type ServiceError,
} from '@grpc/grpc-js';
import type { ControlServiceClient } from '../generated/p2p/v1/ControlService.js';
import type { PeerServiceClient } from '../generated/p2p/v1/PeerService.js';
import { loadProto } from './proto.js';

const CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.max_receive_message_length': 8 * 1024 * 1024,
};

export function createControlClient(address: string): ControlServiceClient {
  const { proto } = loadProto();
  return new proto.p2p.v1.ControlService(address, credentials.createInsecure(), CHANNEL_OPTIONS);
}

/** How a daemon reaches the peer at an address (the peer wire's TLS credentials). */
export type PeerCredentials = (address: string) => ChannelCredentials;

/** A PeerService client; `creds` come from the peer wire (TLS with this peer's key). */
export function createPeerClient(
  address: string,
  creds: ChannelCredentials,
  options: ChannelOptions = {},
): PeerServiceClient {
  const { proto } = loadProto();
  return new proto.p2p.v1.PeerService(address, creds, {
    ...CHANNEL_OPTIONS,
    // The servername TLS sends: ours, since an IP address is not allowed there (RFC 6066).
    'grpc.ssl_target_name_override': 'p2pd',
    ...options,
  });
}

/** A deadline `ms` from now, for CallOptions. */
export function deadline(ms: number): Date {
  return new Date(Date.now() + ms);
}

/**
 * A unary call as a promise: `start` issues the call with the given callback,
 * e.g. `unaryCall((cb) => client.Status({}, { deadline: deadline(5000) }, cb))`.
 */
export function unaryCall<T>(
  start: (callback: (err: ServiceError | null, value?: T) => void) => unknown,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((err, value) => (err ? reject(err) : resolve(value as T)));
  });
}
