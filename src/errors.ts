// One class per failure condition, and one table that maps each to its gRPC
// status and HTTP status, so the facades never disagree about a failure.
import { status as GrpcStatus } from '@grpc/grpc-js';

export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'NAME_TOO_LONG'
  | 'TOO_LARGE'
  | 'QUOTA_EXCEEDED'
  | 'NO_SPACE'
  | 'TOO_MANY_REQUESTS'
  | 'RANGE_NOT_SATISFIABLE'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'UNAVAILABLE'
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'NOT_IMPLEMENTED'
  | 'INTERNAL';

export class P2pError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class InvalidArgumentError extends P2pError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', message, options);
  }
}
export class NotFoundError extends P2pError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_FOUND', message, options);
  }
}
export class AlreadyExistsError extends P2pError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALREADY_EXISTS', message, options);
  }
}
/** The name needs a folder where a file is, or a file where a folder is. */
export class ConflictError extends P2pError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFLICT', message, options);
  }
}
/** A name (or one of its parts) longer than the share or the file system takes. */
export class NameTooLongError extends P2pError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NAME_TOO_LONG', message, options);
  }
}
export class TooLargeError extends P2pError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TOO_LARGE', message, options);
  }
}
export class QuotaExceededError extends P2pError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('QUOTA_EXCEEDED', message, options);
  }
}
/** The disk (or the user's disk quota) is full. */
export class NoSpaceError extends P2pError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NO_SPACE', message, options);
  }
}
/** Too many concurrent requests from one caller; retry later. */
export class TooManyRequestsError extends P2pError {
  constructor(message: string) {
    super('TOO_MANY_REQUESTS', message);
  }
}
export class RangeNotSatisfiableError extends P2pError {
  /** Size of the file, so HTTP can answer `Content-Range: bytes * /size`. */
  readonly size: number;
  constructor(message: string, size: number) {
    super('RANGE_NOT_SATISFIABLE', message);
    this.size = size;
  }
}
export class UnauthenticatedError extends P2pError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message);
  }
}
export class PermissionDeniedError extends P2pError {
  constructor(message: string) {
    super('PERMISSION_DENIED', message);
  }
}
export class UnavailableError extends P2pError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, options);
  }
}
export class TimeoutError extends P2pError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TIMEOUT', message, options);
  }
}
export class CancelledError extends P2pError {
  constructor(message: string) {
    super('CANCELLED', message);
  }
}
export class NotImplementedError extends P2pError {
  constructor(message: string) {
    super('NOT_IMPLEMENTED', message);
  }
}
export class InternalError extends P2pError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INTERNAL', message, options);
  }
}

/** A config file the daemon refuses: names the file, the field and the problem. */
export class ConfigError extends Error {
  readonly file: string;
  readonly field: string;
  constructor(file: string, field: string, problem: string) {
    super(field ? `${file}: ${field}: ${problem}` : `${file}: ${problem}`);
    this.name = 'ConfigError';
    this.file = file;
    this.field = field;
  }
}

interface WireCodes {
  grpc: GrpcStatus;
  http: number;
  title: string;
}

export const ERROR_TABLE: Record<ErrorCode, WireCodes> = {
  INVALID_ARGUMENT: { grpc: GrpcStatus.INVALID_ARGUMENT, http: 400, title: 'Bad request' },
  NOT_FOUND: { grpc: GrpcStatus.NOT_FOUND, http: 404, title: 'Not found' },
  ALREADY_EXISTS: { grpc: GrpcStatus.ALREADY_EXISTS, http: 409, title: 'Already exists' },
  CONFLICT: { grpc: GrpcStatus.FAILED_PRECONDITION, http: 409, title: 'Conflict' },
  // 414 names the query string the REST facade takes names from; a form's
  // name field too long is answered 413 by the upload body (rest/upload-body.ts).
  NAME_TOO_LONG: { grpc: GrpcStatus.INVALID_ARGUMENT, http: 414, title: 'Name too long' },
  TOO_LARGE: { grpc: GrpcStatus.RESOURCE_EXHAUSTED, http: 413, title: 'Too large' },
  QUOTA_EXCEEDED: { grpc: GrpcStatus.RESOURCE_EXHAUSTED, http: 507, title: 'Quota exceeded' },
  NO_SPACE: { grpc: GrpcStatus.RESOURCE_EXHAUSTED, http: 507, title: 'Insufficient storage' },
  TOO_MANY_REQUESTS: {
    grpc: GrpcStatus.RESOURCE_EXHAUSTED,
    http: 429,
    title: 'Too many requests',
  },
  RANGE_NOT_SATISFIABLE: {
    grpc: GrpcStatus.OUT_OF_RANGE,
    http: 416,
    title: 'Range not satisfiable',
  },
  UNAUTHENTICATED: { grpc: GrpcStatus.UNAUTHENTICATED, http: 401, title: 'Unauthenticated' },
  PERMISSION_DENIED: { grpc: GrpcStatus.PERMISSION_DENIED, http: 403, title: 'Permission denied' },
  UNAVAILABLE: { grpc: GrpcStatus.UNAVAILABLE, http: 503, title: 'Unavailable' },
  TIMEOUT: { grpc: GrpcStatus.DEADLINE_EXCEEDED, http: 504, title: 'Timed out' },
  CANCELLED: { grpc: GrpcStatus.CANCELLED, http: 499, title: 'Cancelled' },
  NOT_IMPLEMENTED: { grpc: GrpcStatus.UNIMPLEMENTED, http: 501, title: 'Not implemented' },
  INTERNAL: { grpc: GrpcStatus.INTERNAL, http: 500, title: 'Internal error' },
};

/** Any thrown value as a P2pError; unknown failures become INTERNAL. */
export function toP2pError(err: unknown): P2pError {
  if (err instanceof P2pError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(message, { cause: err });
}

export function wireCodes(err: unknown): WireCodes {
  return ERROR_TABLE[toP2pError(err).code];
}

/**
 * What a client may read about a failure. An unexpected one carries a
 * library's or the OS's message, which can name this host's paths: the
 * client gets its errno code only, and the log has the rest.
 */
export function publicMessage(err: P2pError): string {
  if (err.code !== 'INTERNAL') return err.message;
  const errno = (err.cause as NodeJS.ErrnoException | undefined)?.code;
  const why = typeof errno === 'string' && /^E[A-Z0-9]+$/.test(errno) ? ` (${errno})` : '';
  return `an unexpected error${why}; the daemon's log has the details`;
}
