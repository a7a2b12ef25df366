// Joining and leaving: the answers to Join/Leave/Ping/GetPeers, and the
// outbound dial with every identity check. Refusals carry a clear reason,
// are logged, and never throw past the caller.
import {
  AlreadyExistsError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
  toP2pError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { shuffle, type HostCache } from './host-cache.js';
import type { Neighbor, NeighborTable } from './neighbors.js';
import type {
  JoinAnswer,
  JoinReply,
  OverlayTransport,
  PeerRecord,
  UncheckedPeer,
} from './types.js';
import { checkAddress, checkPeer, checkPeerId } from './validate.js';

export interface MembershipComponents {
  transport: OverlayTransport;
  hosts: HostCache;
  neighbors: NeighborTable;
  logger: Logger;
}

export interface MembershipInit {
  protocolVersion: number;
  maxPeers: number;
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

  handleJoin(raw: UncheckedPeer): JoinAnswer {
    const peer = checkPeer(raw, 'peer');
    const self = this.self;
    if (!self || !this.accepting) {
      throw new UnavailableError('this peer is not ready (starting or stopping)');
    }
    const refuse = (reason: string, level: 'warn' | 'debug' = 'warn'): JoinAnswer => {
      this.c.logger[level](
        { from: peer.id, address: peer.address, reason },
        `refused join of ${peer.id}: ${reason}`,
      );
      return { accepted: false, reason, peer: self, peers: this.share(peer) };
    };
    if (peer.protocolVersion !== this.init.protocolVersion) {
      return refuse(
        `incompatible protocol version ${peer.protocolVersion}; this peer speaks ${this.init.protocolVersion}`,
      );
    }
    if (peer.id === self.id) {
      return refuse(
        peer.address === self.address
          ? 'a peer cannot join itself'
          : `peer id "${peer.id}" is this peer's own id (two peers with the same id)`,
      );
    }
    if ((this.sentAway.get(peer.id) ?? 0) > Date.now()) {
      return refuse('the user of this peer disconnected it; try later', 'debug');
    }
    const existing = this.c.neighbors.get(peer.id);
    if (existing) {
      if (existing.peer.address !== peer.address) {
        return refuse(
          `peer id "${peer.id}" is already used by the neighbor at ${existing.peer.address}`,
        );
      }
      existing.misses = 0; // a rejoin after a hiccup: keep the relationship
      return { accepted: true, reason: '', peer: self, peers: this.share(peer) };
    }
    if (this.c.neighbors.size >= this.init.maxPeers) {
      return refuse(`full (${this.c.neighbors.size} neighbors); try the peers listed`, 'debug');
    }
    this.c.neighbors.add(peer, 'inbound');
    this.c.hosts.succeeded(peer.address, peer.id);
    return { accepted: true, reason: '', peer: self, peers: this.share(peer) };
  }

  handleLeave(peerId: string): void {
    const neighbor = this.c.neighbors.get(checkPeerId(peerId, 'peer_id'));
    if (!neighbor) return;
    this.c.hosts.quarantine(neighbor.callAddress);
    this.c.neighbors.drop(neighbor, 'left', 'left the network');
    this.c.transport.disconnect(neighbor.callAddress);
  }

  /** NotFoundError tells a caller that this peer no longer counts it as a neighbor. */
  handlePing(peerId: string): PeerRecord {
    const self = this.me;
    if (peerId && !this.c.neighbors.get(peerId)) {
      throw new NotFoundError(`peer ${peerId} is not a neighbor of ${self.id}`);
    }
    return self;
  }

  handleGetPeers(peerId: string, max: number): PeerRecord[] {
    return this.share(peerId ? { id: peerId, address: '' } : undefined, max || DEFAULT_SHARE);
  }

  /** Peers worth dialling: neighbors first (known alive), then healthy cached ones. */
  share(asker?: Pick<PeerRecord, 'id' | 'address'>, max = DEFAULT_SHARE): PeerRecord[] {
    const limit = Math.min(Math.max(max, 1), MAX_SHARE);
    const skip = (id: string | undefined, address: string): boolean =>
      (!!asker && (id === asker.id || address === asker.address)) ||
      id === this.self?.id ||
      address === this.self?.address;
    const out = new Map<string, PeerRecord>();
    for (const n of shuffle(this.c.neighbors.all())) {
      if (!skip(n.peer.id, n.peer.address)) out.set(n.peer.address, { ...n.peer });
    }
    for (const h of shuffle(this.c.hosts.healthy())) {
      if (out.size >= limit * 2) break;
      if (!skip(h.id, h.address) && !out.has(h.address)) {
        out.set(h.address, { id: h.id!, address: h.address, protocolVersion: 0, version: '' });
      }
    }
    return shuffle([...out.values()]).slice(0, limit);
  }

  // ------------------------------------------------------------ outbound

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
    let reply: JoinReply;
    try {
      reply = await this.c.transport.join(address, self, { timeoutMs: this.init.joinTimeoutMs });
    } catch (err) {
      this.failedDial(address);
      throw toP2pError(err);
    }
    let remote: PeerRecord;
    try {
      remote = checkPeer(reply.peer, 'JoinResponse.peer');
    } catch (err) {
      this.failedDial(address);
      throw new UnavailableError(`${address} is not a p2pd peer: ${(err as Error).message}`);
    }
    this.learn(reply.peers);
    if (!reply.accepted) return this.refused(address, remote, reply.reason);

    const problem = this.identityProblem(address, remote);
    if (problem) {
      await this.sayGoodbye(address);
      this.failedDial(address);
      throw problem;
    }
    const existing = this.c.neighbors.get(remote.id);
    if (existing) return existing; // it joined us meanwhile (same id, same address)
    if (!this.accepting || this.c.neighbors.size >= this.init.maxPeers) {
      await this.sayGoodbye(address);
      throw new UnavailableError(
        this.accepting ? 'this peer filled up while joining' : 'the overlay stopped while joining',
      );
    }
    this.c.hosts.succeeded(address, remote.id);
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
    } else {
      const existing = this.c.neighbors.get(remote.id);
      if (existing && existing.peer.address !== remote.address) {
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
    this.failedDial(address);
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

  learn(peers: readonly UncheckedPeer[]): void {
    for (const raw of peers.slice(0, MAX_SHARE)) {
      try {
        const peer = checkPeer(raw, 'peer');
        if (peer.id !== this.self?.id && peer.address !== this.self?.address) {
          this.c.hosts.learn(peer.address, peer.id);
        }
      } catch {
        // A malformed address from a neighbor is skipped, not fatal.
      }
    }
  }

  private failedDial(address: string): void {
    this.c.hosts.failed(address);
    this.c.transport.disconnect(address);
  }
}
