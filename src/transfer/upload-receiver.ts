// The receiving side of a push. The header is checked against this peer's
// policy before a byte of data is read; the data goes through a temp file
// into the quarantine folder, checked for size and hash, never overwriting.
// What a sender reserves with its header is held only while data keeps
// coming (`stallMs`), and files are counted as well as bytes, so neither a
// silent upload nor a stream of empty files can take the quota.
import { lstat, readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import {
  InvalidArgumentError,
  PermissionDeniedError,
  QuotaExceededError,
  TimeoutError,
  TooLargeError,
} from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { checkSha256, type FileIndex } from '../index/file-index.js';
import { checkShareName } from '../index/paths.js';
import { writeIntoShare } from '../index/share-writer.js';
import type { FileEntry } from '../index/types.js';
import type { Logger } from '../logger.js';
import type { BandwidthLimiter } from './bandwidth/bandwidth-limiter.js';
import { peerKey } from './serving/peer-key.js';

export interface UploadPolicy {
  enabled: boolean;
  maxFileBytes: number;
  quotaBytes: number;
  /** Files the quarantine folder may hold, empty ones included. */
  maxFiles: number;
  /** An upload that sends no data for this long loses its reservation and is refused, ms. */
  stallMs: number;
  /** Peer ids allowed to push; empty allows all. */
  allowedPeers: string[];
  /** Quarantine folder, relative to the share. */
  dir: string;
}

export interface UploadReceiverComponents {
  index: FileIndex;
  events: EventBus;
  logger: Logger;
  /** Download limits a push keeps to (the sender is slowed by not reading); absent: none. */
  bandwidth?: BandwidthLimiter;
}

export interface UploadReceiverInit {
  sharedDir: string;
  dataDir: string;
  chunkSize: number;
  policy: UploadPolicy;
}

export interface IncomingHeader {
  name: string;
  size: number;
  sha256: string;
  /** The sender's peer id, bound to its key (believed as claimed only on a plaintext wire). */
  senderId: string;
  /** The fingerprint of the key the sender proved; '' on a plaintext wire. */
  senderKey?: string;
}

export class UploadReceiver {
  /** Bytes admitted but not yet stored, so parallel uploads cannot overrun the quota. */
  private reserved = 0;
  /** Files admitted but not yet stored, for the file-count quota. */
  private reservedFiles = 0;

  constructor(
    private readonly components: UploadReceiverComponents,
    private readonly init: UploadReceiverInit,
  ) {}

  /**
   * Checks the header, then stores the data. `from` describes the caller for
   * events and logs. Throws PermissionDenied / TooLarge / QuotaExceeded /
   * InvalidArgument errors, leaving nothing behind.
   */
  async receive(
    header: IncomingHeader,
    data: AsyncIterable<Uint8Array>,
    from: string,
  ): Promise<{ entry: FileEntry; storedAs: string }> {
    const { policy } = this.init;
    if (!policy.enabled) throw new PermissionDeniedError('this peer does not accept pushed files');
    const sha256 = checkSha256(header.sha256);
    if (!Number.isSafeInteger(header.size) || header.size < 0) {
      throw new InvalidArgumentError('size must be a non-negative integer');
    }
    if (
      policy.allowedPeers.length > 0 &&
      !policy.allowedPeers.includes(header.senderId) &&
      !(header.senderKey && policy.allowedPeers.includes(header.senderKey))
    ) {
      throw new PermissionDeniedError(
        `peer "${header.senderId || from}" is not allowed to push files to this peer`,
      );
    }
    const rel = checkShareName(`${policy.dir}/${posix.basename(checkShareName(header.name))}`);
    if (header.size > policy.maxFileBytes) {
      throw new TooLargeError(
        `file of ${header.size} bytes exceeds the limit of ${policy.maxFileBytes} bytes for pushed files`,
      );
    }
    const used = await this.usage();
    if (used.bytes + this.reserved + header.size > policy.quotaBytes) {
      throw new QuotaExceededError(
        `the ${policy.quotaBytes}-byte quota for pushed files cannot take ${header.size} more bytes (${used.bytes + this.reserved} in use)`,
      );
    }
    if (used.files + this.reservedFiles + 1 > policy.maxFiles) {
      throw new QuotaExceededError(
        `the quota of ${policy.maxFiles} pushed files is full (${used.files + this.reservedFiles} held)`,
      );
    }
    this.reserved += header.size;
    this.reservedFiles++;
    try {
      const { sharedDir, dataDir, chunkSize } = this.init;
      const { found, hashes } = await writeIntoShare(
        { sharedDir, dataDir, chunkSize },
        rel,
        paced(stallGuard(capped(data, header.size), policy.stallMs), (bytes) =>
          this.components.bandwidth?.take('down', peerKey({ host: from }), bytes),
        ),
        { maxBytes: header.size, expectedSize: header.size, expectedSha256: sha256 },
      );
      const entry = await this.components.index.addKnown(found, { ...hashes, chunkSize });
      this.components.events.emit('upload.received', {
        sha256,
        name: found.rel,
        size: found.size,
        from: header.senderId || from,
      });
      this.components.logger.info(
        { sha256, storedAs: found.rel, size: found.size, from: header.senderId || from },
        'pushed file received',
      );
      return { entry, storedAs: found.rel };
    } catch (err) {
      // The sender hears a message without this host's paths; the log keeps them.
      this.components.logger.warn(
        { err, sha256, name: rel, from: header.senderId || from },
        'pushed file refused',
      );
      throw err;
    } finally {
      this.reserved -= header.size;
      this.reservedFiles--;
    }
  }

  /** Bytes and files in the quarantine folder now (not following links). */
  private async usage(): Promise<{ bytes: number; files: number }> {
    let total = 0;
    let files = 0;
    const walk = async (dir: string): Promise<void> => {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        return;
      }
      for (const name of names) {
        const path = join(dir, name);
        try {
          const s = await lstat(path);
          if (s.isDirectory()) await walk(path);
          else if (s.isFile()) {
            total += s.size;
            files++;
          }
        } catch {
          // Vanished meanwhile.
        }
      }
    };
    await walk(join(this.init.sharedDir, this.init.policy.dir));
    return { bytes: total, files };
  }
}

/** Passes the data through, refusing a byte beyond what the header announced. */
async function* capped(data: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const piece of data) {
    seen += piece.length;
    if (seen > size) {
      throw new InvalidArgumentError(`sent more than the ${size} bytes its header announced`);
    }
    yield piece;
  }
}

/**
 * Passes the data through as the download limits allow. While a piece waits,
 * the call is not read, so gRPC's flow control holds the sender back; the
 * wait is outside the stall guard, as it is this peer's doing.
 */
async function* paced(
  data: AsyncIterable<Uint8Array>,
  take: (bytes: number) => Promise<void> | undefined,
): AsyncGenerator<Uint8Array> {
  for await (const piece of data) {
    const wait = take(piece.length);
    if (wait) await wait;
    yield piece;
  }
}

/** Passes the data through, failing with TimeoutError when none comes for `ms`. */
async function* stallGuard(
  data: AsyncIterable<Uint8Array>,
  ms: number,
): AsyncGenerator<Uint8Array> {
  const iterator = data[Symbol.asyncIterator]();
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new TimeoutError(`the upload sent no data for ${ms} ms`)),
          ms,
        );
      });
      let next: IteratorResult<Uint8Array>;
      try {
        next = await Promise.race([iterator.next(), stalled]);
      } finally {
        clearTimeout(timer);
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Not awaited: a read still pending ends when the call does.
    void iterator.return?.();
  }
}
