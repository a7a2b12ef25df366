// What the NAT part needs from the rest of the daemon: the PeerService calls
// it makes (implemented in src/grpc), and the overlay's view of neighbors.
import type { CallOptions, PeerRecord, Reachability } from '../overlay/types.js';

/** "Open a connection to host:port with this token" ('' / 0: the peer that sent it). */
export interface DialOrder {
  token: string;
  host: string;
  port: number;
  /** Hole punching: connect from this port, again and again (0: an ordinary dial). */
  localPort: number;
}

export interface DialBackAnswer {
  reachable: boolean;
  address: string;
  error: string;
}

export interface ConnectAsk {
  /** The fingerprint of the listening peer to reach. */
  target: string;
  token: string;
  /** This peer's gRPC port, where the target dials back (unless relay). */
  port: number;
  /** The target dials the answering peer instead, which pipes it to our relay leg. */
  relay: boolean;
  /** Hole punching: the target connects from this port to ours at the same time (0: no). */
  punchPort: number;
}

export interface NatTransport {
  dialBack(address: string, port: number, options: CallOptions): Promise<DialBackAnswer>;
  /**
   * Holds a Listen stream open on the peer at `address`: `onAccepted` once it
   * says yes, `onOrder` per request. Settles when the stream ends (rejects on error).
   */
  listen(
    address: string,
    self: PeerRecord,
    handlers: { onAccepted(): void; onOrder(order: DialOrder): void },
    signal: AbortSignal,
  ): Promise<void>;
  /** Resolves with the target's observed IP (for hole punching; '' otherwise). */
  connect(address: string, ask: ConnectAsk, options: CallOptions): Promise<{ host: string }>;
}

/** One neighbor as the NAT part sees it. */
export interface NeighborLink {
  id: string;
  /** Where this peer calls it. */
  address: string;
  fingerprint: string;
  direction: 'inbound' | 'outbound';
  /** As it advertised when the relationship began. */
  reachability: Reachability;
}

/** What the NAT part needs of the overlay. */
export interface NatOverlay {
  readonly self: PeerRecord | undefined;
  links(): NeighborLink[];
  /** Puts this peer's reachability (and via) into its adverts. */
  advertiseReach(reachability: Reachability, via: string[]): void;
}
