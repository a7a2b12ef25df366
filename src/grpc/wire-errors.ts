// The reverse of toGrpcError: a failed call from another peer as the core's
// error classes, so a remote refusal keeps its meaning (and its status when
// a facade passes it on).
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import {
  AlreadyExistsError,
  CancelledError,
  ConflictError,
  InvalidArgumentError,
  NameTooLongError,
  NoSpaceError,
  NotFoundError,
  NotImplementedError,
  P2pError,
  PermissionDeniedError,
  QuotaExceededError,
  RangeNotSatisfiableError,
  TimeoutError,
  TooLargeError,
  TooManyRequestsError,
  UnauthenticatedError,
  UnavailableError,
} from '../errors.js';

/**
 * The reason inside grpc-js's connection failure ("No connection established.
 * Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: "),
 * without grpc-js's wording, which means nothing to a user.
 */
export function connectionReason(details: string): string {
  const m = /Last error: (?:Error: )?(.*?)(?: \([0-9T:.Z-]+\))?\.?(?: Resolution note.*)?$/s.exec(
    details,
  );
  const reason = (m?.[1] ?? details.replace(/\.? ?Resolution note:.*$/s, '')).trim();
  return (
    tlsReason(reason) ??
    (reason.replace(/^No connection established\.?$/, 'no connection could be made') || details)
  );
}

/** OpenSSL's "…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:…" in words. */
function tlsReason(reason: string): string | undefined {
  if (/certificate/i.test(reason) && !/SSL routines/.test(reason)) {
    // Node's chain check: the peer's certificate is not from this network's CA.
    return `TLS handshake failed: its certificate is not from this network (${reason}); another network, or not a p2pd peer`;
  }
  const ssl = /SSL routines:[^:]*:([^:]+)/.exec(reason);
  if (!ssl) return undefined;
  return `TLS handshake failed: ${ssl[1]!.trim()} (not a p2pd peer, or another network)`;
}

export function fromGrpcError(err: unknown, address: string): P2pError {
  if (err instanceof P2pError) return err;
  const e = err as Partial<ServiceError>;
  if (typeof e?.code !== 'number') {
    return new UnavailableError(`${address}: ${(err as Error)?.message ?? String(err)}`);
  }
  const details = e.details || e.message || GrpcStatus[e.code];
  const name = e.metadata?.get('p2p-error')[0];
  switch (e.code) {
    case GrpcStatus.NOT_FOUND:
      return new NotFoundError(details);
    case GrpcStatus.INVALID_ARGUMENT:
      if (name === 'NameTooLongError') return new NameTooLongError(details);
      return new InvalidArgumentError(details);
    case GrpcStatus.ALREADY_EXISTS:
      return new AlreadyExistsError(details);
    case GrpcStatus.FAILED_PRECONDITION:
      return new ConflictError(details);
    case GrpcStatus.PERMISSION_DENIED:
      return new PermissionDeniedError(details);
    case GrpcStatus.UNAUTHENTICATED:
      return new UnauthenticatedError(details);
    case GrpcStatus.RESOURCE_EXHAUSTED:
      if (name === 'TooLargeError') return new TooLargeError(details);
      if (name === 'QuotaExceededError') return new QuotaExceededError(details);
      if (name === 'NoSpaceError') return new NoSpaceError(details);
      return new TooManyRequestsError(details);
    case GrpcStatus.OUT_OF_RANGE:
      return new RangeNotSatisfiableError(details, 0);
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new TimeoutError(`${address} did not answer in time`);
    case GrpcStatus.CANCELLED:
      return new CancelledError(details);
    case GrpcStatus.UNIMPLEMENTED:
      return new NotImplementedError(details);
    case GrpcStatus.UNAVAILABLE:
      return new UnavailableError(`${address} is unreachable (${connectionReason(details)})`);
    default:
      // The remote peer failed; to this peer that is an unavailable source or target.
      return new UnavailableError(`${address} failed: ${details}`);
  }
}
