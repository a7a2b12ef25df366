// One root logger per daemon: readable lines on the terminal, JSON lines in
// the peer's log file. Components get children with their own fields.
import { pino, type Logger, type Level } from 'pino';
import pretty from 'pino-pretty';
import { format } from 'node:util';

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
    streams.push({
      level: init.level,
      stream: pretty({
        colorize: process.stdout.isTTY,
        sync: true,
        singleLine: true,
        ignore: 'pid,hostname,peer',
      }),
    });
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
