// Reachability known, not guessed: this peer asks a few neighbors to dial it
// back at the address they see its calls come from (DialBack), and believes
// what they find. One neighbor that got through is enough (reachable); any
// that tried and failed, with none through, means unreachable; no answer at
// all leaves it unknown. Asked again periodically and when neighbors change.
import type { Logger } from '../logger.js';
import { splitHostPort } from '../net/addresses.js';
import type { Reachability } from '../overlay/types.js';
import type { NatOverlay, NatTransport, NeighborLink } from './types.js';

export interface ReachabilityInit {
  recheckMs: number;
  /** Deadline of one DialBack call (the asked peer's own dial is shorter), ms. */
  timeoutMs: number;
  /** Neighbors asked per check. */
  ask: number;
}

/** A change of neighbors is followed by a check this much later (they come in bursts), ms. */
const SETTLE_MS = 300;
/** A round nobody answered is tried again this much later (doubling up to recheckMs), ms. */
const RETRY_MS = 2000;
/** Neighbors asked in one round at most, batch after batch until one answers. */
const MAX_ASKED = 6;

export class ReachabilityCheck {
  state: Reachability = 'unknown';
  /** The address last dialled back, as the asked neighbors reported it. */
  address = '';
  onChange: (now: Reachability, before: Reachability) => void = () => undefined;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private retryMs = RETRY_MS;

  constructor(
    private readonly c: { overlay: NatOverlay; transport: NatTransport; logger: Logger },
    private readonly init: ReachabilityInit,
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.poke(0), this.init.recheckMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.soon);
  }

  /** Checks again shortly (neighbors changed); a check under way is followed by one more. */
  poke(delayMs = SETTLE_MS): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.soon);
    this.soon = setTimeout(() => void this.check(), delayMs);
    this.soon.unref();
  }

  /** One round of dial-backs; resolves when it is over. */
  check(): Promise<void> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.poke();
      }
    });
    return this.running;
  }

  private async round(): Promise<void> {
    const self = this.c.overlay.self;
    if (!self) return;
    const { port } = splitHostPort(self.address);
    const candidates = pick(this.c.overlay.links(), MAX_ASKED);
    if (candidates.length === 0) return; // nobody to ask: what was known stays
    // A neighbor may not answer (itself behind NAT and not yet reachable back, say):
    // the next batch is asked then, so one such neighbor cannot leave this unknown.
    let next: Reachability = 'unknown';
    for (let i = 0; i < candidates.length && next === 'unknown'; i += this.init.ask) {
      next = await this.ask(candidates.slice(i, i + this.init.ask), port);
    }
    if (this.stopped) return;
    if (next === 'unknown') {
      const retry = setTimeout(() => this.poke(0), this.retryMs);
      retry.unref();
      this.retryMs = Math.min(this.retryMs * 2, this.init.recheckMs);
      return;
    }
    this.retryMs = RETRY_MS;
    if (next === this.state) return;
    const before = this.state;
    this.state = next;
    this.c.logger.info(
      { reachability: next, before, address: this.address },
      next === 'reachable'
        ? `this peer can be dialed at ${this.address}`
        : `this peer cannot be dialed at ${this.address} (behind NAT or a firewall): it will be reached through its neighbors`,
    );
    this.onChange(next, before);
  }

  /** One batch of dial-backs: reachable if one got through, unreachable if one failed, else unknown. */
  private async ask(asked: NeighborLink[], port: number): Promise<Reachability> {
    const answers = await Promise.allSettled(
      asked.map((n) =>
        this.c.transport.dialBack(n.address, port, { timeoutMs: this.init.timeoutMs }),
      ),
    );
    let next: Reachability = 'unknown';
    for (const [i, a] of answers.entries()) {
      if (a.status === 'rejected') {
        this.c.logger.debug(
          { neighbor: asked[i]!.id, err: (a.reason as Error).message },
          'DialBack not answered',
        );
        continue;
      }
      this.address = a.value.address;
      if (a.value.reachable) return 'reachable';
      next = 'unreachable';
      this.c.logger.debug(
        { neighbor: asked[i]!.id, address: a.value.address, error: a.value.error },
        'dial-back failed',
      );
    }
    return next;
  }
}

/** Neighbors to ask: those known dialable first (they are less likely behind NAT themselves). */
function pick(links: NeighborLink[], n: number): NeighborLink[] {
  const rank = (l: NeighborLink): number =>
    l.reachability === 'reachable' ? 0 : l.direction === 'outbound' ? 1 : 2;
  return [...links].sort((a, b) => rank(a) - rank(b)).slice(0, n);
}
