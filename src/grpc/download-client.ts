// PeerService.Download (and DownloadRanges, range-stream.ts) on the fetch side, spoken over node:http2 directly
// rather than through grpc-js: the stream's bytes are parsed where they land
// and handed on as views, where grpc-js would first join each megabyte into
// a fresh buffer and decode it. Per GiB fetched that saved a gigabyte of
// copies and allocations (and the garbage collections they cause), the
// fetcher's largest cost after TLS itself. Same wire, same server: only the
// client differs. Errors come back as the core's error classes.
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import type { Duplex } from 'node:stream';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { TimeoutError, UnavailableError, type P2pError } from '../errors.js';
import type { CallOptions } from '../transfer/transport.js';
import { Arrivals } from './arrivals.js';
import { DataChunkReader, type ReadPiece } from './data-chunk-reader.js';
import { downloadRequestMessage, statusError, type DownloadRequest } from './download-wire.js';
import { RangeStream, RangeStreamEnded, RangesUnsupported } from './range-stream.js';
import { connectionReason } from './wire-errors.js';

/** Opens the byte stream to a peer (TLS with this peer's key, or plaintext). */
export type PeerDialer = (address: string) => Duplex;

/** Sessions kept open; the least recently used beyond this are closed. */
const MAX_SESSIONS = 256;
/** Flow-control window per stream and per session: see TRANSFER_CHANNEL_OPTIONS. */
export const WINDOW = 16 * 1024 * 1024;
/** Largest DataChunk we accept: a megabyte of data and its header, with room. */
const MAX_MESSAGE = 8 * 1024 * 1024;
/**
 * Network buffers queued for the reader before the stream is paused. Few:
 * with 64, buffers waiting for a chunk slot lived long enough to reach V8's
 * old generation, and one 3-source fetch in three peaked at ~220 MiB RSS
 * instead of ~140 (their native memory freed only at a full collection);
 * with 16, none did in 15 runs, at the same or better speed.
 */
const MAX_QUEUED = 16;
/** A connection that is not up by then is given up. */
const CONNECT_TIMEOUT_MS = 10_000;
/** A connection nothing used for this long is closed (a fetch's sources come and go). */
const IDLE_MS = 60_000;
/**
 * An idle DownloadRanges stream is ended after this long: well inside a
 * source's own idle limit (transfer.serveStallMs, 20 s by default), so a
 * source seldom ends one just as it is asked again (the range is then asked
 * on a new stream).
 */
const RANGE_IDLE_MS = 1000;
/** Idle DownloadRanges streams kept per source (a fetch uses at most two at once). */
const MAX_IDLE_RANGE_STREAMS = 2;

export class DownloadClient {
  private readonly sessions = new Map<string, ClientHttp2Session>();
  /** Per source, DownloadRanges streams with no range in progress, each with its idle timer. */
  private readonly idle = new Map<string, { stream: RangeStream; timer: NodeJS.Timeout }[]>();
  /** Sources that answered DownloadRanges with UNIMPLEMENTED: asked with Download. */
  private readonly rangesUnsupported = new Set<string>();

  constructor(
    private readonly dial: PeerDialer,
    /** Whether to ask for ranges on reused streams (DownloadRanges) where a source serves it. */
    private readonly reuseStreams = true,
  ) {}

  /**
   * Bytes [offset, offset + length) of a file, in order, as views of the
   * network's buffers: each is valid until the iterator is resumed. On a
   * reused DownloadRanges stream where the source serves it, else one
   * Download call.
   */
  async *download(
    address: string,
    request: DownloadRequest,
    options: CallOptions,
  ): AsyncGenerator<ReadPiece[]> {
    if (options.signal.aborted) throw options.signal.reason;
    if (this.reuseStreams && request.length > 0 && !this.rangesUnsupported.has(address)) {
      let reused = this.takeIdle(address);
      for (;;) {
        const stream = reused ?? this.newRangeStream(address);
        let started = false;
        try {
          for await (const pieces of stream.fetch(request, options)) {
            started = true;
            yield pieces;
          }
          this.parkIdle(address, stream);
          return;
        } catch (err) {
          // A parked stream the source ended for idleness just as it was asked again: once more, anew.
          if (reused && !started && err instanceof RangeStreamEnded && !options.signal.aborted) {
            reused = undefined;
            continue;
          }
          if (!(err instanceof RangesUnsupported)) throw err;
          if (this.rangesUnsupported.size >= MAX_SESSIONS) this.rangesUnsupported.clear();
          this.rangesUnsupported.add(address);
          break;
        }
      }
    }
    yield* this.downloadCall(address, request, options);
  }

  private newRangeStream(address: string): RangeStream {
    return new RangeStream(this.session(address), {
      address,
      maxMessage: MAX_MESSAGE,
      maxQueued: MAX_QUEUED,
    });
  }

  private takeIdle(address: string): RangeStream | undefined {
    const list = this.idle.get(address) ?? [];
    let found: RangeStream | undefined;
    while (!found && list.length > 0) {
      const entry = list.pop()!;
      clearTimeout(entry.timer);
      if (!entry.stream.dead) found = entry.stream;
    }
    if (list.length === 0) this.idle.delete(address);
    return found;
  }

