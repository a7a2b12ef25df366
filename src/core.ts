// The components the facades (gRPC, REST, CLI) call into. They translate
// requests into calls on these and results back; no logic of their own.
import type { Config } from './config/schema.js';
import type { EventBus } from './events/bus.js';
import type { FileIndex } from './index/file-index.js';
import type { Logger, LogStatus } from './logger.js';
import type { Metrics } from './metrics.js';
import type { TransferManager } from './transfer/transfer-manager.js';
import type { BootstrapView } from './overlay/host-cache.js';
import type { Overlay } from './overlay/overlay.js';
import type { PeerWire } from './identity/peer-wire.js';
import type { Nat } from './nat/nat.js';
import type { AddressSource } from './overlay/self-address.js';
import type { BandwidthView } from './transfer/bandwidth/bandwidth-limiter.js';
import type { Reachability } from './overlay/types.js';

/** The MOM link: no URL configured, not yet connected, connected, or lost. */
export type NatsState = 'disabled' | 'connecting' | 'connected' | 'disconnected';

export interface NodeStatus {
  id: string;
  version: string;
  grpcAddress: string;
  restAddress: string;
  uptimeMs: number;
  peers: number;
  files: number;
  bytesShared: number;
  sharedDir: string;
  indexing: boolean;
  natsState: NatsState;
  /** The log file: whether it is being written and how many lines were lost. */
  log: LogStatus;
  /** The configured bootstrap peers and how dialling them goes. */
  bootstrap: BootstrapView[];
  /** Where grpcAddress came from; 'loopback' means other hosts cannot dial this peer. */
  addressSource: AddressSource;
  /** This peer's identity: the fingerprint of its key. */
  fingerprint: string;
  /** `public`, `private <id>` (a network secret), or `plaintext` (no TLS between peers). */
  network: string;
  /** Bandwidth limits in force and the rates now, bytes/s (0: unlimited). */
  limits: BandwidthView;
  /** Whether other peers can dial grpcAddress, as neighbors' dial-backs found. */
  reachability: Reachability;
  /** When unreachable: the neighbors holding this peer's Listen streams. */
  via: string[];
}

export interface Core {
  config: Config;
  logger: Logger;
  events: EventBus;
  metrics: Metrics;
  index: FileIndex;
  /** Fetches, pushes, received uploads and the limits of what this peer serves. */
  transfers: TransferManager;
  /** Neighbors, joining and leaving, network search. */
  overlay: Overlay;
  /** This peer's key and TLS between peers; who a caller is. */
  wire: PeerWire;
  /** Reachability, reverse connections and relaying for peers behind NAT. */
  nat: Nat;
  status(): NodeStatus;
}

/** Every component the composition root starts and stops. */
export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
}
