// The overlay's transport over gRPC PeerService: every call has a deadline,
// and every failure comes back as one of the error classes of errors.ts with
// a message that names the address.
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import {
  AlreadyExistsError,
  CancelledError,
  InvalidArgumentError,
  NotFoundError,
  NotImplementedError,
  TimeoutError,
  UnavailableError,
  type P2pError,
} from '../errors.js';
import type { GetRoutesResponse__Output } from '../generated/p2p/v1/GetRoutesResponse.js';
import type { JoinResponse__Output } from '../generated/p2p/v1/JoinResponse.js';
import type { PingResponse__Output } from '../generated/p2p/v1/PingResponse.js';
import type { PeerInfo } from '../generated/p2p/v1/PeerInfo.js';
import type {
  CallOptions,
  JoinReply,
  OverlayTransport,
  PeerRecord,
  PingReply,
  RoutesAnswer,
  SearchMessage,
  UncheckedHit,
  UncheckedPeer,
} from '../overlay/types.js';
import { deadline, type PeerCredentials } from './clients.js';
import { toPeerInfo } from './convert.js';
import { PeerClientPool, type DialTarget } from './peer-clients.js';
import { connectionReason } from './wire-errors.js';
import { certificateKey, type AuthContext } from './caller.js';

type Callback<T> = (err: ServiceError | null, value?: T) => void;

/** Issues one unary call on a pooled client; the transport owns deadline and callback. */
type StartCall<T> = (
  client: ReturnType<PeerClientPool['get']>,
  options: { deadline: Date },
  cb: Callback<T>,
) => { cancel(): void; getAuthContext(): AuthContext };

export interface PeerTransportOptions {
  /** Where a channel to an address dials (a proxy for a peer behind NAT). */
  target?: DialTarget;
  /**
   * Sees every advert that comes off the wire (how peers behind NAT are reached);
   * `firsthand` when the answering peer describes itself.
   */
  learn?: (peer: UncheckedPeer, firsthand: boolean) => void;
}

export class GrpcPeerTransport implements OverlayTransport {
  readonly pool: PeerClientPool;
  private readonly learn: (peer: UncheckedPeer, firsthand: boolean) => void;

  constructor(credentials: PeerCredentials, options: PeerTransportOptions = {}) {
    this.pool = new PeerClientPool(credentials, options.target);
    this.learn = options.learn ?? (() => undefined);
  }

  async join(address: string, self: PeerRecord, o: CallOptions): Promise<JoinReply> {
    const { value: res, fingerprint } = await this.unaryWithKey<JoinResponse__Output>(
      address,
      'Join',
      o,
      (client, options, cb) => client.Join({ peer: toPeerInfo(self) }, options, cb),
    );
    this.learn(res.peer, true);
    for (const p of res.peers.slice(0, 100)) this.learn(p, false);
    return {
      fingerprint,
      accepted: res.accepted,
      reason: res.reason,
      peer: res.peer,
      peers: res.peers,
      observedHost: res.observedHost,
    };
  }

  async leave(address: string, selfId: string, o: CallOptions): Promise<void> {
    await this.unary(address, 'Leave', o, (client, options, cb) =>
      client.Leave({ peerId: selfId }, options, cb),
    );
  }

  async ping(address: string, selfId: string, o: CallOptions): Promise<PingReply> {
    const { value: res, fingerprint } = await this.unaryWithKey<PingResponse__Output>(
      address,
      'Ping',
      o,
      (client, options, cb) => client.Ping({ peerId: selfId, sentAtMs: Date.now() }, options, cb),
    );
    this.learn(res.peer, true);
    return { peer: res.peer, observedHost: res.observedHost, fingerprint };
  }

  async getPeers(
    address: string,
    selfId: string,
    max: number,
    o: CallOptions,
  ): Promise<UncheckedPeer[]> {
    const res = await this.unary<{ peers: PeerInfo[] }>(
      address,
      'GetPeers',
      o,
      (client, options, cb) => client.GetPeers({ peerId: selfId, max }, options, cb),
    );
    for (const p of res.peers.slice(0, 100)) this.learn(p, false);
    return res.peers;
  }

