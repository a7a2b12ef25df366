// One PeerService channel per address, reused by every call to that peer and
// closed when the peer is dropped or the daemon stops. A channel dials where
// `target` says: the address itself, or the local proxy of a peer behind NAT
// (src/nat/connector.ts); when that changes, the channel is made again.
import type { ChannelOptions } from '@grpc/grpc-js';
import type { PeerServiceClient } from '../generated/p2p/v1/PeerService.js';
import { createPeerClient, type PeerCredentials } from './clients.js';

const PEER_CHANNEL_OPTIONS: ChannelOptions = {
  // Connections of this daemon only: in-process test networks must not share them.
  'grpc.use_local_subchannel_pool': 1,
  // A peer that comes back is reached again within seconds, not minutes.
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 2000,
  'grpc.enable_retries': 0,
};

/** Where a channel to an address dials (grpc-js target). */
export type DialTarget = (address: string) => string;

export class PeerClientPool {
  private readonly clients = new Map<string, { target: string; client: PeerServiceClient }>();
  private closed = false;

  constructor(
    private readonly credentials: PeerCredentials,
    private readonly target: DialTarget = (address) => address,
  ) {}

  get(address: string): PeerServiceClient {
    if (this.closed) this.closed = false; // a restarted daemon reuses its pool
    const target = this.target(address);
    const held = this.clients.get(address);
    if (held?.target === target) return held.client;
    held?.client.close();
    // Credentials by address: the key expected there is checked whichever way we go.
    const client = createPeerClient(target, this.credentials(address), PEER_CHANNEL_OPTIONS);
    this.clients.set(address, { target, client });
    return client;
  }

  close(address: string): void {
    this.clients.get(address)?.client.close();
    this.clients.delete(address);
  }

  closeAll(): void {
    for (const { client } of this.clients.values()) client.close();
    this.clients.clear();
    this.closed = true;
  }

  get size(): number {
    return this.clients.size;
  }
}
