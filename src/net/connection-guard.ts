// Bounds the connections one listener holds, per remote address and in total, so a
// flood of idle sockets can neither exhaust file descriptors nor lock out a client
// that talks. At a bound a newcomer evicts the quietest connection of the same
// address (or of any, at the total bound): one that never finished a request, then
// the one idle longest. Only when every one is busy is the newcomer refused.
import type { Socket } from 'node:net';

export interface ConnectionGuardInit {
  /** Connections one remote address may hold. */
  maxPerAddress: number;
  /** Connections the listener holds in all. */
  maxTotal: number;
  /** A connection that sends nothing at all this long after it opened is closed, ms. */
  firstBytesMs: number;
  /**
   * How activity is seen: `requests` when the owner calls busy()/idle() around each
   * request (HTTP/1), `bytes` when bytes moving in either direction count (HTTP/2).
   */
  activity: 'requests' | 'bytes';
}

interface Tracked {
  socket: Socket;
  address: string;
  /** Requests in progress (`requests` mode). */
  busy: number;
  /** Last time it was seen doing something (ms); its opening time until then. */
  activeAt: number;
  /** Whether it ever completed a request or moved bytes after opening. */
  proven: boolean;
  bytes: number;
  firstBytes: NodeJS.Timeout | undefined;
}

/** Why a connection was closed by the guard, for metrics. */
export type GuardAction = 'evicted' | 'refused' | 'silent';

const SAMPLE_MS = 1000;

/**
 * Pending connections the kernel queues for accept() (capped by net.core.somaxconn). Node's
 * 511 overflows under a burst of a few thousand, and a dropped SYN costs a client 1 s.
 */
export const LISTEN_BACKLOG = 4096;

export class ConnectionGuard {
  private readonly all = new Map<Socket, Tracked>();
  private readonly byAddress = new Map<string, Set<Tracked>>();
  private sampler: NodeJS.Timeout | undefined;

  constructor(
    private readonly init: ConnectionGuardInit,
    private readonly onAction: (action: GuardAction) => void = () => undefined,
  ) {
    if (init.activity === 'bytes') {
      this.sampler = setInterval(() => this.sample(), SAMPLE_MS);
      this.sampler.unref();
    }
  }

  /** Number of connections held. */
  get size(): number {
    return this.all.size;
  }

  /** Takes a new connection in (true), or destroys it (false) when every slot is busy. */
  admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? 'unknown';
    const mine = this.byAddress.get(address);
    if (mine && mine.size >= this.init.maxPerAddress && !this.evictQuietest(mine)) {
      return this.refuse(socket);
    }
    if (this.all.size >= this.init.maxTotal && !this.evictQuietest(this.all.values())) {
      return this.refuse(socket);
    }
    const tracked: Tracked = {
      socket,
      address,
      busy: 0,
      activeAt: Date.now(),
      proven: false,
      bytes: 0,
      firstBytes: setTimeout(() => {
        if (socket.bytesRead === 0) {
          this.onAction('silent');
          socket.destroy();
        }
      }, this.init.firstBytesMs),
    };
    tracked.firstBytes!.unref();
    this.all.set(socket, tracked);
    let set = this.byAddress.get(address);
    if (!set) this.byAddress.set(address, (set = new Set()));
    set.add(tracked);
    socket.once('close', () => this.forget(tracked));
    return true;
  }

  /** A request started on this connection (`requests` mode). */
  busy(socket: Socket): void {
    const t = this.all.get(socket);
    if (!t) return;
    t.busy++;
    t.activeAt = Date.now();
  }

  /** A request on this connection is over (`requests` mode). */
  idle(socket: Socket): void {
    const t = this.all.get(socket);
    if (!t) return;
    t.busy = Math.max(0, t.busy - 1);
    t.proven = true;
    t.activeAt = Date.now();
  }

  /** Stops the sampling; the connections themselves belong to their server. */
  close(): void {
    clearInterval(this.sampler);
    for (const t of this.all.values()) clearTimeout(t.firstBytes);
  }

  /**
   * Destroys every connection still held: for after the server has shut down,
   * as the ones it never took (silent, or mid-handshake) are not its to close.
   */
  destroyAll(): void {
    for (const t of this.all.values()) t.socket.destroy();
  }

  private evictQuietest(candidates: Iterable<Tracked>): boolean {
    let quietest: Tracked | undefined;
    for (const t of candidates) {
      if (t.busy > 0) continue;
      if (
        !quietest ||
        (quietest.proven && !t.proven) ||
        (quietest.proven === t.proven && t.activeAt < quietest.activeAt)
      ) {
        quietest = t;
      }
    }
    if (!quietest) return false;
    this.forget(quietest);
    this.onAction('evicted');
    quietest.socket.destroy();
    return true;
  }

  private refuse(socket: Socket): false {
    this.onAction('refused');
    socket.destroy();
    return false;
  }

  private forget(t: Tracked): void {
    clearTimeout(t.firstBytes);
    if (!this.all.delete(t.socket)) return;
    const set = this.byAddress.get(t.address);
    set?.delete(t);
    if (set?.size === 0) this.byAddress.delete(t.address);
  }

  /** `bytes` mode: a connection that moved bytes since the last look is active. */
  private sample(): void {
    const now = Date.now();
    for (const t of this.all.values()) {
      const bytes = t.socket.bytesRead + t.socket.bytesWritten;
      if (bytes !== t.bytes) {
        if (t.bytes !== 0) t.proven = true;
        t.bytes = bytes;
        t.activeAt = now;
      }
    }
  }
}
