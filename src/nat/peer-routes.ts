// How to reach a peer address: directly, or (an unreachable peer) through a
// neighbor of it holding its Listen stream. Learned from adverts (Join, peer
// exchange, search hits) and from Listen streams opened here; bounded, the
// least recently learned forgotten first.
import type { PeerRecord } from '../overlay/types.js';

export interface ReverseRoute {
  fingerprint: string;
  /** Neighbors of that peer that can ask it to dial out. */
  via: string[];
}

const MAX_ROUTES = 4096;

export class PeerRoutes {
  private readonly routes = new Map<string, ReverseRoute>();

  /** An advert: an unreachable peer with its via, or a peer to dial directly again. */
  learn(peer: PeerRecord): void {
    if (peer.reachability === 'unreachable' && peer.fingerprint && peer.via?.length) {
      this.set(peer.address, { fingerprint: peer.fingerprint, via: [...peer.via] });
    } else if (peer.reachability === 'reachable') {
      this.routes.delete(peer.address);
    }
  }

  set(address: string, route: ReverseRoute): void {
    this.routes.delete(address);
    this.routes.set(address, route);
    if (this.routes.size > MAX_ROUTES) this.routes.delete(this.routes.keys().next().value!);
  }

  forget(address: string): void {
    this.routes.delete(address);
  }

  get(address: string): ReverseRoute | undefined {
    return this.routes.get(address);
  }
}
