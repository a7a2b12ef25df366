// The periodic work that keeps the overlay alive: ping every neighbor (drop
// the ones that stop answering), heal (dial known addresses while below
// the target number of neighbors) and explore (see explorer.ts).
import { NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { HostCache } from './host-cache.js';
import type { Membership } from './membership.js';
import type { Neighbor, NeighborTable } from './neighbors.js';
import type { OverlayTransport } from './types.js';

export interface MaintenanceComponents {
  transport: OverlayTransport;
  hosts: HostCache;
  neighbors: NeighborTable;
  membership: Membership;
  logger: Logger;
}

export interface MaintenanceInit {
  minPeers: number;
  maxPeers: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  failAfterMisses: number;
  joinTimeoutMs: number;
}

/** Failed dials allowed per lost neighbor before giving up on replacing it. */
const REPLACE_TRIES = 4;
/** Heal rounds run back to back while there is someone left to try. */
const ROUNDS_PER_TICK = 4;

export class Maintenance {
  private timer: NodeJS.Timeout | undefined;
  private healing = false;
  /**
   * Neighbors to get back to: a lost neighbor is replaced even above
   * minPeers, so that churn rewires the overlay at random instead of leaving
   * islands that each still have enough neighbors.
   */
  private target: number;
  private replaceTries = 0;
  private lastExchangeMs = 0;

  constructor(
    private readonly c: MaintenanceComponents,
    private readonly init: MaintenanceInit,
  ) {
    this.target = init.minPeers;
    c.neighbors.onLoss = (_n, countBefore) => {
      this.target = Math.min(this.init.maxPeers, Math.max(this.target, countBefore));
      this.replaceTries += REPLACE_TRIES;
      this.kick();
    };
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.init.pingIntervalMs);
    this.timer.unref();
    this.kick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Heal now rather than at the next tick. */
  kick(): void {
    if (this.timer) void this.heal();
  }

  private tick(): void {
    for (const n of this.c.neighbors.all()) {
      if (!n.pinging) void this.ping(n);
    }
    void this.heal();
  }

  private async ping(n: Neighbor): Promise<void> {
    const self = this.c.membership.self;
    if (!self) return;
    n.pinging = true;
    const started = performance.now();
    try {
      const answer = await this.c.transport.ping(n.callAddress, self.id, {
        timeoutMs: this.init.pingTimeoutMs,
      });
      const id = answer.peer?.id;
      if (id !== n.peer.id) {
        this.drop(n, 'failed', `${n.callAddress} now answers as ${id || 'nobody'}`);
        return;
      }
      n.rttMs = Math.max(0, Math.round(performance.now() - started));
      n.misses = 0;
      this.c.membership.observe(answer.observedHost, n.peer.id);
    } catch (err) {
      if (this.c.neighbors.get(n.peer.id) !== n || !this.timer) return;
      // "Not a neighbor" is trusted only once the Join that made us one has surely
      // been answered; before that it is the other side not having counted us yet.
      if (err instanceof NotFoundError && Date.now() - n.sinceMs > this.init.joinTimeoutMs) {
        this.drop(n, 'left', 'it no longer counts this peer as a neighbor');
        return;
      }
      n.misses++;
      if (n.misses >= this.init.failAfterMisses) {
        this.drop(n, 'failed', `missed ${n.misses} pings (${(err as Error).message})`);
      }
    } finally {
      n.pinging = false;
    }
  }

  private drop(n: Neighbor, kind: 'left' | 'failed', reason: string): void {
    if (this.c.neighbors.get(n.peer.id) !== n) return;
    // Backoff first: the drop starts healing, which must not redial this address at once.
    if (kind === 'failed') this.c.hosts.failed(n.callAddress, reason);
    this.c.neighbors.drop(n, kind, reason);
    this.c.transport.disconnect(n.callAddress);
  }

  private async heal(): Promise<void> {
    if (this.healing || !this.c.membership.self) return;
    this.healing = true;
    try {
      for (let round = 0; round < ROUNDS_PER_TICK && this.timer; round++) {
        // Refusals (full peers) come back fast: try the next candidates right away.
        const { tried } = await this.healRound();
        if (tried === 0) break;
      }
    } catch (err) {
      this.c.logger.warn({ err }, 'healing round failed');
    } finally {
      this.healing = false;
    }
  }

  private async healRound(): Promise<{ joined: number; tried: number }> {
    const { neighbors, hosts, membership } = this.c;
    if (neighbors.size >= this.target) {
      this.target = this.init.minPeers;
      this.replaceTries = 0;
    }
    const want = Math.min(this.target, this.init.maxPeers) - neighbors.size;
    if (want <= 0) return { joined: 0, tried: 0 };
    const exclude = (h: { address: string; id?: string }): boolean =>
      !!neighbors.byAddress(h.address) ||
      (!!h.id && !!neighbors.get(h.id)) ||
      membership.isDialing(h.address) ||
      membership.hostFull(h.address);
    let candidates = hosts.dialable(exclude);
    if (candidates.length < want) {
      await this.exchange();
      candidates = hosts.dialable(exclude);
    }
    const picked = candidates.slice(0, want);
    const results = await Promise.allSettled(picked.map((h) => membership.dial(h.address)));
    let joined = 0;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') joined++;
      else
        this.c.logger.debug(
          { address: picked[i]!.address, err: (r.reason as Error).message },
          'dial failed',
        );
    });
    if (neighbors.size >= this.init.minPeers && joined < picked.length) {
      this.replaceTries -= picked.length - joined;
      if (this.replaceTries <= 0) this.target = this.init.minPeers;
    }
    return { joined, tried: picked.length };
  }

  /** Peer exchange: learn addresses from a random neighbor. */
  private async exchange(): Promise<void> {
    const all = this.c.neighbors.all();
    const self = this.c.membership.self;
    if (all.length === 0 || !self) return;
    if (Date.now() - this.lastExchangeMs < this.init.pingIntervalMs) return;
    this.lastExchangeMs = Date.now();
    const n = all[Math.floor(Math.random() * all.length)]!;
    try {
      const peers = await this.c.transport.getPeers(n.callAddress, self.id, 0, {
        timeoutMs: this.init.joinTimeoutMs,
      });
      this.c.membership.learn(peers, n.callAddress);
    } catch (err) {
      this.c.logger.debug({ neighbor: n.peer.id, err: (err as Error).message }, 'GetPeers failed');
    }
  }
}
