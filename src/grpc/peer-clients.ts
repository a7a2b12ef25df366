// One PeerService channel per address, reused by every call to that peer and
// closed when the peer is dropped or the daemon stops.
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

export class PeerClientPool {
  private readonly clients = new Map<string, PeerServiceClient>();
  private closed = false;

  constructor(private readonly credentials: PeerCredentials) {}

  get(address: string): PeerServiceClient {
    if (this.closed) this.closed = false; // a restarted daemon reuses its pool
    let client = this.clients.get(address);
    if (!client) {
      client = createPeerClient(address, this.credentials(address), PEER_CHANNEL_OPTIONS);
      this.clients.set(address, client);
    }
    return client;
  }

  close(address: string): void {
    this.clients.get(address)?.close();
    this.clients.delete(address);
  }

  closeAll(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
    this.closed = true;
  }

  get size(): number {
    return this.clients.size;
  }
}
