// Helpers for overlay tests: fast-timer configs, networks of in-process
// peers, graph checks and a ControlService search client.
import type { ServiceError } from '@grpc/grpc-js';
import { createControlClient, deadline } from '../../src/grpc/clients.js';
import type { NetworkSearchHit__Output } from '../../src/generated/p2p/v1/NetworkSearchHit.js';
import type { EventEnvelope } from '../../src/events/types.js';
import { startPeer, waitFor, type PeerOptions, type TestPeer } from '../fixtures/peers.js';
import type { FakePeer } from './fake-peer.js';

/** Overlay timers short enough for tests; no folder watching (nothing changes). */
export function fastConfig(overlay: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    index: { watch: false, rescanIntervalMs: 0 },
    overlay: {
      pingIntervalMs: 250,
      pingTimeoutMs: 1000,
      failAfterMisses: 3,
      joinTimeoutMs: 2000,
      leaveTimeoutMs: 500,
      dialBackoffMs: 200,
      maxDialBackoffMs: 2000,
      ...overlay,
    },
  };
}

export interface NetPeerOptions extends PeerOptions {
  bootstrap?: string[];
  overlay?: Record<string, unknown>;
  search?: Record<string, unknown>;
}

export function startNetPeer(options: NetPeerOptions = {}): Promise<TestPeer> {
  const { bootstrap = [], overlay, search, config, ...rest } = options;
  return startPeer({
    ...rest,
    config: { ...fastConfig(overlay), bootstrap, ...(search ? { search } : {}), ...config },
  });
}

export function neighborIds(peer: TestPeer): string[] {
  return peer.daemon.overlay
    .neighbors()
    .map((n) => n.peer.id)
    .sort();
}

/** True when the neighbor graph over `peers` is one connected component. */
export function isConnected(peers: readonly TestPeer[]): boolean {
  if (peers.length === 0) return true;
  const byId = new Map(peers.map((p) => [p.daemon.config.id, p]));
  const seen = new Set<string>([peers[0]!.daemon.config.id]);
  const queue = [peers[0]!];
  while (queue.length > 0) {
    for (const id of neighborIds(queue.shift()!)) {
      const next = byId.get(id);
      if (next && !seen.has(id)) {
        seen.add(id);
        queue.push(next);
      }
    }
  }
  return seen.size === peers.length;
}

/** Every neighbor relationship is known to both sides. */
export function isSymmetric(peers: readonly TestPeer[]): boolean {
  const byId = new Map(peers.map((p) => [p.daemon.config.id, p]));
  return peers.every((p) =>
    neighborIds(p).every((id) => {
      const other = byId.get(id);
      return !other || neighborIds(other).includes(p.daemon.config.id);
    }),
  );
}

/** Collects events of the given types from every peer until `stop()`. */
export function recordEvents(peers: readonly TestPeer[], types: readonly string[]) {
  const events: EventEnvelope[] = [];
  const offs = peers.map((p) =>
    p.daemon.events.subscribe((e) => {
      if (types.includes(e.type)) events.push(e);
    }),
  );
  return {
    events,
    stop: () => offs.forEach((off) => off()),
  };
}

export interface ControlSearchResult {
  hits: NetworkSearchHit__Output[];
  error: ServiceError | undefined;
  elapsedMs: number;
}

/** ControlService.Search through gRPC, as grpcurl or the CLI would call it. */
export function controlSearch(
  address: string,
  request: { query: string; ttl?: number; timeoutMs?: number },
  callTimeoutMs = 20_000,
): Promise<ControlSearchResult> {
  const client = createControlClient(address);
  const started = Date.now();
  return new Promise((resolve) => {
    const hits: NetworkSearchHit__Output[] = [];
    const call = client.Search(
      { query: request.query, ttl: request.ttl ?? 0, timeoutMs: request.timeoutMs ?? 0 },
      { deadline: deadline(callTimeoutMs) },
    );
    let error: ServiceError | undefined;
    call.on('data', (hit: NetworkSearchHit__Output) => hits.push(hit));
    call.on('error', (err: ServiceError) => (error = err));
    call.on('status', () => {
      client.close();
      resolve({ hits, error, elapsedMs: Date.now() - started });
    });
  });
}

/** Waits until every peer has at least `min` neighbors and the overlay is connected. */
export async function waitForOverlay(
  peers: readonly TestPeer[],
  min: number,
  timeoutMs = 15_000,
): Promise<void> {
  await waitFor(
    () => peers.every((p) => p.daemon.overlay.neighborCount >= min) && isConnected(peers),
    { timeoutMs, intervalMs: 50, what: `a connected overlay with >= ${min} neighbors each` },
  );
}

export async function stopAll(peers: readonly (TestPeer | undefined)[]): Promise<void> {
  await Promise.allSettled(peers.map((p) => p?.stop()));
}

/** Lists for the peers and fake peers a suite starts, all stopped after each test. */
export function stoppedAfterEach(): { peers: TestPeer[]; fakes: FakePeer[] } {
  const started = { peers: [] as TestPeer[], fakes: [] as FakePeer[] };
  afterEach(async () => {
    await stopAll(started.peers.splice(0));
    await Promise.allSettled(started.fakes.splice(0).map((f) => f.stop(true)));
  });
  return started;
}

/** Percentile of a sorted-or-not list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Waits until every peer routes by every neighbor's tables (none new or
 * incomplete) and no table changed for a few rounds.
 */
export async function waitForRoutes(
  peers: readonly TestPeer[],
  intervalMs: number,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    () =>
      peers.every((p) => {
        const r = p.daemon.overlay.stats().routing;
        return (
          r !== undefined &&
          r.knownNeighbors === p.daemon.overlay.neighborCount &&
          r.pendingNeighbors === 0 &&
          Date.now() - r.changedAtMs > 4 * intervalMs
        );
      }),
    { timeoutMs, intervalMs: 100, what: 'routing tables to settle' },
  );
}
