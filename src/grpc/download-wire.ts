// The fetch side's own wire for Download and DownloadRanges, spoken over
// node:http2 without grpc-js (download-client.ts, range-stream.ts): the
// request as a gRPC message, and a call's status headers as the core's error.
import { UnavailableError, type P2pError } from '../errors.js';
import { pushVarint } from './data-chunk-wire.js';
import { fromGrpcError } from './wire-errors.js';

export interface DownloadRequest {
  sha256: string;
  offset: number;
  length: number;
}

/** The source's words for why the stream ended, as wire-errors reads a grpc-js error. */
class RemoteStatus extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
    private readonly p2pError: string | undefined,
  ) {
    super(details);
  }
  get metadata(): { get(key: string): string[] } {
    return { get: (key) => (key === 'p2p-error' && this.p2pError ? [this.p2pError] : []) };
  }
}

/** The core's error for a call's non-OK status (NaN: it ended without one). */
export function statusError(
  address: string,
  code: number,
  headers: Record<string, unknown>,
): P2pError {
  const details = decodeMessage(headers['grpc-message'] as string | string[] | undefined);
  const name = headers['p2p-error'];
  return fromGrpcError(
    Number.isInteger(code)
      ? new RemoteStatus(code, details, typeof name === 'string' ? name : undefined)
      : new UnavailableError(`${address}: the stream ended without a status`),
    address,
  );
}

/** A gRPC length-prefixed, uncompressed message. */
function grpcMessage(body: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(5 + body.length);
  framed[0] = 0;
  framed.writeUInt32BE(body.length, 1);
  body.copy(framed, 5);
  return framed;
}

/** A DownloadRequest as a gRPC message, ready to send. */
export function downloadRequestMessage(request: DownloadRequest): Buffer {
  return grpcMessage(encodeDownloadRequest(request));
}

/** DownloadRequest{sha256 = 1, offset = 2, length = 3}. */
export function encodeDownloadRequest(request: DownloadRequest): Buffer {
  const out: number[] = [];
  const sha = Buffer.from(request.sha256, 'utf8');
  out.push(0x0a);
  pushVarint(out, sha.length);
  out.push(...sha);
  if (request.offset > 0) {
    out.push(0x10);
    pushVarint(out, request.offset);
  }
  if (request.length > 0) {
    out.push(0x18);
    pushVarint(out, request.length);
  }
  return Buffer.from(out);
}

/** grpc-message is percent-encoded (gRPC over HTTP/2). */
function decodeMessage(value: string | string[] | undefined): string {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
