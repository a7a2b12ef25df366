// How to reach a peer address: directly, or (an unreachable peer) through a
// neighbor of it holding its Listen stream. Learned from adverts (Join, peer
// exchange, search hits) and from Listen streams opened here; bounded, the
// least recently learned forgotten first. Kept by key too: a peer behind NAT
// is known to its neighbors by the address it had when it joined, which may
// not be the one its later adverts carry.
import type { PeerRecord } from '../overlay/types.js';

export interface ReverseRoute {
  fingerprint: string;
  /** Neighbors of that peer that can ask it to dial out. */
  via: string[];
}

const MAX_ROUTES = 4096;

export class PeerRoutes {
  private readonly routes = new Map<string, ReverseRoute>();
  private readonly byKey = new Map<string, ReverseRoute>();

  /**
   * An advert: an unreachable peer with its via, or (`firsthand`: the peer answering
   * about itself) a peer to dial directly again.
   */
  learn(peer: PeerRecord, firsthand = false): void {
    if (peer.reachability === 'unreachable' && peer.fingerprint && peer.via?.length) {
      const route = { fingerprint: peer.fingerprint, via: [...peer.via] };
      this.set(peer.address, route);
      this.byKey.delete(route.fingerprint);
      this.byKey.set(route.fingerprint, route);
      if (this.byKey.size > MAX_ROUTES) this.byKey.delete(this.byKey.keys().next().value!);
    } else if (firsthand && peer.reachability === 'reachable') {
      // Only the peer's own word: anyone can relay a "reachable" advert for it.
      this.routes.delete(peer.address);
      if (peer.fingerprint) this.byKey.delete(peer.fingerprint);
    }
  }

  /** The route of the peer with this key, whatever address it was learned under. */
  ofKey(fingerprint: string): ReverseRoute | undefined {
    return fingerprint ? this.byKey.get(fingerprint) : undefined;
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