  private parkIdle(address: string, stream: RangeStream): void {
    if (stream.dead) return;
    const list = this.idle.get(address) ?? [];
    if (list.length >= MAX_IDLE_RANGE_STREAMS) {
      stream.close();
      return;
    }
    const entry = {
      stream,
      timer: setTimeout(() => {
        stream.close();
        const left = (this.idle.get(address) ?? []).filter((e) => e !== entry);
        if (left.length > 0) this.idle.set(address, left);
        else this.idle.delete(address);
      }, RANGE_IDLE_MS).unref(),
    };
    list.push(entry);
    this.idle.set(address, list);
  }

  /** One Download call for the range. */
  private async *downloadCall(
    address: string,
    request: DownloadRequest,
    options: CallOptions,
  ): AsyncGenerator<ReadPiece[]> {
    const stream = this.session(address).request(
      {
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: '/p2p.v1.PeerService/Download',
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        [constants.HTTP2_HEADER_TE]: 'trailers',
        'grpc-timeout': grpcTimeout(options.timeoutMs),
      },
      { endStream: false },
    );
    stream.end(downloadRequestMessage(request));
    let status: IncomingHttpHeaders | undefined;
    let answered = false;
    stream.on('response', (headers) => {
      answered = true;
      // A refusal before any data comes as headers alone (trailers-only).
      if (headers['grpc-status'] !== undefined) status = headers;
    });
    stream.on('trailers', (trailers) => (status = trailers));
    let failure: P2pError | undefined;
    const fail = (err: P2pError): void => {
      failure ??= err;
      stream.destroy();
    };
    const timer = setTimeout(
      () => fail(new TimeoutError(`${address} did not answer in time`)),
      options.timeoutMs,
    );
    const onAbort = (): void => stream.close(constants.NGHTTP2_CANCEL);
    options.signal.addEventListener('abort', onAbort, { once: true });
    const reader = new DataChunkReader(MAX_MESSAGE);
    // 'data' events, not the stream's async iterator: that one joins whatever
    // is buffered into one new buffer, a copy of every byte.
    const arrived = new Arrivals(stream, MAX_QUEUED);
    const { waker } = arrived;
    let ended = false;
    let broke: Error | undefined;
    stream.on('data', (buffer: Buffer) => arrived.add(buffer));
    stream.once('end', () => {
      ended = true;
      waker.wake();
    });
    stream.once('error', (err) => {
      broke = err;
      waker.wake();
    });
    stream.once('close', () => {
      ended = true;
      waker.wake();
    });
    try {
      for (;;) {
        if (arrived.length === 0) {
          if (broke || ended || failure || options.signal.aborted) break;
          stream.resume();
          await waker.wait();
          continue;
        }
        const pieces: ReadPiece[] = [];
        try {
          for (const buffer of arrived.take()) {
            reader.read(buffer, (piece) => pieces.push(piece));
          }
        } catch (err) {
          stream.destroy();
          throw new UnavailableError(`${address} broke the protocol: ${(err as Error).message}`);
        }
        if (pieces.length > 0) yield pieces;
      }
      if (options.signal.aborted) throw options.signal.reason;
      if (failure) throw failure;
      if (broke) {
        throw new UnavailableError(
          answered
            ? `${address}: the stream broke (${broke.message})`
            : `${address} is unreachable (${connectionReason(broke.message)})`,
        );
      }
      const code = Number(status?.['grpc-status'] ?? NaN);
      if (code !== GrpcStatus.OK) throw statusError(address, code, status ?? {});
      if (!reader.atMessageBoundary) {
        throw new UnavailableError(`${address} broke the protocol: it ended inside a message`);
      }
    } finally {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
    }
  }

  close(): void {
    for (const list of this.idle.values()) {
      for (const { stream, timer } of list) {
        clearTimeout(timer);
        stream.close();
      }
    }
    this.idle.clear();
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
  }

  private session(address: string): ClientHttp2Session {
    const open = this.sessions.get(address);
    if (open && !open.closed && !open.destroyed) {
      this.sessions.delete(address);
      this.sessions.set(address, open);
      return open;
    }
    const session = connect(`http://${address}`, {
      createConnection: () => this.dial(address),
      settings: { initialWindowSize: WINDOW },
      maxSessionMemory: 64,
    });
    session.setTimeout(CONNECT_TIMEOUT_MS, () => {
      if (session.connecting) {
        session.destroy(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`));
      } else {
        // Nothing moved for IDLE_MS: closed once its streams (if any) end.
        session.close();
      }
    });
    session.once('connect', () => {
      session.setLocalWindowSize(WINDOW);
      session.setTimeout(IDLE_MS);
    });
    // Errors reach the streams; the session is only dropped.
    session.on('error', () => undefined);
    session.once('close', () => {
      if (this.sessions.get(address) === session) this.sessions.delete(address);
    });
    session.once('goaway', () => {
      if (this.sessions.get(address) === session) this.sessions.delete(address);
    });
    // Idle sessions do not keep the daemon alive.
    session.unref();
    this.sessions.set(address, session);
    if (this.sessions.size > MAX_SESSIONS) {
      const [oldest, old] = this.sessions.entries().next().value!;
      this.sessions.delete(oldest);
      old.close();
    }
    return session;
  }
}

/** A grpc-timeout header value: at most 8 digits, in ms or, beyond, in seconds. */
function grpcTimeout(ms: number): string {
  const whole = Math.max(1, Math.ceil(ms));
  if (whole < 1e8) return `${whole}m`;
  return `${Math.min(99_999_999, Math.ceil(whole / 1000))}S`;
}
