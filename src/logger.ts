// One root logger per daemon: readable lines on the terminal, JSON lines in
// the peer's log file. Components get children with their own fields.
import { createRequire } from 'node:module';
import { format } from 'node:util';
import { pino, type Logger, type Level } from 'pino';
import { LogFile, type LogFileMetrics, type LogStatus } from './logging/log-file.js';
import { RepeatCollapser } from './logging/repeat-collapser.js';

export type { Logger, LogStatus };

export interface LoggerInit {
  file: string;
  level: Level;
  /** Rotation: the size a file may reach, and how many files are kept in all. */
  maxBytes: number;
  maxFiles: number;
  /** Also print to stdout (off in tests). Default true. */
  console?: boolean;
  peerId: string;
  /** Pause between attempts to write a log file that failed, ms (default 1000). */
  retryMs?: number;
}

export interface LoggerComponents {
  metrics: LogFileMetrics & { logLinesCollapsed: { inc(value?: number): void } };
}

export interface RootLogger {
  logger: Logger;
  /** Whether the file is being written, and what was lost. */
  status(): LogStatus;
  /** Writes what it can and closes the file; never waits on a full disk. */
  close(): Promise<void>;
}

export function createLogger(components: LoggerComponents, init: LoggerInit): RootLogger {
  const { metrics } = components;
  const file = new LogFile(
    {
      metrics,
      // Said on the terminal (the file cannot take it) and, once writable again, in the file.
      onWritableChange: (s) =>
        s.writable
          ? logger.info({ file: s.file }, 'the log file is writable again')
          : logger.error(
              { file: s.file, error: s.error },
              `cannot write the log file (${s.error}): dropping log lines until it can be written; the daemon keeps serving`,
            ),
    },
    {
      file: init.file,
      maxBytes: init.maxBytes,
      maxFiles: init.maxFiles,
      peerId: init.peerId,
      retryMs: init.retryMs,
    },
  );
  const collapser = new RepeatCollapser((line) => file.write(line), {
    peerId: init.peerId,
    onCollapsed: (n) => metrics.logLinesCollapsed.inc(n),
  });
  const streams: pino.StreamEntry[] = [
    { level: init.level, stream: { write: (line: string) => collapser.write(line) } },
  ];
  if (init.console ?? true) {
    streams.push({ level: init.level, stream: process.stdout.isTTY ? prettyLines() : plainLines });
  }
  const logger = pino(
    { level: init.level, base: { peer: init.peerId } },
    pino.multistream(streams),
  );
  // Opened once the logger exists, so a file that cannot be opened is said on the terminal.
  file.open();
  return {
    logger,
    status: () => file.status(),
    close: () => {
      collapser.flush();
      return file.close();
    },
  };
}

/**
 * A sink for grpc-js's own (process-wide) log lines, so they land in the
 * peer's log instead of raw on stderr. Its errors are mostly about calls we
 * already report, hence warn.
 */
export function grpcLogSink(logger: Logger): Partial<Console> {
  return {
    error: (...args: unknown[]) => logger.warn(format(...args)),
    info: (...args: unknown[]) => logger.debug(format(...args)),
    debug: (...args: unknown[]) => logger.trace(format(...args)),
  };
}

/**
 * pino-pretty, colored, for a person at a terminal. Loaded only then: it and
 * its dependencies weigh about 1 MiB of heap a daemon under a supervisor or
 * a pipe would carry for nothing.
 */
function prettyLines(): pino.DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return pretty({
    colorize: true,
    sync: true,
    singleLine: true,
    ignore: 'pid,hostname,peer',
  });
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** pino-pretty's uncolored single-line layout: `[HH:MM:SS.mmm] LEVEL: message {fields}`. */
export function plainLine(record: string): string {
  const { level, time, msg, ...fields } = JSON.parse(record) as Record<string, unknown>;
  delete fields.pid;
  delete fields.hostname;
  delete fields.peer;
  const at = new Date(time as number).toISOString().slice(11, 23);
  const extra = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
  return `[${at}] ${LEVEL_NAMES[level as number] ?? String(level)}: ${String(msg ?? '')}${extra}\n`;
}

const plainLines: pino.DestinationStream = {
  write: (record: string) => void process.stdout.write(plainLine(record)),
};
