// The fetchers of each file this peer serves, as they told it (GetFile's
// `fetcher`): handed to later fetchers of the same file so a crowd finds
// itself and trades chunks instead of all pulling from one seed. What a
// remote peer claims is bounded: its advertised host must be the host it
// calls from, each caller host registers few addresses per file, each file
// remembers few fetchers, few files are tracked, and entries expire.
import { isUnspecifiedHost, splitHostPort } from '../../net/addresses.js';
import { peerKey } from './peer-key.js';

export interface FetcherRegistryInit {
  /** Fetchers remembered per file (default 32). */
  maxPerFile?: number;
  /** Addresses one caller may register per file (default 2). */
  maxPerCaller?: number;
  /** Files tracked at once (default 256); the least recently touched is forgotten. */
  maxFiles?: number;
  /** An entry not renewed for this long is forgotten, ms (default 60 000). */
  ttlMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

interface Fetcher {
  address: string;
  caller: string;
  seenAt: number;
}

const PORT_MAX = 65535;

export class FetcherRegistry {
  private readonly files = new Map<string, Map<string, Fetcher>>();
  /** The address each caller host last registered, to name the bytes served to it. */
  private readonly addressOf = new Map<string, string>();
  private readonly maxPerFile: number;
  private readonly maxPerCaller: number;
  private readonly maxFiles: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(init: FetcherRegistryInit = {}) {
    this.maxPerFile = init.maxPerFile ?? 32;
    this.maxPerCaller = init.maxPerCaller ?? 2;
    this.maxFiles = init.maxFiles ?? 256;
    this.ttlMs = init.ttlMs ?? 60_000;
    this.now = init.now ?? Date.now;
  }

  /**
   * Notes that the peer calling from `callerHost` fetches `sha256` and serves
   * at `address`. Returns false (and keeps nothing) when the claim is refused.
   */
  note(sha256: string, address: string, callerHost: string): boolean {
    const caller = peerKey({ host: callerHost });
    if (!isFetcherAddress(address) || peerKey({ host: splitHostPort(address).host }) !== caller) {
      return false; // a peer may only name itself: no pointing a crowd at a third party
    }
    const now = this.now();
    let fetchers = this.files.get(sha256);
    if (fetchers)
      this.files.delete(sha256); // most recently touched last
    else {
      if (this.files.size >= this.maxFiles) this.files.delete(this.files.keys().next().value!);
      fetchers = new Map();
    }
    this.files.set(sha256, fetchers);
    this.expire(fetchers, now);
    const known = fetchers.get(address);
    if (known) {
      fetchers.delete(address);
      known.seenAt = now;
      fetchers.set(address, known);
    } else {
      const mine = [...fetchers.values()].filter((f) => f.caller === caller);
      if (mine.length >= this.maxPerCaller) fetchers.delete(mine[0]!.address);
      if (fetchers.size >= this.maxPerFile) fetchers.delete(fetchers.keys().next().value!);
      fetchers.set(address, { address, caller, seenAt: now });
    }
    this.addressOf.delete(caller);
    if (this.addressOf.size >= this.maxFiles * this.maxPerFile) {
      this.addressOf.delete(this.addressOf.keys().next().value!);
    }
    this.addressOf.set(caller, address);
    return true;
  }

  /** Up to `max` live fetchers of a file, the most recently seen first, without `except`. */
  list(sha256: string, max: number, except = ''): string[] {
    const fetchers = this.files.get(sha256);
    if (!fetchers) return [];
    this.expire(fetchers, this.now());
    return [...fetchers.keys()]
      .reverse()
      .filter((a) => a !== except)
      .slice(0, max);
  }

  /** The advertised address a caller host registered last, if any. */
  addressFor(callerHost: string): string | undefined {
    return this.addressOf.get(peerKey({ host: callerHost }));
  }

  private expire(fetchers: Map<string, Fetcher>, now: number): void {
    for (const [address, f] of fetchers) if (now - f.seenAt > this.ttlMs) fetchers.delete(address);
  }
}

/** Whether `address` is a host:port a fetcher may serve at (no wildcard host, no scheme or path). */
export function isFetcherAddress(address: string): boolean {
  if (address.length > 261) return false;
  const { host, port } = splitHostPort(address);
  return (
    host.length > 0 &&
    !isUnspecifiedHost(host) &&
    /^[A-Za-z0-9.:-]+$/.test(host) &&
    Number.isInteger(port) &&
    port > 0 &&
    port <= PORT_MAX
  );
}
