// One push: stream a shared file to another peer's Upload, which checks it
// against its policy, the size and the hash before keeping it.
import { posix } from 'node:path';
import { CancelledError, P2pError, toP2pError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { FileIndex } from '../index/file-index.js';
import type { FileEntry } from '../index/types.js';
import type { Logger } from '../logger.js';
import type { BandwidthLimiter } from './bandwidth/bandwidth-limiter.js';
import { RateMeter } from './rate-meter.js';
import { peerKeyOfAddress } from './serving/peer-key.js';
import type { PeerTransport } from './transport.js';
import type { TrafficCounter } from './traffic.js';
import type { TransferSnapshot, TransferState } from './types.js';

/** Bytes per Upload message. */
const PIECE = 1024 * 1024;
/** Under an upload limit, a tenth of a second at the limit per message, but not less than this. */
const MIN_PACED_PIECE = 16 * 1024;

export interface PushJobComponents {
  transport: PeerTransport;
  index: FileIndex;
  events: EventBus;
  logger: Logger;
  /** Bytes pushed, per target. */
  traffic: TrafficCounter;
  /** The id of the peer at an address (a neighbor). */
  peerIdAt?: (address: string) => string | undefined;
  /** Upload limits the push keeps to; absent: none. */
  bandwidth?: BandwidthLimiter;
}

export interface PushSpec {
  id: string;
  entry: FileEntry;
  /** Target address, host:port. */
  address: string;
  /** Who this peer is, for the receiver's allow-list. */
  self: { id: string; address: string };
  /** Deadline of the whole upload, ms. */
  timeoutMs: number;
}

export class PushJob {
  readonly id: string;
  state: TransferState = 'queued';
  error: P2pError | undefined;
  bytesDone = 0;
  storedAs = '';
  private readonly startedAt = Date.now();
  private finishedAt: number | undefined;
  private readonly controller = new AbortController();
  private readonly rate = new RateMeter();

  constructor(
    private readonly components: PushJobComponents,
    private readonly spec: PushSpec,
    private readonly changed: (important: boolean) => void,
  ) {
    this.id = spec.id;
  }

  async run(): Promise<void> {
    const { entry, address, self } = this.spec;
    const { transport, events, logger } = this.components;
    this.state = 'running';
    this.changed(true);
    try {
      const result = await transport.upload(
        address,
        {
          name: posix.basename(entry.names[0]!),
          size: entry.size,
          sha256: entry.sha256,
          sender: self,
        },
        this.data(),
        { signal: this.controller.signal, timeoutMs: this.spec.timeoutMs },
      );
      this.storedAs = result.storedAs;
      this.bytesDone = entry.size;
      this.state = 'completed';
      events.emit('upload.sent', {
        sha256: entry.sha256,
        name: entry.names[0]!,
        size: entry.size,
        to: address,
      });
      logger.info(
        { transfer: this.id, sha256: entry.sha256, to: address, storedAs: result.storedAs },
        'push completed',
      );
    } catch (err) {
      this.error = this.controller.signal.aborted
        ? new CancelledError('the push was cancelled')
        : toP2pError(err);
      this.state = this.error instanceof CancelledError ? 'cancelled' : 'failed';
      logger.warn(
        { transfer: this.id, to: address, reason: this.error.message },
        `push ${this.state}`,
      );
    } finally {
      this.finishedAt = Date.now();
      this.changed(true);
    }
  }

  cancel(): void {
    this.controller.abort(new CancelledError('the push was cancelled'));
  }

  snapshot(): TransferSnapshot {
    const { entry, address } = this.spec;
    const running = this.state === 'running';
    return {
      id: this.id,
      kind: 'push',
      state: this.state,
      sha256: entry.sha256,
      name: entry.names[0]!,
      size: entry.size,
      bytesDone: this.bytesDone,
      rateBps: running ? Math.round(this.rate.rate()) : 0,
      etaMs: running
        ? this.rate.eta(entry.size - this.bytesDone)
        : this.state === 'completed'
          ? 0
          : -1,
      sources: [],
      error: this.error?.message ?? '',
      path: this.storedAs,
      peer: address,
      note: '',
      startedAt: this.startedAt,
      ...(this.finishedAt ? { finishedAt: this.finishedAt } : {}),
    };
  }

  /** The file's bytes, counted as they go. */
  private async *data(): AsyncGenerator<Buffer> {
    const { entry, address } = this.spec;
    const { bandwidth } = this.components;
    if (entry.size === 0) return;
    const limit = bandwidth?.ceiling('up') ?? 0;
    const size =
      limit > 0 ? Math.min(PIECE, Math.max(MIN_PACED_PIECE, Math.round(limit / 10))) : PIECE;
    const key = peerKeyOfAddress(address);
    const { stream } = await this.components.index.openRange(entry.sha256, 0, undefined, size);
    try {
      for await (const piece of stream as AsyncIterable<Buffer>) {
        const wait = bandwidth?.take('up', key, piece.length, this.controller.signal);
        if (wait) await wait;
        yield piece;
        this.bytesDone += piece.length;
        this.rate.add(piece.length);
        this.components.traffic.sent(piece.length, address, this.components.peerIdAt?.(address));
        this.changed(false);
      }
    } finally {
      stream.destroy();
    }
  }
}
