// This peer's own dialable address. Configured (grpc.advertise, or a bind
// to one host) it never changes. Bound to a wildcard with no advertise, it is
// learned, as libp2p's identify does: first the interface address on the
// route to a bootstrap peer, then the address other peers see this peer's
// calls come from (Join and Ping answers carry it).
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Logger } from '../logger.js';
import {
  isLocalOnly,
  isRoutableIp,
  joinHostPort,
  plainHost,
  splitHostPort,
} from '../net/addresses.js';

export type AddressSource = 'advertise' | 'bind' | 'route' | 'observed' | 'loopback';

/** What the daemon knows once gRPC is bound. */
export type AddressPlan =
  | { kind: 'fixed'; address: string; source: 'advertise' | 'bind' }
  | { kind: 'learned'; port: number };

/** Distinct peers that must report a new address before a learned one is replaced. */
const VOTES_TO_MOVE = 2;
const ROUTE_LOOKUP_MS = 2000;

export class SelfAddress {
  address = '';
  source: AddressSource = 'loopback';
  private port = 0;
  private fixed = false;
  private warnedFixed = false;
  private readonly votes = new Map<string, Set<string>>();

  constructor(private readonly logger: Logger) {}

  /** Settles the first address: the configured one, else the route towards a bootstrap peer. */
  async resolve(plan: AddressPlan, bootstrap: readonly string[]): Promise<void> {
    this.votes.clear();
    this.warnedFixed = false;
    if (plan.kind === 'fixed') {
      this.fixed = true;
      this.address = plan.address;
      this.source = plan.source;
    } else {
      this.fixed = false;
      this.port = plan.port;
      this.address = joinHostPort('127.0.0.1', plan.port);
      this.source = 'loopback';
      for (const b of bootstrap.filter((a) => !isLocalOnly(a))) {
        const host = await routeHost(splitHostPort(b).host);
        if (host && isRoutableIp(host)) {
          this.address = joinHostPort(host, plan.port);
          this.source = 'route';
          break;
        }
      }
    }
    const far = bootstrap.find((a) => !isLocalOnly(a));
    if (isLocalOnly(this.address) && far) {
      this.logger.warn(
        { address: this.address, source: this.source, bootstrap: far },
        `this peer's address ${this.address} is loopback but bootstrap peer ${far} is not: ` +
          'peers on other hosts cannot dial it until they report how they see it; set grpc.advertise',
      );
    }
  }

  /**
   * A peer reports the host our call came from. Returns the new address when
   * this moved it: at once from loopback, else when VOTES_TO_MOVE peers agree.
   */
  observe(host: string, reporter: string): string | undefined {
    if (!isRoutableIp(host)) return undefined;
    const seen = plainHost(host);
    if (this.fixed) {
      if (isLocalOnly(this.address) && !this.warnedFixed) {
        this.warnedFixed = true;
        this.logger.warn(
          { address: this.address, observed: seen, reporter },
          `this peer advertises ${this.address} but ${reporter} sees it as ${seen}: other hosts cannot dial it`,
        );
      }
      return undefined;
    }
    const candidate = joinHostPort(seen, this.port);
    if (candidate === this.address) {
      this.votes.clear();
      return undefined;
    }
    const voters = this.votes.get(candidate) ?? new Set<string>();
    voters.add(reporter);
    this.votes.set(candidate, voters);
    if (this.source !== 'loopback' && voters.size < VOTES_TO_MOVE) return undefined;
    const before = this.address;
    this.address = candidate;
    this.source = 'observed';
    this.votes.clear();
    this.logger.info(
      { address: candidate, before, reporter },
      `this peer's address is now ${candidate} (as ${reporter} sees it)`,
    );
    return candidate;
  }
}

/** The local interface address the kernel would use towards `host` (no packet is sent). */
async function routeHost(host: string): Promise<string | undefined> {
  const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  try {
    return await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), ROUTE_LOOKUP_MS);
      socket.once('error', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
      socket.connect(9, host, () => {
        clearTimeout(timer);
        try {
          resolve(socket.address().address);
        } catch {
          resolve(undefined);
        }
      });
    });
  } finally {
    try {
      socket.close();
    } catch {
      // Never bound: nothing to close.
    }
  }
}