  async getRoutes(
    address: string,
    selfId: string,
    haveVersion: number,
    waitMs: number,
    o: CallOptions,
  ): Promise<RoutesAnswer> {
    const res = await this.unary<GetRoutesResponse__Output>(
      address,
      'GetRoutes',
      o,
      (client, options, cb) =>
        client.GetRoutes({ peerId: selfId, haveVersion, waitMs }, options, cb),
    ).catch((err: unknown) => {
      // A peer routing by flooding keeps no tables: that is an answer, not an outage.
      const status = ((err as Error).cause as Partial<ServiceError> | undefined)?.code;
      throw status === GrpcStatus.UNIMPLEMENTED
        ? new NotImplementedError(`${address} keeps no routing tables`)
        : err;
    });
    return {
      version: res.version,
      unchanged: res.unchanged,
      positions: res.positions,
      hashes: res.hashes,
      maxPrefix: res.maxPrefix,
      table: res.table,
      holders: res.holders,
      maxHolders: res.maxHolders,
      baseVersion: res.baseVersion,
      removedHolders: res.removedHolders,
      incomplete: res.incomplete,
    };
  }

  async *search(
    address: string,
    request: SearchMessage,
    o: { deadline: number; signal: AbortSignal },
  ): AsyncGenerator<UncheckedHit> {
    if (o.signal.aborted) return;
    const call = this.pool
      .get(address)
      .Search(
        { ...request, origin: toPeerInfo(request.origin) },
        { deadline: new Date(o.deadline) },
      );
    // grpc-js emits 'error' straight on the stream; never let one go unheard.
    call.on('error', () => undefined);
    const onAbort = (): void => call.cancel();
    o.signal.addEventListener('abort', onAbort);
    try {
      for await (const hit of call as AsyncIterable<UncheckedHit>) {
        this.learn(hit.peer, false);
        yield hit;
      }
    } catch (err) {
      if (o.signal.aborted) return;
      throw toP2p(err as ServiceError, address, 'Search', o.deadline - Date.now());
    } finally {
      o.signal.removeEventListener('abort', onAbort);
      call.cancel();
    }
  }

  disconnect(address: string): void {
    this.pool.close(address);
  }

  close(): void {
    this.pool.closeAll();
  }

  private unary<T>(
    address: string,
    method: string,
    o: CallOptions,
    start: StartCall<T>,
  ): Promise<T> {
    return this.unaryWithKey(address, method, o, start).then((r) => r.value);
  }

  /** A unary call, and the key the answering peer proved in the TLS handshake ('' in plaintext). */
  private unaryWithKey<T>(
    address: string,
    method: string,
    o: CallOptions,
    start: StartCall<T>,
  ): Promise<{ value: T; fingerprint: string }> {
    return new Promise((resolve, reject) => {
      if (o.signal?.aborted) {
        reject(new CancelledError(`${method} to ${address} was cancelled`));
        return;
      }
      const call = start(
        this.pool.get(address),
        { deadline: deadline(o.timeoutMs) },
        (err, value) => {
          o.signal?.removeEventListener('abort', onAbort);
          if (err) reject(toP2p(err, address, method, o.timeoutMs));
          else resolve({ value: value as T, fingerprint: certificateKey(call.getAuthContext()) });
        },
      );
      const onAbort = (): void => call.cancel();
      o.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** A failed call as the error class of its status, saying which peer and method. */
function toP2p(err: ServiceError, address: string, method: string, timeoutMs: number): P2pError {
  const details = err.details || err.message;
  switch (err.code) {
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new TimeoutError(
        `${address} did not answer ${method} within ${Math.max(0, Math.round(timeoutMs))} ms`,
        {
          cause: err,
        },
      );
    case GrpcStatus.UNAVAILABLE: {
      const cause = connectionReason(details);
      return /protocol error|TLS handshake failed/i.test(cause)
        ? new UnavailableError(`${address} is not a p2pd peer (it does not speak gRPC: ${cause})`, {
            cause: err,
          })
        : new UnavailableError(`${address} is unreachable (${cause})`, { cause: err });
    }
    case GrpcStatus.NOT_FOUND:
      return new NotFoundError(details, { cause: err });
    case GrpcStatus.INVALID_ARGUMENT:
      return new InvalidArgumentError(`${address} rejected ${method}: ${details}`, { cause: err });
    case GrpcStatus.ALREADY_EXISTS:
      return new AlreadyExistsError(`${address}: ${details}`, { cause: err });
    case GrpcStatus.CANCELLED:
      return new CancelledError(`${method} to ${address} was cancelled`);
    case GrpcStatus.UNIMPLEMENTED:
      return new UnavailableError(
        `${address} is not a p2pd peer (it does not implement p2p.v1.PeerService/${method})`,
        { cause: err },
      );
    default:
      // Protocol errors and the like: something answered, but it does not speak gRPC PeerService.
      return new UnavailableError(`${address} is not a p2pd peer (${details})`, { cause: err });
  }
}
