// Typed gRPC clients: the CLI and tests use ControlService, peers use PeerService.
import { credentials, type ChannelOptions, type ServiceError } from '@grpc/grpc-js';
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

export function createPeerClient(address: string, options: ChannelOptions = {}): PeerServiceClient {
  const { proto } = loadProto();
  return new proto.p2p.v1.PeerService(address, credentials.createInsecure(), {
    ...CHANNEL_OPTIONS,
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
