// PeerService.DownloadRanges on the fetch side: one HTTP/2 stream to a
// source that carries one byte range after another, so a fetch's runs of
// chunks cost a source no new call each (grpc-js's call setup, a new HTTP/2
// stream and our handler's start were ~1.3-2 ms of a source's CPU per run,
// in code too short-lived for V8 to optimise). One range at a time per
// stream: cancelling a range resets only its own stream. Pieces are views
// of the network's buffers, as in download-client.ts.
import { constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { TimeoutError, UnavailableError } from '../errors.js';
import type { CallOptions } from '../transfer/transport.js';
import { Arrivals } from './arrivals.js';
import { DataChunkReader, type ReadPiece } from './data-chunk-reader.js';
import { downloadRequestMessage, statusError, type DownloadRequest } from './download-wire.js';
import { connectionReason } from './wire-errors.js';

/** The source does not know DownloadRanges (an older peer): ask it with Download. */
export class RangesUnsupported extends Error {}

/** The source ended the stream with OK: its idle limit (transfer.serveStallMs) ran out. */
export class RangeStreamEnded extends UnavailableError {}

export interface RangeStreamInit {
  address: string;
  /** Largest DataChunk accepted. */
  maxMessage: number;
  /** Network buffers queued for the reader before the stream is paused. */
  maxQueued: number;
}

/** What the stream's current range is waiting for. */
interface Range {
  /** File offset of the next byte due. */
  next: number;
  end: number;
}

export class RangeStream {
  /** Broken, reset or ended: never used again. */
  dead = false;
  /** Why it died, for a range in progress. */
  private failure: Error | undefined;
  private range: Range | undefined;
  private readonly stream: ClientHttp2Stream;
  private readonly reader: DataChunkReader;
  private readonly arrived: Arrivals;
  /** Whether the source answered with its response headers yet. */
  private answered = false;
  /** Whether any data came on this stream. */
  private received = false;

  constructor(
    session: ClientHttp2Session,
    private readonly init: RangeStreamInit,
  ) {
    this.reader = new DataChunkReader(init.maxMessage);
    this.stream = session.request(
      {
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: '/p2p.v1.PeerService/DownloadRanges',
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        [constants.HTTP2_HEADER_TE]: 'trailers',
      },
      { endStream: false },
    );
    this.arrived = new Arrivals(this.stream, init.maxQueued);
    const onStatus = (headers: Record<string, unknown>): void => {
      const code = Number(headers['grpc-status']);
      if (code === GrpcStatus.UNIMPLEMENTED && !this.received) {
        this.die(new RangesUnsupported(`${init.address} does not serve DownloadRanges`));
      } else if (code !== GrpcStatus.OK) {
        this.die(statusError(init.address, code, headers));
      } else {
        this.die(new RangeStreamEnded(`${init.address} ended the stream`));
      }
    };
    this.stream.on('response', (headers) => {
      this.answered = true;
      // A refusal before any data comes as headers alone (trailers-only).
      if (headers['grpc-status'] !== undefined) onStatus(headers);
    });
    this.stream.on('trailers', onStatus);
    this.stream.on('data', (buffer: Buffer) => {
      this.received = true;
      this.arrived.add(buffer);
    });
    this.stream.once('error', (err) =>
      this.die(
        new UnavailableError(
          this.answered
            ? `${init.address}: the stream broke (${err.message})`
            : `${init.address} is unreachable (${connectionReason(err.message)})`,
        ),
      ),
    );
    this.stream.once('close', () =>
      this.die(new UnavailableError(`${init.address}: the stream closed`)),
    );
  }

  /**
   * Bytes [offset, offset + length) of a file, in order, as views of the
   * network's buffers (each valid until the iterator is resumed). The stream
   * is reusable once this returns; anything else kills it.
   */
  async *fetch(request: DownloadRequest, options: CallOptions): AsyncGenerator<ReadPiece[]> {
    if (this.dead || this.range) throw new Error('RangeStream: not idle');
    const range: Range = { next: request.offset, end: request.offset + request.length };
    this.range = range;
    const { address } = this.init;
    const timer = setTimeout(
      () => this.die(new TimeoutError(`${address} did not answer in time`)),
      options.timeoutMs,
    );
    const onAbort = (): void => this.die(new UnavailableError('cancelled'));
    options.signal.addEventListener('abort', onAbort, { once: true });
    let complete = false;
    try {
      if (options.signal.aborted) throw options.signal.reason;
      this.stream.write(downloadRequestMessage(request));
      while (range.next < range.end) {
        if (this.arrived.length === 0) {
          if (this.dead) break;
          this.stream.resume();
          await this.arrived.waker.wait();
          continue;
        }
        const pieces: ReadPiece[] = [];
        try {
          for (const buffer of this.arrived.take()) {
            this.reader.read(buffer, (piece) => {
              if (piece.offset !== range.next || piece.data.length > range.end - range.next) {
                throw new Error(`bytes at ${piece.offset} where ${range.next} was due`);
              }
              range.next += piece.data.length;
              pieces.push(piece);
            });
          }
        } catch (err) {
          this.die(
            new UnavailableError(`${address} broke the protocol: ${(err as Error).message}`),
          );
          throw this.failure!;
        }
        if (pieces.length > 0) yield pieces;
      }
      if (options.signal.aborted) throw options.signal.reason;
      if (range.next < range.end) throw this.failure!;
      if (!this.reader.atMessageBoundary) {
        this.die(
          new UnavailableError(`${address} broke the protocol: a range ended inside a message`),
        );
        throw this.failure!;
      }
      complete = true;
    } finally {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      this.range = undefined;
      // A range left unfinished (cancelled, failed, or the reader stopped) takes the stream with it.
      if (!complete) this.die(new UnavailableError('range abandoned'));
    }
  }

  /** Ends the stream politely: the source answers OK and frees what it held. */
  close(): void {
    if (this.dead) return;
    this.dead = true;
    this.stream.end();
  }

  private die(err: Error): void {
    this.failure ??= err;
    this.dead = true;
    this.arrived.waker.wake();
    if (!this.stream.closed) this.stream.close(constants.NGHTTP2_CANCEL);
  }
}
