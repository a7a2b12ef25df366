// Exploring: now and then, even with enough neighbors, a peer tries a known
// host it is not connected to. Healing dials only below the target degree,
// so the two halves of a split network, once each gives everyone enough
// neighbors, would never dial across again; one explored edge joins them.
import type { Logger } from '../logger.js';
import type { HostCache, HostEntry } from './host-cache.js';
import type { Membership } from './membership.js';
import type { NeighborTable } from './neighbors.js';
import type { OverlayTransport } from './types.js';

export interface ExplorerComponents {
  transport: OverlayTransport;
  hosts: HostCache;
  neighbors: NeighborTable;
  membership: Membership;
  logger: Logger;
}

export interface ExplorerInit {
  /** Mean pause between explorations, ms (jittered ±50 %); 0 turns exploring off. */
  exploreIntervalMs: number;
  maxPeers: number;
  pingTimeoutMs: number;
}

/** At maxPeers, one exploration in this many swaps a neighbor for the explored host. */
const ROTATE_EVERY = 4;
/** A neighbor younger than this is never swapped out (it may be a fresh merge). */
const MIN_AGE_TO_ROTATE_MS = 30_000;

export class Explorer {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private rounds = 0;

  constructor(
    private readonly c: ExplorerComponents,
    private readonly init: ExplorerInit,
  ) {}

  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (!this.running || this.init.exploreIntervalMs <= 0) return;
    const wait = this.init.exploreIntervalMs * (0.5 + Math.random());
    this.timer = setTimeout(() => {
      void this.explore()
        .catch((err: unknown) => this.c.logger.warn({ err }, 'exploring failed'))
        .finally(() => this.schedule());
    }, wait);
    this.timer.unref();
  }

  /** One exploration: dial one known host that is not a neighbor. */
  async explore(): Promise<void> {
    const { neighbors, hosts, membership } = this.c;
    const self = membership.self;
    if (!self || !membership.accepting) return;
    const exclude = (h: HostEntry): boolean =>
      !!neighbors.byAddress(h.address) ||
      (!!h.id && (h.id === self.id || !!neighbors.get(h.id) || membership.isSentAway(h.id))) ||
      membership.isDialing(h.address) ||
      membership.hostFull(h.address);
    const candidate = hosts.explorable(exclude)[0];
    if (!candidate) return;
    this.rounds++;
    if (neighbors.size >= this.init.maxPeers) {
      if (this.rounds % ROTATE_EVERY === 0) await this.rotate(candidate.address);
      return;
    }
    await this.tryDial(candidate.address);
  }

  private async tryDial(address: string): Promise<boolean> {
    try {
      const n = await this.c.membership.dial(address);
      this.c.logger.debug({ neighbor: n.peer.id, address }, 'explored a new neighbor');
      return true;
    } catch (err) {
      this.c.logger.debug({ address, err: (err as Error).message }, 'exploring dial failed');
      return false;
    }
  }

  /**
   * Full: swap a random older neighbor for the explored host, if it answers.
   * Random rewiring keeps a full network from settling into islands.
   */
  private async rotate(address: string): Promise<void> {
    const { neighbors, membership, transport } = this.c;
    const now = Date.now();
    const olds = neighbors.all().filter((n) => now - n.sinceMs > MIN_AGE_TO_ROTATE_MS);
    if (olds.length === 0) return;
    try {
      // Alive first: a swap for a dead host would only lose a neighbor.
      const answer = await transport.ping(address, '', { timeoutMs: this.init.pingTimeoutMs });
      if (!answer.peer?.id || answer.peer.id === membership.self?.id) return;
    } catch {
      return;
    }
    const victim = olds[Math.floor(Math.random() * olds.length)]!;
    await membership.release(victim, 'swapped out to explore the network');
    await this.tryDial(address);
  }
}
