// The peer's log file, written by us rather than by pino's destination: a
// full disk (ENOSPC) must cost log lines, never the daemon. pino's own writer
// re-emits the error with no listener and retries its exit flush forever, so
// a daemon with a full log disk kept its ports bound and answered nothing.
//
// Here a failed write drops the lines it held and every line after it, counts
// them, and tries again every retryMs; the first write that succeeds says how
// many were lost and logging resumes. Closing never waits on a full disk.
// The file rotates by size: p2pd.log, p2pd.log.1, ... up to maxFiles in all.
import { closeSync, fstatSync, mkdirSync, openSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { bytesWritten, writeFully, writeFullySync } from '../write-fully.js';

export interface LogFileInit {
  file: string;
  /** The file is rotated before a line would take it past this size. */
  maxBytes: number;
  /** Files kept, the one being written included (1: truncate instead of rotating). */
  maxFiles: number;
  /** The peer id the writer's own lines carry. */
  peerId: string;
  /** Pause between attempts to write again after a failure, ms. Default 1000. */
  retryMs?: number;
  /** Lines waiting for the disk beyond this many bytes are dropped. Default 4 MiB. */
  maxPendingBytes?: number;
}

/** What `status` reports about the log. */
export interface LogStatus {
  file: string;
  /** False while writes fail (lines are dropped meanwhile). */
  writable: boolean;
  /** Lines lost since start: failed writes and lines logged while unwritable. */
  droppedLines: number;
  /** The last write error, e.g. `ENOSPC`, while unwritable. */
  error?: string;
}

/** Counters the writer keeps in the daemon's metrics. */
export interface LogFileMetrics {
  logLinesDropped: { inc(value?: number): void };
  logWritable: { set(value: number): void };
  logRotations: { inc(value?: number): void };
}

export interface LogFileComponents {
  metrics: LogFileMetrics;
  /** Told when the file stops or starts being writable. */
  onWritableChange?: (status: LogStatus) => void;
}

const DEFAULT_RETRY_MS = 1000;
const DEFAULT_MAX_PENDING = 4 * 1024 * 1024;
/** How long close() waits for a write already under way. */
const CLOSE_WAIT_MS = 1000;
const NEWLINE = 0x0a;

export class LogFile {
  private fd: number | undefined;
  private size = 0;
  private pending: string[] = [];
  private pendingBytes = 0;
  private writing: Promise<void> | undefined;
  private writable = true;
  private error: string | undefined;
  private dropped = 0;
  private droppedSinceFailure = 0;
  private failedAt = 0;
  /** The last failed write stopped inside a line: the next write starts a new one. */
  private cutLine = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** close() stopped waiting for the background writes and writes the rest itself. */
  private abandoned = false;

  constructor(
    private readonly components: LogFileComponents,
    private readonly init: LogFileInit,
  ) {}

  /** Opens (or creates) the file; one that cannot be opened is retried like a failed write. */
  open(): void {
    try {
      this.openFile();
      this.components.metrics.logWritable.set(1);
    } catch (err) {
      this.fail(err, 0);
    }
  }

  status(): LogStatus {
    return {
      file: this.init.file,
      writable: this.writable,
      droppedLines: this.dropped,
      ...(this.error === undefined ? {} : { error: this.error }),
    };
  }

  /** Queues one line (ending in a newline); dropped and counted while the file is unwritable. */
  write(line: string): void {
    if (this.closed) return;
    if (this.fd === undefined && this.writable) this.open();
    const bytes = Buffer.byteLength(line);
    if (
      !this.writable ||
      this.pendingBytes + bytes > (this.init.maxPendingBytes ?? DEFAULT_MAX_PENDING)
    ) {
      this.drop(1);
      return;
    }
    this.pending.push(line);
    this.pendingBytes += bytes;
    this.kick();
  }

  /**
   * Writes what is queued and closes the file. A write under way gets a moment; what
   * is queued then gets one synchronous attempt: on a full disk it fails at once.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.writing) await Promise.race([this.writing, delay(CLOSE_WAIT_MS)]);
    this.abandoned = true;
    let lines: string[] = [];
    try {
      while (this.writable && this.pending.length > 0) {
        if (this.mustRotate()) this.rotate();
        lines = this.takeBatch(this.room());
        const batch = Buffer.from(lines.join(''));
        writeFullySync(this.fd!, batch);
        this.size += batch.length;
        lines = [];
      }
    } catch {
      this.drop(lines.length + this.pending.length);
    }
    this.pending = [];
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Starts the background writer unless it runs; a line queued as it ended starts it again. */
  private kick(): void {
    this.writing ??= this.drain().finally(() => {
      this.writing = undefined;
      if (this.pending.length > 0 && this.writable && !this.abandoned) this.kick();
    });
  }

  /** Writes queued lines batch by batch, rotating between batches, until none are left. */
  private async drain(): Promise<void> {
    while (this.pending.length > 0 && this.writable && !this.abandoned) {
      if (this.mustRotate()) {
        try {
          this.rotate();
        } catch (err) {
          this.fail(err, 0);
          return;
        }
      }
      const lines = this.takeBatch(this.room());
      const buf = Buffer.from(lines.join(''));
      try {
        await writeFully(this.fd!, buf);
        this.size += buf.length;
      } catch (err) {
        const written = bytesWritten(err);
        this.size += written;
        if (written > 0 && buf[written - 1] !== NEWLINE) this.cutLine = true;
        this.fail(err, unwrittenLines(lines, written));
        return;
      }
    }
  }

  /** The next line would take a non-empty file past maxBytes. */
  private mustRotate(): boolean {
    return this.size > 0 && Buffer.byteLength(this.pending[0]!) > this.init.maxBytes - this.size;
  }

  private room(): number {
    return Math.max(this.init.maxBytes - this.size, 1);
  }

  /** Queued lines up to `room` bytes, at least one. */
  private takeBatch(room: number): string[] {
    let bytes = 0;
    let n = 0;
    while (n < this.pending.length) {
      const b = Buffer.byteLength(this.pending[n]!);
      if (n > 0 && bytes + b > room) break;
      bytes += b;
      n++;
    }
    this.pendingBytes -= bytes;
    return this.pending.splice(0, n);
  }

  /** Stops writing: what was being written and what waits is dropped; retries later. */
  private fail(err: unknown, lostLines: number): void {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    this.drop(lostLines + this.pending.length);
    this.pending = [];
    this.pendingBytes = 0;
    this.error = code;
    if (this.writable) {
      this.writable = false;
      this.failedAt = Date.now();
      this.components.metrics.logWritable.set(0);
      this.components.onWritableChange?.(this.status());
    }
    this.scheduleRetry();
  }

  private drop(lines: number): void {
    if (lines === 0) return;
    this.dropped += lines;
    this.droppedSinceFailure += lines;
    this.components.metrics.logLinesDropped.inc(lines);
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.retry();
    }, this.init.retryMs ?? DEFAULT_RETRY_MS).unref();
  }

  /** One small synchronous write: the line that says what was lost. */
  private retry(): void {
    if (this.closed) return;
    const note = `${this.cutLine ? '\n' : ''}${JSON.stringify({
      level: 40,
      time: Date.now(),
      peer: this.init.peerId,
      msg: `the log file was not writable (${this.error}) for ${Date.now() - this.failedAt} ms: ${this.droppedSinceFailure} lines dropped`,
      droppedLines: this.droppedSinceFailure,
    })}\n`;
    try {
      if (this.fd === undefined) this.openFile();
      if (this.size > 0 && this.size + Buffer.byteLength(note) > this.init.maxBytes) this.rotate();
      writeFullySync(this.fd!, note);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.size += Buffer.byteLength(note);
    this.cutLine = false;
    this.droppedSinceFailure = 0;
    this.writable = true;
    this.error = undefined;
    this.components.metrics.logWritable.set(1);
    this.components.onWritableChange?.(this.status());
  }

  private openFile(): void {
    mkdirSync(dirname(this.init.file), { recursive: true });
    this.fd = openSync(this.init.file, 'a');
    this.size = fstatSync(this.fd).size;
  }

  /** file.(n-1) → file.n, ..., file → file.1, then a new empty file. */
  private rotate(): void {
    const { file, maxFiles } = this.init;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    for (let i = maxFiles - 1; i >= 1; i--) {
      try {
        renameSync(i === 1 ? file : `${file}.${i - 1}`, `${file}.${i}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    this.fd = openSync(file, maxFiles > 1 ? 'a' : 'w');
    this.size = 0;
    this.cutLine = false;
    this.components.metrics.logRotations.inc();
  }
}

/** Lines of a batch not wholly written when the write stopped after `written` bytes. */
function unwrittenLines(lines: string[], written: number): number {
  let end = 0;
  let whole = 0;
  for (const line of lines) {
    end += Buffer.byteLength(line);
    if (end > written) break;
    whole++;
  }
  return lines.length - whole;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
