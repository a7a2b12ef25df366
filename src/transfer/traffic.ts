// Bytes this peer moved, in total and per remote peer, as running counters:
// a reader samples them and divides differences by time to get rates, so
// nothing here keeps history or runs timers.

export interface PeerTraffic {
  /** The remote peer's id when known, else ''. */
  peerId: string;
  /**
   * Its gRPC address; for bytes served to a caller, the address it advertised
   * as a fetcher of the file, else its host.
   */
  address: string;
  /** Bytes sent to it: pushes and served Download streams. */
  upBytes: number;
  /** Verified bytes fetched from it, and bytes it pushed here. */
  downBytes: number;
}

export interface TrafficTotals {
  /** Bytes sent: Download streams served and pushes. */
  upBytes: number;
  /** Verified bytes fetched, and bytes of pushes taken in. */
  downBytes: number;
  peers: PeerTraffic[];
}

/** Peers remembered; past it the quietest are forgotten (their bytes stay in the totals). */
const MAX_PEERS = 256;

export type Direction = 'up' | 'down';

export class TrafficCounter {
  private up = 0;
  private down = 0;
  private readonly byAddress = new Map<string, PeerTraffic>();

  /** `onBytes` sees every count too (the byte metrics), so bytes are counted in one place. */
  constructor(private readonly onBytes: (direction: Direction, bytes: number) => void = () => {}) {}

  /** Bytes sent to a peer (`address` given) or served to an unnamed caller. */
  sent(bytes: number, address?: string, peerId = ''): void {
    this.up += bytes;
    this.onBytes('up', bytes);
    if (address) this.peer(address, peerId).upBytes += bytes;
  }

  /** Bytes received from the peer at `address`: verified fetched chunks, pushes taken in. */
  received(bytes: number, address: string, peerId = ''): void {
    this.down += bytes;
    this.onBytes('down', bytes);
    this.peer(address, peerId).downBytes += bytes;
  }

  /** The counts of one peer by address, if it is remembered. */
  peerAt(address: string): PeerTraffic | undefined {
    const entry = this.byAddress.get(address);
    return entry ? { ...entry } : undefined;
  }

  totals(): TrafficTotals {
    return {
      upBytes: this.up,
      downBytes: this.down,
      peers: [...this.byAddress.values()].map((p) => ({ ...p })),
    };
  }

  private peer(address: string, peerId: string): PeerTraffic {
    let entry = this.byAddress.get(address);
    if (!entry) {
      if (this.byAddress.size >= MAX_PEERS) this.forgetQuietest();
      entry = { peerId, address, upBytes: 0, downBytes: 0 };
      this.byAddress.set(address, entry);
    }
    entry.peerId ||= peerId;
    return entry;
  }

  private forgetQuietest(): void {
    let quietest: PeerTraffic | undefined;
    for (const p of this.byAddress.values()) {
      if (!quietest || p.upBytes + p.downBytes < quietest.upBytes + quietest.downBytes)
        quietest = p;
    }
    if (quietest) this.byAddress.delete(quietest.address);
  }
}
