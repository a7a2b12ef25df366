// Joining and leaving: the answers to Join/Leave/Ping/GetPeers, and the
// outbound dial with every identity check. Refusals carry a clear reason,
// are logged, and never throw past the caller. At most maxNeighborsPerHost
// neighbors come from one IP host, and peer exchange hands on no more per
// host, so Sybils on one address cannot take every slot (an eclipse) or
// spread through the addresses this peer hands on. Loopback is exempt: a
// local test network runs every peer on 127.0.0.1.
import {
  AlreadyExistsError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
  UnavailableError,
  toP2pError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import {
  isLocalOnly,
  isLoopbackHost,
  isRoutableIp,
  joinHostPort,
  plainHost,
  splitHostPort,
} from '../net/addresses.js';
import { shuffle, type HostCache } from './host-cache.js';
import type { Neighbor, NeighborTable } from './neighbors.js';
import type { SelfAddress } from './self-address.js';
import type {
  CallerInfo,
  JoinAnswer,
  JoinReply,
  OverlayTransport,
  PeerKeys,
  PeerRecord,
  UncheckedPeer,
} from './types.js';
import { checkAddress, checkPeer, checkPeerId } from './validate.js';

export interface MembershipComponents {
  transport: OverlayTransport;
  hosts: HostCache;
  neighbors: NeighborTable;
  address: SelfAddress;
  logger: Logger;
  keys: PeerKeys;
}

export interface MembershipInit {
  protocolVersion: number;
  maxPeers: number;
  /** Neighbors from one IP host (loopback exempt); more Joins are refused. */
  maxNeighborsPerHost: number;
  joinTimeoutMs: number;
  leaveTimeoutMs: number;
  /** How long a peer the user disconnected is refused (it would otherwise heal back at once). */
  sendAwayMs: number;
}

/** Addresses handed out per JoinResponse / GetPeers answer by default, and at most. */
const DEFAULT_SHARE = 16;
const MAX_SHARE = 100;

export class Membership {
  /** This peer, once started (the advertised address is known after gRPC binds). */
  self: PeerRecord | undefined;
  /** False while starting and stopping: joins are refused, dials abandoned. */
  accepting = false;
  /** Outbound Join attempts and how many of them did not end in a neighbor. */
  readonly dialStats = { dials: 0, dialFailures: 0 };
  private readonly dials = new Map<string, Promise<Neighbor>>();
  /** Peers the user disconnected: not taken back before the epoch ms. */
  private readonly sentAway = new Map<string, number>();

  constructor(
    private readonly c: MembershipComponents,
    private readonly init: MembershipInit,
  ) {}

  private get me(): PeerRecord {
    if (!this.self) throw new UnavailableError('the overlay is not running');
    return this.self;
  }

  // ------------------------------------------------------------ inbound

  handleJoin(raw: UncheckedPeer, caller: CallerInfo = { host: '' }): JoinAnswer {
    const claimed = checkPeer(raw, 'peer');
    const { address, verified } = this.verify(claimed.address, caller.host);
    // The key is the one the caller proved, never one it wrote into the request.
    const peer = { ...claimed, address, fingerprint: this.provenKey(caller) };
    const self = this.self;
    if (!self || !this.accepting) {
      throw new UnavailableError('this peer is not ready (starting or stopping)');
    }
    const refuse = (reason: string, level: 'warn' | 'debug' = 'warn'): JoinAnswer => {
      this.c.logger[level](
        { from: peer.id, address: peer.address, reason },
        `refused join of ${peer.id}: ${reason}`,
      );
      return { accepted: false, reason, peer: self, peers: this.share(peer, caller.host) };
    };
    if (peer.protocolVersion !== this.init.protocolVersion) {
      return refuse(
        `incompatible protocol version ${peer.protocolVersion}; this peer speaks ${this.init.protocolVersion}`,
      );
    }
    if (peer.id === self.id) {
      return refuse(
        peer.address === self.address || claimed.address === self.address
          ? 'a peer cannot join itself'
          : `peer id "${peer.id}" is this peer's own id (two peers with the same id)`,
      );
    }
    if ((this.sentAway.get(peer.id) ?? 0) > Date.now()) {
      return refuse('the user of this peer disconnected it; try later', 'debug');
    }
    const keyProblem = this.bindKey(peer);
    if (keyProblem) return refuse(keyProblem);
    const existing = this.c.neighbors.get(peer.id);
    if (existing) {
      if (existing.peer.address !== peer.address) {
        return refuse(
          `peer id "${peer.id}" is already used by the neighbor at ${existing.peer.address}`,
        );
      }
      existing.misses = 0; // a rejoin after a hiccup: keep the relationship
      return { accepted: true, reason: '', peer: self, peers: this.share(peer, caller.host) };
    }
    if (this.c.neighbors.size >= this.init.maxPeers) {
      return refuse(`full (${this.c.neighbors.size} neighbors); try the peers listed`, 'debug');
    }
    // The connection's host, not the claimed address: a claim costs nothing.
    const host = plainHost(caller.host) || splitHostPort(peer.address).host;
    if (this.hostFull(host)) {
      return refuse(
        `already ${this.init.maxNeighborsPerHost} neighbors from host ${host} ` +
          `(overlay.maxNeighborsPerHost); try the peers listed`,
        'debug',
      );
    }
    const neighbor = this.c.neighbors.add(peer, 'inbound', peer.address, verified, host);
    this.c.keys.expect(peer.address, peer.fingerprint);
    if (verified) this.c.hosts.succeeded(peer.address, peer.id);
    else void this.dialBack(neighbor);
    return { accepted: true, reason: '', peer: self, peers: this.share(peer, caller.host) };
  }

  /** True when `hostOrAddress` (a host, or host:port) already has its share of neighbors. */
  hostFull(hostOrAddress: string): boolean {
    const host = plainHost(
      /:\d+$/.test(hostOrAddress) ? splitHostPort(hostOrAddress).host : hostOrAddress,
    );
    if (!host || isLoopbackHost(host)) return false;
    let n = 0;
    for (const neighbor of this.c.neighbors.all()) if (neighbor.host === host) n++;
    return n >= this.init.maxNeighborsPerHost;
  }

  /**
   * The address to keep for a joining peer. Its claim is believed when the
   * connection came from that host; a loopback or wildcard claim from another
   * host becomes the connection's host with the claimed port; any other claim
   * (NAT, a DNS name) is kept but handed to nobody until a dial-back confirms it.
   */
  private verify(claimed: string, callerHost: string): { address: string; verified: boolean } {
    const from = plainHost(callerHost);
    const { host, port } = splitHostPort(claimed);
    if (!from || plainHost(host) === from) return { address: claimed, verified: true };
    if (isLocalOnly(claimed)) {
      // Loopback caller, loopback claim: a peer on this host, as it says.
      return isRoutableIp(from)
        ? { address: joinHostPort(from, port), verified: true }
        : { address: claimed, verified: isLoopbackHost(from) };
    }
    return { address: claimed, verified: false };
  }

  /** Confirms an inbound neighbor's claimed address by calling it there. */
  private async dialBack(n: Neighbor): Promise<void> {
    try {
      const answer = await this.c.transport.ping(n.peer.address, '', {
        timeoutMs: this.init.joinTimeoutMs,
      });
      if (answer.peer?.id !== n.peer.id)
        throw new Error(`answered as ${answer.peer?.id || 'nobody'}`);
      if (answer.fingerprint !== (n.peer.fingerprint ?? '')) {
        throw new Error(`answered with another key (${answer.fingerprint || 'none'})`);
      }
      n.verified = true;
      this.c.hosts.succeeded(n.peer.address, n.peer.id);
    } catch (err) {
      this.c.logger.debug(
        { neighbor: n.peer.id, address: n.peer.address, err: (err as Error).message },
        'claimed address not reachable; not handed out',
      );
    }
  }

  /** A peer told us the host our call came from: maybe this peer's own address. */
  observe(host: string, reporter: string): void {
    const self = this.self;
    if (!self || !host) return;
    const moved = this.c.address.observe(host, reporter);
    if (moved) {
      self.address = moved;
      this.c.hosts.markOwn(moved);
    }
  }

  handleLeave(peerId: string, caller: CallerInfo = { host: '' }): void {
    const neighbor = this.c.neighbors.get(checkPeerId(peerId, 'peer_id'));
    if (!neighbor) return;
    // Only a neighbor itself can say it leaves: anyone could write its id.
    this.checkCaller(neighbor, caller, 'Leave');
    // Goodbye is not a failure: welcome back at once when it returns.
    this.c.hosts.left(neighbor.callAddress);
    this.c.neighbors.drop(neighbor, 'left', 'left the network');
    this.c.transport.disconnect(neighbor.callAddress);
  }

  /** NotFoundError tells a caller that this peer no longer counts it as a neighbor. */
  handlePing(peerId: string, caller: CallerInfo = { host: '' }): PeerRecord {
    const self = this.me;
    if (!peerId) return self; // a dial-back, or a liveness check by anyone
    const neighbor = this.c.neighbors.get(peerId);
    if (!neighbor) throw new NotFoundError(`peer ${peerId} is not a neighbor of ${self.id}`);
    // A ping in a neighbor's name keeps it "alive" only when it comes from that neighbor.
    this.checkCaller(neighbor, caller, 'Ping');
    return self;
  }

  /** The key a caller proved: '' on a plaintext wire, refused when there is none on TLS. */
  private provenKey(caller: CallerInfo): string {
    const key = caller.fingerprint ?? '';
    if (!key && !this.c.keys.plaintext && caller.host !== '') {
      throw new UnauthenticatedError(
        'peers must connect with TLS and a key certified for this network',
      );
    }
    return key;
  }

  /** Binds a peer's id to its proven key; why not, when the id belongs to another key. */
  private bindKey(peer: PeerRecord): string | undefined {
    return peer.fingerprint ? this.c.keys.bind(peer.id, peer.fingerprint) : undefined;
  }

  private checkCaller(neighbor: Neighbor, caller: CallerInfo, method: string): void {
    const key = this.provenKey(caller);
    if ((neighbor.peer.fingerprint ?? '') !== key) {
      throw new PermissionDeniedError(
        `${method} for ${neighbor.peer.id} must come from ${neighbor.peer.id} itself`,
      );
    }
  }

  handleGetPeers(peerId: string, max: number, caller: CallerInfo = { host: '' }): PeerRecord[] {
    return this.share(
      peerId ? { id: peerId, address: '' } : undefined,
      caller.host,
      max || DEFAULT_SHARE,
    );
  }

  /**
   * Peers worth dialling: neighbors first (known alive), then healthy cached
   * ones; only verified addresses, and no loopback one to an asker on another host.
   */
  share(
    asker?: Pick<PeerRecord, 'id' | 'address'>,
    askerHost = '',
    max = DEFAULT_SHARE,
  ): PeerRecord[] {
    const limit = Math.min(Math.max(max, 1), MAX_SHARE);
    const remote = isRoutableIp(askerHost);
    const skip = (id: string | undefined, address: string): boolean =>
      (!!asker && (id === asker.id || address === asker.address)) ||
      id === this.self?.id ||
      address === this.self?.address ||
      (remote && isLocalOnly(address));
    const out = new Map<string, PeerRecord>();
    // No more addresses per host than this peer would take as neighbors.
    const perHost = new Map<string, number>();
    const hostAllows = (address: string): boolean => {
      const host = plainHost(splitHostPort(address).host);
      if (isLoopbackHost(host)) return true;
      const n = perHost.get(host) ?? 0;
      if (n >= this.init.maxNeighborsPerHost) return false;
      perHost.set(host, n + 1);
      return true;
    };
    for (const n of shuffle(this.c.neighbors.all())) {
      if (n.verified && !skip(n.peer.id, n.peer.address) && hostAllows(n.peer.address)) {
        out.set(n.peer.address, { ...n.peer });
      }
    }
    for (const h of shuffle(this.c.hosts.healthy())) {
      if (out.size >= limit * 2) break;
      if (!skip(h.id, h.address) && !out.has(h.address) && hostAllows(h.address)) {
        out.set(h.address, { id: h.id!, address: h.address, protocolVersion: 0, version: '' });
      }
    }
    return shuffle([...out.values()]).slice(0, limit);
  }

  // ------------------------------------------------------------ outbound

  /** Waits, at most `timeoutMs`, for the dials in flight while this peer has no neighbor. */
  async firstDials(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.c.neighbors.size > 0 || this.dials.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.any([...this.dials.values()]).catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      }),
    ]);
    clearTimeout(timer);
  }

  /** Joins the peer at `address`; concurrent dials of one address share the attempt. */
  dial(address: string): Promise<Neighbor> {
    const target = checkAddress(address);
    const existing = this.c.neighbors.byAddress(target);
    if (existing) return Promise.resolve(existing);
    let attempt = this.dials.get(target);
    if (!attempt) {
      this.dialStats.dials++;
      attempt = this.join(target).finally(() => this.dials.delete(target));
      attempt.catch(() => this.dialStats.dialFailures++);
      this.dials.set(target, attempt);
    }
    return attempt;
  }

  isDialing(address: string): boolean {
    return this.dials.has(address);
  }

  /** The user disconnected this peer a short while ago: not to be dialled back. */
  isSentAway(peerId: string): boolean {
    return (this.sentAway.get(peerId) ?? 0) > Date.now();
  }

  /** Ends a relationship this peer chose to end (not churn: no healing), telling the other side. */
  async release(neighbor: Neighbor, reason: string): Promise<void> {
    if (!this.c.neighbors.drop(neighbor, 'left', reason, false)) return;
    await this.sayGoodbye(neighbor.callAddress);
  }

  private async join(address: string): Promise<Neighbor> {
    const self = this.me;
    if (!this.accepting) throw new UnavailableError('the overlay is stopping');
    if (address === self.address) {
      this.c.hosts.markOwn(address);
      throw new InvalidArgumentError(`${address} is this peer's own address`);
    }
    if (this.c.neighbors.size >= this.init.maxPeers) {
      throw new UnavailableError(`this peer already has ${this.c.neighbors.size} neighbors`);
    }
    if (this.hostFull(address)) {
      throw new UnavailableError(
        `already ${this.init.maxNeighborsPerHost} neighbors at the host of ${address} (overlay.maxNeighborsPerHost)`,
      );
    }
    let reply: JoinReply;
    try {
      reply = await this.c.transport.join(address, self, { timeoutMs: this.init.joinTimeoutMs });
    } catch (err) {
      const error = toP2pError(err);
      this.failedDial(address, error.message);
      throw error;
    }
    let claimed: PeerRecord;
    try {
      claimed = checkPeer(reply.peer, 'JoinResponse.peer');
    } catch (err) {
      const error = new UnavailableError(
        `${address} is not a p2pd peer: ${(err as Error).message}`,
      );
      this.failedDial(address, error.message);
      throw error;
    }
    // The address we reached it at is the one we know works, whatever it claims;
    // the key is the one it proved in the handshake.
    const remote = { ...claimed, address, fingerprint: reply.fingerprint };
    this.observe(reply.observedHost, remote.id);
    this.learn(reply.peers, address);
    if (!reply.accepted) return this.refused(address, claimed, reply.reason);

    const problem = this.identityProblem(address, remote);
    if (problem) {
      await this.sayGoodbye(address);
      this.failedDial(address, problem.message);
      throw problem;
    }
    const existing = this.c.neighbors.get(remote.id);
    if (existing) return existing; // it joined us meanwhile (same id, same address)
    if (!this.accepting || this.c.neighbors.size >= this.init.maxPeers || this.hostFull(address)) {
      await this.sayGoodbye(address);
      throw new UnavailableError(
        this.accepting ? 'this peer filled up while joining' : 'the overlay stopped while joining',
      );
    }
    const entry = this.c.hosts.get(address);
    if (entry?.bootstrap && entry.failures > 0) {
      this.c.logger.info({ address, remote: remote.id }, `bootstrap peer ${address} answered`);
    }
    this.c.hosts.succeeded(address, remote.id);
    this.c.keys.expect(address, remote.fingerprint ?? '');
    return this.c.neighbors.add(remote, 'outbound', address);
  }

  /** A peer that accepted us but that we must not keep. */
  private identityProblem(address: string, remote: PeerRecord): Error | undefined {
    const self = this.me;
    let problem: Error | undefined;
    if (remote.protocolVersion !== this.init.protocolVersion) {
      problem = new UnavailableError(
        `${address} speaks protocol version ${remote.protocolVersion}; this peer speaks ${this.init.protocolVersion}`,
      );
    } else if (remote.id === self.id) {
      problem = new AlreadyExistsError(`${address} uses this peer's own id "${self.id}"`);
    } else if (!remote.fingerprint && !this.c.keys.plaintext) {
      problem = new UnavailableError(`${address} proved no key (a plaintext peer?)`);
    } else {
      const keyProblem = this.bindKey(remote);
      if (keyProblem) problem = new PermissionDeniedError(`${address}: ${keyProblem}`);
      const existing = this.c.neighbors.get(remote.id);
      if (!problem && existing && existing.peer.address !== remote.address) {
        problem = new AlreadyExistsError(
          `${address} uses id "${remote.id}", already used by the neighbor at ${existing.peer.address}`,
        );
      }
    }
    if (problem) {
      this.c.logger.warn({ address, remote: remote.id, err: problem.message }, 'join dropped');
    }
    return problem;
  }

  private refused(address: string, remote: PeerRecord, reason: string): never {
    const self = this.me;
    this.failedDial(address, `refused: ${reason || 'no reason given'}`);
    if (remote.id === self.id && remote.address === self.address) {
      this.c.hosts.markOwn(address);
      throw new InvalidArgumentError(`${address} is this peer itself`);
    }
    const message = `${address} (${remote.id}) refused the join: ${reason || 'no reason given'}`;
    this.c.logger.debug({ address, remote: remote.id, reason }, message);
    if (remote.id === self.id) throw new AlreadyExistsError(message);
    throw new UnavailableError(message);
  }

  /** Ends a relationship from this side: Leave, bounded, failures ignored. */
  async sayGoodbye(address: string): Promise<void> {
    const self = this.self;
    if (!self) return;
    try {
      await this.c.transport.leave(address, self.id, { timeoutMs: this.init.leaveTimeoutMs });
    } catch (err) {
      this.c.logger.debug({ address, err: (err as Error).message }, 'leave not delivered');
    } finally {
      this.c.transport.disconnect(address);
    }
  }

  /** Drops a neighbor at the user's request, telling it so. */
  async disconnect(peerId: string): Promise<void> {
    const neighbor = this.c.neighbors.get(checkPeerId(peerId, 'peer_id'));
    if (!neighbor) throw new NotFoundError(`${peerId} is not a neighbor`);
    // Not right back, from either side: healing would otherwise redial at once.
    this.c.hosts.quarantine(neighbor.callAddress);
    for (const [id, until] of this.sentAway) if (until <= Date.now()) this.sentAway.delete(id);
    this.sentAway.set(peerId, Date.now() + this.init.sendAwayMs);
    this.c.neighbors.drop(neighbor, 'left', 'disconnected by this peer', false);
    await this.sayGoodbye(neighbor.callAddress);
  }

  /** Every neighbor is told this peer is leaving, in parallel, each bounded. */
  async leaveAll(): Promise<void> {
    const all = this.c.neighbors.all();
    await Promise.allSettled(all.map((n) => this.sayGoodbye(n.callAddress)));
    this.c.neighbors.clear();
  }

  /** Addresses `via` told us about; a loopback one from a peer on another host means nothing here. */
  learn(peers: readonly UncheckedPeer[], via: string): void {
    const remote = !isLocalOnly(via);
    for (const raw of peers.slice(0, MAX_SHARE)) {
      try {
        const peer = checkPeer(raw, 'peer');
        if (remote && isLocalOnly(peer.address)) continue;
        // Behind NAT: dialling it would only fail; it is reached through its via.
        if (peer.reachability === 'unreachable') continue;
        if (peer.id !== this.self?.id && peer.address !== this.self?.address) {
          this.c.hosts.learn(peer.address, peer.id);
        }
      } catch {
        // A malformed address from a neighbor is skipped, not fatal.
      }
    }
  }

  private failedDial(address: string, reason: string): void {
    this.c.hosts.failed(address, reason);
    this.c.transport.disconnect(address);
    const entry = this.c.hosts.get(address);
    if (entry?.bootstrap && this.accepting) {
      // Backoff bounds how often this is said.
      const inMs = Math.max(0, Math.round(entry.nextDialMs - Date.now()));
      this.c.logger.warn(
        { address, reason, failures: entry.failures, retryInMs: inMs },
        `bootstrap peer ${address} failed (${reason}); retrying in ${(inMs / 1000).toFixed(1)} s`,
      );
    }
  }
}
