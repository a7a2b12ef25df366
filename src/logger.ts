// One root logger per daemon: readable lines on the terminal, JSON lines in
// the peer's log file. Components get children with their own fields.
import { createRequire } from 'node:module';
import { format } from 'node:util';
import { pino, type Logger, type Level } from 'pino';

export type { Logger };

export interface LoggerInit {
  file: string;
  level: Level;
  /** Also print to stdout (off in tests). Default true. */
  console?: boolean;
  peerId: string;
}

export function createLogger(init: LoggerInit): { logger: Logger; close: () => void } {
  const file = pino.destination({ dest: init.file, sync: false, mkdir: true });
  const streams: pino.StreamEntry[] = [{ level: init.level, stream: file }];
  if (init.console ?? true) {
    streams.push({ level: init.level, stream: process.stdout.isTTY ? prettyLines() : plainLines });
  }
  const logger = pino(
    { level: init.level, base: { peer: init.peerId } },
    pino.multistream(streams),
  );
  return {
    logger,
    close: () => {
      file.flushSync();
      file.end();
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
