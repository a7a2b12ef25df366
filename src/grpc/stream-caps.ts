// Caps the streaming PeerService calls (Download, DownloadRanges, Search, Upload) one remote
// host holds open at once, across all its connections: each open stream
// costs buffers, a file handle or forwarded queries, and a host may open
// many connections (up to grpc.maxConnectionsPerIp) with many streams each.
// Past the cap a call is refused with RESOURCE_EXHAUSTED before it does any
// work. Loopback is not exempt; the default leaves room for local networks.
import { TooManyRequestsError } from '../errors.js';
import { plainHost } from '../net/addresses.js';
import { callerHost } from './handle.js';

export interface StreamCapsInit {
  /** Streaming calls one host may hold open at once (grpc.maxStreamsPerIp). */
  maxPerHost: number;
}

export class StreamCaps {
  private readonly open = new Map<string, number>();

  constructor(private readonly init: StreamCapsInit) {}

  /** Takes a stream for `host` or throws TooManyRequestsError; returns the (idempotent) release. */
  acquire(host: string, method: string): () => void {
    const key = plainHost(host);
    const mine = this.open.get(key) ?? 0;
    if (mine >= this.init.maxPerHost) {
      throw new TooManyRequestsError(
        `${method} refused: ${mine} streaming calls already open from ${key} ` +
          `(grpc.maxStreamsPerIp ${this.init.maxPerHost})`,
      );
    }
    this.open.set(key, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    };
  }

  /** Streams open from `host` now. */
  openFrom(host: string): number {
    return this.open.get(plainHost(host)) ?? 0;
  }
}

/** A streaming handler body that holds one of its caller host's streams while it runs. */
export function capped<Req, Call extends { getPeer(): string }>(
  caps: StreamCaps,
  method: string,
  fn: (request: Req, call: Call) => Promise<void>,
): (request: Req, call: Call) => Promise<void> {
  return async (request, call) => {
    const release = caps.acquire(callerHost(call.getPeer()), method);
    try {
      await fn(request, call);
    } finally {
      release();
    }
  };
}
