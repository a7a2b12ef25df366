// The neighbor table: who this peer is connected to, and the events that
// follow each change. Relationships are symmetric: an accepted Join makes
// both sides count each other, and either side's Leave ends it for both.
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { plainHost, splitHostPort } from '../net/addresses.js';
import type { Direction, NeighborView, PeerRecord } from './types.js';

export interface Neighbor {
  peer: PeerRecord;
  /** Where this peer calls it: the dialled address for outbound, else the advertised one. */
  callAddress: string;
  direction: Direction;
  sinceMs: number;
  rttMs: number;
  misses: number;
  pinging: boolean;
  /**
   * `peer.address` is known to reach this neighbor: we dialled it, or it is
   * the address its connection came from. Only verified addresses are handed out.
   */
  verified: boolean;
  /**
   * The host behind it, for the per-host cap: where its connection came from
   * (inbound) or the host dialled (outbound).
   */
  host: string;
}

export type DropKind = 'left' | 'failed';

export class NeighborTable {
  private readonly byId = new Map<string, Neighbor>();
  /** Called after a neighbor is lost to churn (healing listens). */
  onLoss: (neighbor: Neighbor, countBefore: number) => void = () => undefined;

  constructor(
    private readonly events: EventBus,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Neighbor | undefined {
    return this.byId.get(id);
  }

  all(): Neighbor[] {
    return [...this.byId.values()];
  }

  /** The neighbor reachable at `address` (dialled or advertised), if any. */
  byAddress(address: string): Neighbor | undefined {
    for (const n of this.byId.values()) {
      if (n.callAddress === address || n.peer.address === address) return n;
    }
    return undefined;
  }

  add(
    peer: PeerRecord,
    direction: Direction,
    callAddress = peer.address,
    verified = true,
    host = splitHostPort(callAddress).host,
  ): Neighbor {
    const neighbor: Neighbor = {
      peer,
      callAddress,
      direction,
      sinceMs: Date.now(),
      rttMs: -1,
      misses: 0,
      pinging: false,
      verified,
      host: plainHost(host),
    };
    this.byId.set(peer.id, neighbor);
    this.logger.info(
      { neighbor: peer.id, address: peer.address, direction, neighbors: this.byId.size },
      `neighbor ${peer.id} joined (${direction})`,
    );
    this.events.emit('peer.joined', { peerId: peer.id, address: peer.address, direction });
    return neighbor;
  }

  /**
   * Removes `neighbor` if it is still the current entry for its id; false
   * otherwise. `churn` is false when this peer chose to drop it.
   */
  drop(neighbor: Neighbor, kind: DropKind, reason: string, churn = true): boolean {
    if (this.byId.get(neighbor.peer.id) !== neighbor) return false;
    const countBefore = this.byId.size;
    this.byId.delete(neighbor.peer.id);
    const { id, address } = neighbor.peer;
    const fields = { neighbor: id, address, reason, neighbors: this.byId.size };
    if (kind === 'failed') {
      this.logger.warn(fields, `neighbor ${id} failed: ${reason}`);
      this.events.emit('peer.failed', { peerId: id, address, reason });
    } else {
      this.logger.info(fields, `neighbor ${id} left: ${reason}`);
      this.events.emit('peer.left', { peerId: id, address, reason });
    }
    if (churn) this.onLoss(neighbor, countBefore);
    return true;
  }

  /** Forgets everyone without events (this peer is stopping). */
  clear(): void {
    this.byId.clear();
  }

  views(): NeighborView[] {
    return this.all()
      .map(toView)
      .sort((a, b) => a.sinceMs - b.sinceMs);
  }
}

export function toView(n: Neighbor): NeighborView {
  return {
    peer: { ...n.peer },
    state: n.misses > 0 ? 'suspect' : 'connected',
    rttMs: n.rttMs,
    sinceMs: n.sinceMs,
    direction: n.direction,
  };
}
