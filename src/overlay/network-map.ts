// A picture of the overlay around this peer, for people: its neighbors and
// the peers each of them reports through GetPeers (a second hop). Asked on
// demand and kept briefly, so a UI refreshing the picture costs the network
// one GetPeers per neighbor every few seconds at most.
import type { Neighbor, NeighborTable } from './neighbors.js';
import { toView } from './neighbors.js';
import type { NeighborView, OverlayTransport, PeerRecord } from './types.js';
import { checkPeer } from './validate.js';

export interface ReportedNeighbor extends NeighborView {
  /** The peers this neighbor reports (its neighbors first, then healthy hosts it knows). */
  reported: PeerRecord[];
  /** Why its report is missing, when GetPeers failed. */
  error?: string;
}

export interface NetworkMap {
  self: PeerRecord;
  neighbors: ReportedNeighbor[];
  /** When the reports were gathered, epoch ms. */
  atMs: number;
}

export interface NetworkMapComponents {
  transport: OverlayTransport;
  neighbors: NeighborTable;
}

export interface NetworkMapInit {
  /** Deadline of each GetPeers, ms. */
  timeoutMs: number;
  /** How long a gathered map is served again, ms. */
  maxAgeMs: number;
  /** Peers asked of each neighbor. */
  maxReported: number;
}

export class NetworkMapper {
  private last: NetworkMap | undefined;
  private pending: Promise<NetworkMap> | undefined;

  constructor(
    private readonly c: NetworkMapComponents,
    private readonly init: NetworkMapInit,
  ) {}

  /** The map, gathered now unless a recent one (same neighbors) is at hand. */
  async map(self: PeerRecord): Promise<NetworkMap> {
    const ids = this.c.neighbors
      .all()
      .map((n) => n.peer.id)
      .sort()
      .join();
    const last = this.last;
    if (
      last &&
      Date.now() - last.atMs < this.init.maxAgeMs &&
      last.neighbors
        .map((n) => n.peer.id)
        .sort()
        .join() === ids
    ) {
      // Round-trip times are local and fresh; only the reports are reused.
      const reports = new Map(last.neighbors.map((n) => [n.peer.id, n]));
      return {
        ...last,
        neighbors: this.c.neighbors
          .all()
          .map((n) => ({ ...reports.get(n.peer.id)!, ...toView(n) })),
      };
    }
    this.pending ??= this.gather(self).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async gather(self: PeerRecord): Promise<NetworkMap> {
    const neighbors = await Promise.all(this.c.neighbors.all().map((n) => this.report(self, n)));
    this.last = { self, neighbors, atMs: Date.now() };
    return this.last;
  }

  private async report(self: PeerRecord, n: Neighbor): Promise<ReportedNeighbor> {
    try {
      const peers = await this.c.transport.getPeers(n.callAddress, self.id, this.init.maxReported, {
        timeoutMs: this.init.timeoutMs,
      });
      const reported: PeerRecord[] = [];
      for (const p of peers.slice(0, this.init.maxReported)) {
        try {
          reported.push(checkPeer(p, 'peer'));
        } catch {
          // A malformed entry is left out; the rest of the report still counts.
        }
      }
      return { ...toView(n), reported };
    } catch (err) {
      return { ...toView(n), reported: [], error: (err as Error).message };
    }
  }
}
