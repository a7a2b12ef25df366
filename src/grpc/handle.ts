// Shared plumbing of the gRPC handlers: errors become status codes from the
// one table in errors.ts, and ControlService is guarded by a token off-host.
import {
  Metadata,
  status as GrpcStatus,
  type ServerDuplexStream,
  type ServerErrorResponse,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { networkInterfaces } from 'node:os';
import { bearerMatches } from '../auth.js';
import { UnauthenticatedError, publicMessage, toP2pError, wireCodes } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { checkSafeIntegers } from './safe-integers.js';
import { isLoopbackHost } from '../net/addresses.js';

/** A gRPC error carrying the status from the error table and the error's message. */
export function toGrpcError(err: unknown): ServerErrorResponse {
  const p2p = toP2pError(err);
  const metadata = new Metadata();
  metadata.set('p2p-error', p2p.name);
  const details = publicMessage(p2p);
  return Object.assign(new Error(details), {
    code: wireCodes(p2p).grpc,
    details,
    metadata,
  });
}

type AnyCall = ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>;

/** Wraps a unary handler: the promise's value is the reply, a throw the status. */
export function unary<Req, Res>(
  method: string,
  metrics: Metrics,
  fn: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res> | Res,
  guard?: (call: AnyCall) => void,
) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    void (async () => {
      try {
        guard?.(call as AnyCall);
        checkSafeIntegers(call.request);
        const reply = await fn(call.request, call);
        metrics.grpcRequests.inc({ method, code: 'OK' });
        callback(null, reply);
      } catch (err) {
        const e = toGrpcError(err);
        metrics.grpcRequests.inc({ method, code: GrpcStatus[e.code ?? GrpcStatus.UNKNOWN] });
        callback(e);
      }
    })();
  };
}

/** Wraps a server-streaming handler: it writes, returns to end, throws for a status. */
export function serverStream<Req, Res>(
  method: string,
  metrics: Metrics,
  fn: (request: Req, call: ServerWritableStream<Req, Res>) => Promise<void>,
  guard?: (call: AnyCall) => void,
) {
  return streamingCall<ServerWritableStream<Req, Res>>(
    method,
    metrics,
    async (call) => {
      checkSafeIntegers(call.request);
      await fn(call.request, call);
    },
    guard,
  );
}

/**
 * Wraps any call the server answers with a stream (server-streaming or
 * bidirectional): `fn` writes, returns to end, throws for a status.
 */
export function streamingCall<
  Call extends ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
>(
  method: string,
  metrics: Metrics,
  fn: (call: Call) => Promise<void>,
  guard?: (call: AnyCall) => void,
) {
  return (call: Call): void => {
    void (async () => {
      try {
        guard?.(call as AnyCall);
        await fn(call);
        metrics.grpcRequests.inc({ method, code: call.cancelled ? 'CANCELLED' : 'OK' });
        if (!call.cancelled) call.end();
      } catch (err) {
        if (call.cancelled) {
          // The client went away (cancel or deadline): nobody to answer.
          metrics.grpcRequests.inc({ method, code: 'CANCELLED' });
          return;
        }
        const e = toGrpcError(err);
        metrics.grpcRequests.inc({ method, code: GrpcStatus[e.code ?? GrpcStatus.UNKNOWN] });
        call.emit('error', e);
      }
    })();
  };
}

/** Writes one message, waiting for the stream to drain so a slow reader bounds memory. */
export async function writeWithBackpressure<T>(
  call: ServerWritableStream<unknown, T>,
  message: T,
): Promise<void> {
  if (call.write(message)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
    call.on('close', done);
  });
}

/** The client's host from a call's peer string (`ipv4:1.2.3.4:5`, `ipv6:[::1]:5`, `unix:...`). */
export function callerHost(peer: string): string {
  if (peer.startsWith('unix:')) return 'localhost';
  const rest = peer.replace(/^ipv[46]:/, '');
  const bracket = /^\[([^\]]+)\]/.exec(rest);
  if (bracket) return bracket[1]!;
  const idx = rest.lastIndexOf(':');
  return idx > 0 ? rest.slice(0, idx) : rest;
}

/**
 * Loopback, or one of this machine's own addresses: a client on this host that
 * dialled a non-loopback address (e.g. `p2pd status` against `grpc.host`) is still local.
 */
export function isThisHost(host: string): boolean {
  if (isLoopbackHost(host)) return true;
  const bare = host.replace(/^::ffff:/, '').toLowerCase();
  return Object.values(networkInterfaces()).some((list) =>
    (list ?? []).some((a) => a.address.toLowerCase() === bare),
  );
}

/**
 * ControlService guard: callers off this host must come over TLS (so the token is
 * not sent in clear) and present `authorization: Bearer <token>`.
 */
export function controlGuard(token: string | undefined, overTls: (peer: string) => boolean) {
  return (call: AnyCall): void => {
    if (isThisHost(callerHost(call.getPeer()))) return;
    if (!token) {
      throw new UnauthenticatedError(
        'ControlService is only open to this host unless grpc.token is set',
      );
    }
    if (!overTls(call.getPeer())) {
      throw new UnauthenticatedError(
        'ControlService from another host needs TLS, so the token is not sent in clear (grpcurl -insecure, not -plaintext)',
      );
    }
    const presented = call.metadata.get('authorization')[0];
    if (!bearerMatches(typeof presented === 'string' ? presented : undefined, token)) {
      throw new UnauthenticatedError('a valid "authorization: Bearer <token>" is required');
    }
  };
}
